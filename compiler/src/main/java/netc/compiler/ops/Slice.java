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
 * {@code source} the source shape. Its gradient is {@link SliceGrad}, which places a window back into zeros.
 */
final class Slice implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "slice";
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
        return new TensorType(resultShape(attrs), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return List.of(g.add(Ops.SLICE_GRAD, y.attrs(), dy));
    }

    /** The source index selected by flat index {@code i} of the window. */
    static String sourceIndex(Attrs a) {
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
        k.loop("i", a.shape("window").sizeExpr()).stmt("$L[i] = $L[$L]", k.out(), k.in(0), sourceIndex(a)).end();
    }
}
