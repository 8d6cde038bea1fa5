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

    /** True for values known when the model is compiled (constants): they keep a buffer of their own. */
    default boolean isConstant() {
        return false;
    }

    /** An int input used as an index: into {@code size} classes (one-hot labels) or rows of a table. */
    record Index(int size, boolean classes) {
    }

    /** How {@code n} uses its input {@code k} as an index, or null when it does not. */
    default Index index(Node n, int k) {
        return null;
    }

    /** Whether {@code n}'s input {@code k} must hold probabilities in [0, 1] (the target of a binary cross-entropy). */
    default boolean takesProbability(Node n, int k) {
        return false;
    }
}
