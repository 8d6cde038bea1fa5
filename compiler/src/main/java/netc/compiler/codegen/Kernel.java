package netc.compiler.codegen;

import java.util.List;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;

/** The kernel facet of an op: the Java statements that compute a node's buffer, and the working arrays they need. */
public interface Kernel {
    /** Emits the Java statements that compute {@code ctx.node()}'s buffer from its inputs' buffers. */
    void emit(KernelContext ctx);

    /**
     * The working arrays (float, of these shapes) the kernel uses while it runs, such as a recurrent layer's state
     * between time steps; the memory plan places them with the values, so a kernel allocates nothing. The kernel
     * finds them as {@link KernelContext#scratch(int)}; their contents are undefined when it starts.
     */
    default List<Shape> scratch(Node n) {
        return List.of();
    }

    /**
     * Whether each output element depends only on the inputs' elements at its own position (after broadcasting), so
     * that the output may overwrite an input of its shape whose life ends here.
     */
    default boolean elementwise(Node n) {
        return false;
    }

    /**
     * Whether the result is its first input's elements in the same order (a reshape), so that it may share the input's
     * array and copy nothing.
     */
    default boolean view(Node n) {
        return false;
    }

    /** What the kernel computes in one pass that would otherwise take several, for {@code netc compile --stats}; null when it fuses nothing. */
    default String fusion(Node n) {
        return null;
    }

    /**
     * The Java literal of {@code n}'s value in element type {@code elemType} when it is one known number (a constant
     * such as {@code 1.0f}), which the kernels that {@link #readsLiterals} write in place of reading an array; else null.
     */
    default String literal(Node n, String elemType) {
        return null;
    }

    /** Whether the kernel reads its inputs through {@link KernelContext#read}, so that a literal may stand for one. */
    default boolean readsLiterals(Node n) {
        return false;
    }

    /** The kernel of {@code n}'s op; leaves, bound from outside, have none. */
    static Kernel of(Node n) {
        if (n.op() instanceof Kernel k) return k;
        throw new IllegalStateException(n.op().name() + " has no kernel: " + n);
    }

    /** The working arrays of {@code n}'s kernel; none for an op without a kernel. */
    static List<Shape> scratchOf(Node n) {
        return n.op() instanceof Kernel k ? k.scratch(n) : List.of();
    }
}
