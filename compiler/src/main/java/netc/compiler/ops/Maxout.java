package netc.compiler.ops;

import java.util.Arrays;
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
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * Maxout over groups of {@code k} (attr) consecutive elements of the last axis, [..., k·m] → [..., m].
 * {@code maxout(key, values)} picks, in each group, the value at the position where {@code key} is largest (the
 * first such position at ties); maxout of x is {@code maxout(x, x)}. Its gradient routes the adjoint to that position
 * ({@link MaxoutScatter}); the two are each other's gradient in their second operand; the choice of position has no
 * gradient.
 */
final class Maxout implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "maxout";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(check(name(), in, attrs, false));
    }

    /**
     * Checks the operands of maxout ({@code values} shaped like the key) or maxout_scatter ({@code scatter}: an adjoint
     * per group) and gives the result's shape: the groups' for maxout, the key's for maxout_scatter.
     */
    static Shape check(String op, List<TensorType> in, Attrs attrs, boolean scatter) {
        int k = attrs.i("k");
        Shape key = in.get(0).shape();
        if (key.rank() < 1 || key.dim(-1).isSymbolic()) throw new ShapeException("maxout needs a known last dimension, got " + key);
        int n = key.dim(-1).size();
        if (k < 1 || n % k != 0) throw new ShapeException("maxout: the last dimension " + n + " is not a multiple of k = " + k);
        Shape grouped = key.with(key.rank() - 1, Dim.of(n / k));
        Shape expected = scatter ? grouped : key;
        if (!in.get(1).shape().equals(expected)) {
            throw new ShapeException(op + ": operand " + in.get(1).shape() + " does not fit " + key + " (expected " + expected + ")");
        }
        return scatter ? key : grouped;
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(null, g.add(Ops.MAXOUT_SCATTER, y.attrs(), y.input(0), dy));
    }

    @Override
    public void emit(KernelContext k) {
        emit(k, false);
    }

    /** The loop over the groups finding each one's position of the largest key; maxout reads the value there, maxout_scatter writes it. */
    static void emit(KernelContext k, boolean scatter) {
        Node y = k.node();
        int size = y.attrs().i("k");
        String key = k.in(0), v = k.in(1);
        Shape grouped = scatter ? y.input(1).shape() : y.shape();
        if (scatter) k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(y.shape()), k.T());
        k.loop("i", k.size(grouped));
        k.stmt("int o = i * $L", size).stmt("int best = o");
        // a NaN wins, as in torch.max
        k.loop("j", Integer.toString(size)).stmt("$L c = $L[o + j]", k.T(), key)
                .begin("if (c > $L[best] || (c != c && $L[best] == $L[best]))", key, key, key).stmt("best = o + j").end().end();
        if (scatter) k.stmt("$L[best] = $L[i]", k.out(), v);
        else k.stmt("$L[i] = $L[best]", k.out(), v);
        k.end();
    }
}
