package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * Basic indexing and slicing. Attrs: {@code starts} and {@code steps} per source axis, {@code window} the
 * selected extent per source axis, {@code squeeze} the axes indexed by an integer (dropped from the result),
 * {@code source} the source shape. The gradient op ({@code slice_grad}) scatters back into zeros of the source shape.
 */
final class Slice implements Op, Differentiable, Kernel {
    private final boolean grad;

    Slice(boolean grad) {
        this.grad = grad;
    }

    @Override
    public String name() {
        return grad ? "slice_grad" : "slice";
    }

    static Shape resultShape(Attrs a) {
        Shape w = a.shape("window");
        List<Integer> squeeze = a.ints("squeeze");
        List<Dim> out = new ArrayList<>();
        for (int d = 0; d < w.rank(); d++) if (!squeeze.contains(d)) out.add(w.dim(d));
        return Shape.of(out);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return new TensorType(grad ? attrs.shape("source") : resultShape(attrs), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return List.of(g.add(grad ? Ops.SLICE : Ops.SLICE_GRAD, y.attrs(), dy));
    }

    /** The source index selected by flat index {@code i} of the window. */
    private static String sourceIndex(Attrs a) {
        Shape w = a.shape("window"), src = a.shape("source");
        List<Integer> starts = a.ints("starts"), steps = a.ints("steps");
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < w.rank(); d++) {
            String coord = "((i / (" + w.productExpr(d + 1, w.rank()) + ")) % " + w.dim(d).javaExpr() + ")";
            String pos = starts.get(d) + " + " + coord + " * " + steps.get(d);
            if (sb.length() > 0) sb.append(" + ");
            sb.append("(").append(pos).append(") * (").append(src.productExpr(d + 1, src.rank())).append(")");
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    @Override
    public void emit(KernelContext k) {
        Attrs a = k.node().attrs();
        String n = a.shape("window").sizeExpr();
        if (grad) {
            k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(k.node().shape()), k.T());
            k.loop("i", n).stmt("$L[$L] += $L[i]", k.out(), sourceIndex(a), k.in(0)).end();
        } else {
            k.loop("i", n).stmt("$L[i] = $L[$L]", k.out(), k.in(0), sourceIndex(a)).end();
        }
    }
}
