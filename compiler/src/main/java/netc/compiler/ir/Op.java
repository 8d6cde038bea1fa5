package netc.compiler.ir;

import java.util.List;

/**
 * What a graph operation is: its name, its shape rule, and whether it is pure or a leaf. The stages after the graph add
 * their own facets, which each op class implements in its one file where it has them: the gradient
 * ({@code autodiff.Differentiable}) and the kernel ({@code codegen.Kernel}).
 */
public interface Op {
    String name();

    /** The output type for these input types, or a {@link ShapeException} saying why not. */
    TensorType infer(List<TensorType> inputs, Attrs attrs);

    /** False for ops whose value is not a function of their inputs alone (random masks): never merged. */
    default boolean pure() {
        return true;
    }

    /** True for leaves whose buffers are bound from outside (inputs, parameters). */
    default boolean isLeaf() {
        return false;
    }
}
