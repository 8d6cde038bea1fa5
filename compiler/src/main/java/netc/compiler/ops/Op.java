package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.TensorType;

/**
 * A graph operation, defined once: its shape rule, its gradient rule (written with other ops, so the
 * backward pass is an ordinary graph) and its kernel emitter.
 */
public interface Op {
    String name();

    /** The output type for these input types, or a {@link netc.compiler.ir.ShapeException} saying why not. */
    TensorType infer(List<TensorType> inputs, Attrs attrs);

    /**
     * The adjoint of each input given the adjoint {@code dy} of {@code node}'s output, built with {@code g};
     * null for an input that receives no gradient.
     */
    List<Node> gradient(GraphBuilder g, Node node, Node dy);

    /** Emits the Java statements that compute {@code ctx.node()}'s buffer from its inputs' buffers. */
    void emit(KernelContext ctx);

    /**
     * The working arrays (float, of these shapes) the kernel uses while it runs, such as a recurrent layer's state
     * between time steps; the memory plan places them with the values, so a kernel allocates nothing. The kernel
     * finds them as {@link KernelContext#scratch(int)}; their contents are undefined when it starts.
     */
    default List<netc.compiler.ir.Shape> scratch(Node n) {
        return List.of();
    }

    /** False for ops whose value is not a function of their inputs alone (random masks): never merged. */
    default boolean pure() {
        return true;
    }

    /** True for leaves whose buffers are bound from outside (inputs, parameters). */
    default boolean isLeaf() {
        return false;
    }
}
