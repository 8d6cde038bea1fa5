package netc.compiler.codegen;

import com.squareup.javapoet.CodeBlock;
import java.util.function.Function;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;

/**
 * What an op's kernel emitter sees: the node, the Java names of its buffers, the element type of the
 * generated code ({@code float}, or {@code double} for gradient checks) and a code sink.
 */
public final class KernelContext {
    private final Node node;
    private final String elem;
    private final Function<Node, String> buffers;
    private final CodeBlock.Builder code;

    public KernelContext(Node node, String elem, Function<Node, String> buffers, CodeBlock.Builder code) {
        this.node = node;
        this.elem = elem;
        this.buffers = buffers;
        this.code = code;
    }

    public Node node() {
        return node;
    }

    /** The element type of float buffers in the generated code. */
    public String T() {
        return elem;
    }

    /** The Java field holding the output buffer. */
    public String out() {
        return buffers.apply(node);
    }

    /** The Java field holding input {@code i}'s buffer. */
    public String in(int i) {
        return buffers.apply(node.input(i));
    }

    public String size(Shape s) {
        return s.sizeExpr();
    }

    public KernelContext stmt(String format, Object... args) {
        code.addStatement(format, args);
        return this;
    }

    public KernelContext begin(String format, Object... args) {
        code.beginControlFlow(format, args);
        return this;
    }

    public KernelContext end() {
        code.endControlFlow();
        return this;
    }

    /** Opens {@code for (int v = 0; v < bound; v++)}. */
    public KernelContext loop(String v, String bound) {
        return begin("for (int $L = 0; $L < $L; $L++)", v, v, bound, v);
    }

    /**
     * The index into a buffer of shape {@code in} that NumPy broadcasting pairs with flat index {@code i}
     * of shape {@code out}.
     */
    public static String broadcastIndex(Shape out, Shape in, String i) {
        if (in.equals(out)) return i;
        if (in.isUnit()) return "0";
        int r = out.rank(), rin = in.rank();
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < r; d++) {
            int a = d - (r - rin);
            if (a < 0 || in.dim(a).isOne()) continue;
            String outStride = out.productExpr(d + 1, r);
            String coord = outStride.equals("1") ? i : "(" + i + " / (" + outStride + "))";
            if (d > 0) coord = "(" + coord + " % " + out.dim(d).javaExpr() + ")";
            String inStride = in.productExpr(a + 1, rin);
            if (sb.length() > 0) sb.append(" + ");
            sb.append(inStride.equals("1") ? coord : coord + " * (" + inStride + ")");
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
