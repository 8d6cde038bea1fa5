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
 * softmax or log_softmax over the last axis, computed stably (the row maximum is subtracted first).
 * Gradients: softmax dx = y (dy - sum(dy y)); log_softmax dx = dy - exp(y) sum(dy).
 */
final class Softmax implements Op, Differentiable, Kernel {
    private final boolean log;

    Softmax(boolean log) {
        this.log = log;
    }

    @Override
    public String name() {
        return log ? "log_softmax" : "softmax";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape s = in.get(0).shape();
        if (s.rank() < 1) throw new ShapeException(name() + " needs at least one dimension, got a scalar");
        if (in.get(0).dtype() != netc.compiler.ir.DType.FLOAT) throw new ShapeException(name() + " needs float values, got " + in.get(0));
        return TensorType.f(s);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        int last = y.shape().rank() - 1;
        if (log) {
            Node s = Ops.reduceSum(g, dy, List.of(last), true);
            return List.of(Ops.sub(g, dy, Ops.mul(g, g.add(Ops.EXP, y), s)));
        }
        Node s = Ops.reduceSum(g, Ops.mul(g, dy, y), List.of(last), true);
        return List.of(Ops.mul(g, y, Ops.sub(g, dy, s)));
    }

    @Override
    public void emit(KernelContext k) {
        Shape s = k.node().shape();
        String cols = s.dim(-1).javaExpr();
        String x = k.in(0), y = k.out(), t = k.T();
        k.loop("r", s.productExpr(0, s.rank() - 1));
        k.stmt("int o = r * $L", cols);
        k.stmt("$L mx = $L[o]", t, x);
        k.loop("j", cols).stmt("mx = Math.max(mx, $L[o + j])", x).end();
        k.stmt("double sum = 0");
        if (log) {
            k.loop("j", cols).stmt("sum += Math.exp($L[o + j] - mx)", x).end();
            // (x - max) - log(sum), as PyTorch: x - (max + log(sum)) would round the large sum to the float spacing of max
            k.stmt("$L ls = ($L) Math.log(sum)", t, t);
            k.loop("j", cols).stmt("$L[o + j] = ($L[o + j] - mx) - ls", y, x).end();
        } else {
            k.loop("j", cols).stmt("$L e = ($L) Math.exp($L[o + j] - mx)", t, t, x).stmt("$L[o + j] = e", y).stmt("sum += e").end();
            k.stmt("$L inv = ($L) (1.0 / sum)", t, t);
            k.loop("j", cols).stmt("$L[o + j] *= inv", y).end();
        }
        k.end();
    }
}
