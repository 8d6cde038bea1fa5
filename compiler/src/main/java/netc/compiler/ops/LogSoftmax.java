package netc.compiler.ops;

import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/**
 * log_softmax over the last axis, computed stably: {@code (x - max) - log(sum(exp(x - max)))}; its gradient is
 * {@code dy - exp(y) sum(dy)}.
 */
final class LogSoftmax implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "log_softmax";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return Softmax.check(name(), in);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node s = Ops.reduceSum(g, dy, List.of(y.shape().rank() - 1), true);
        return List.of(Ops.sub(g, dy, Ops.mul(g, g.add(Ops.EXP, y), s)));
    }

    @Override
    public void emit(KernelContext k) {
        String cols = Softmax.openRows(k), x = k.in(0), y = k.out(), t = k.T();
        k.stmt("double sum = 0");
        k.loop("j", cols).stmt("sum += Math.exp($L[o + j] - mx)", x).end();
        // (x - max) - log(sum), as PyTorch: x - (max + log(sum)) would round the large sum to the float spacing of max
        k.stmt("$L ls = ($L) Math.log(sum)", t, t);
        k.loop("j", cols).stmt("$L[o + j] = ($L[o + j] - mx) - ls", y, x).end();
        k.end();
    }
}
