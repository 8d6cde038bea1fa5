package netc.compiler.ops;

import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * The largest ({@code reduce_max}) or smallest ({@code reduce_min}) element over {@code axes}, {@code keepdims} as for
 * a sum: {@code max(x, axis=k)}, torch.amax. The gradient goes to the elements equal to the result, split evenly among
 * them at ties, as torch.amax's.
 */
final class ReduceExtreme implements Op, Differentiable, Kernel {
    private final boolean max;

    ReduceExtreme(boolean max) {
        this.max = max;
    }

    @Override
    public String name() {
        return max ? "reduce_max" : "reduce_min";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(ReduceSum.reduced(in.get(0).shape(), attrs));
    }

    /** dx = dy · [x = y] / (the number of elements equal to y), all broadcast over the reduced axes. */
    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node x = y.input(0);
        Shape kept = ReduceSum.keptShape(x.shape(), y.attrs().ints("axes"));
        Node extreme = Ops.broadcastTo(g, Ops.reshape(g, y, kept), x.shape());
        // [x = y] as 1 − |sign(x − y)|
        Node equal = Ops.sub(g, Ops.constant(g, 1), g.add(Ops.ABS, g.add(Ops.SIGN, Ops.sub(g, x, extreme))));
        Node ties = Ops.reduceSum(g, equal, y.attrs().ints("axes"), true);
        Node share = Ops.div(g, Ops.reshape(g, dy, kept), ties);
        return List.of(Ops.mul(g, equal, Ops.broadcastTo(g, share, x.shape())));
    }

    @Override
    public void emit(KernelContext k) {
        fold(k, max ? "Double.NEGATIVE_INFINITY" : "Double.POSITIVE_INFINITY", max ? "Math.max(%s, %s)" : "Math.min(%s, %s)");
    }

    /**
     * The kernel of a reduction over attr {@code axes}: each result element starts at {@code identity} and takes in the
     * elements reduced into it with {@code combine} (a format of the result so far and an element).
     */
    static void fold(KernelContext k, String identity, String combine) {
        Node y = k.node();
        Shape x = y.input(0).shape();
        Shape kept = ReduceSum.keptShape(x, y.attrs().ints("axes"));
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) $L)", k.out(), k.size(y.shape()), k.T(), identity);
        KernelContext.LoopNest loops = k.nest(x, List.of(x, kept)).openOuter().openInner();
        String acc = k.out() + "[" + loops.index(1) + "]";
        k.stmt("$L = $L", acc, String.format(combine, acc, k.in(0) + "[" + loops.index(0) + "]"));
        loops.closeInner().closeOuter();
    }
}
