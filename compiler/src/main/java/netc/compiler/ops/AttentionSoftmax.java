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
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * The attention weights of scores [..., q, k]: {@code softmax(scale · s)} over the last axis (attr {@code scale}),
 * and with {@code causal=true} query i attends to keys 0 … i only (the weights of later keys are 0, as a mask of −∞
 * gives). One kernel, the rows shared among threads: scaled, masked and normalised in one pass over each row, where
 * separate ops would make three. Its gradient is softmax's, {@code scale · y (dy − Σ dy y)}, which is 0 where the
 * mask is.
 */
final class AttentionSoftmax implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "attention_softmax";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        TensorType t = Softmax.check(name(), in);
        Shape s = t.shape();
        if (attrs.b("causal") && (s.rank() < 2 || !s.dim(-1).equals(s.dim(-2)))) {
            throw new ShapeException("a causal mask needs square scores [..., n, n], got " + s);
        }
        return t;
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node s = Ops.reduceSum(g, Ops.mul(g, dy, y), List.of(y.shape().rank() - 1), true);
        return List.of(Ops.mul(g, Ops.mul(g, y, Ops.sub(g, dy, s)), Ops.constant(g, y.attrs().d("scale"))));
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": scale" + (n.attrs().b("causal") ? ", causal mask" : "")
                + " and softmax in one pass over each row";
    }

    @Override
    public void emit(KernelContext k) {
        Shape s = k.node().shape();
        boolean causal = k.node().attrs().b("causal");
        String cols = s.dim(-1).javaExpr(), y = k.out(), t = k.T();
        String scale = Const.javaDouble(k.node().attrs().d("scale"));
        k.parallelLoop("r", s.productExpr(0, s.rank() - 1), cols, s);
        k.stmt("int o = r * $L", cols);
        // the keys a query sees: all of them, or with the causal mask those up to its own position
        k.stmt("int n = $L", causal ? "r % " + Slice.factor(s.dim(-2).javaExpr()) + " + 1" : cols);
        k.stmt("$L scale = ($L) $L", t, t, scale);
        Softmax.rowMax(k, "n", " * scale");
        Softmax.exponentials(k, "n", " * scale");
        k.stmt("$L inv = ($L) (1.0 / sum)", t, t);
        k.loop("j", "n").stmt("$L[o + j] *= inv", y).end();
        if (causal) k.begin("for (int j = n; j < $L; j++)", cols).stmt("$L[o + j] = 0", y).end();
        k.end();
    }
}
