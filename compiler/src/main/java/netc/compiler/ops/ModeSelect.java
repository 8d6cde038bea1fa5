package netc.compiler.ops;

import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * {@code mode_select(a, b)}: a in training, b in evaluation (batch statistics versus running statistics). The
 * gradient goes to a in training and nowhere in evaluation (b is a buffer there).
 */
final class ModeSelect implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "mode_select";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (!in.get(0).equals(in.get(1))) throw new ShapeException("mode_select needs equal types, got " + in.get(0) + " and " + in.get(1));
        return in.get(0);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node zeros = Ops.broadcastTo(g, Ops.constant(g, 0), dy.shape());
        return Arrays.asList(g.add(Ops.MODE_SELECT, dy, zeros), null);
    }

    @Override
    public void emit(KernelContext k) {
        k.stmt("System.arraycopy(training ? $L : $L, 0, $L, 0, $L)", k.in(0), k.in(1), k.out(), k.size(k.node().shape()));
    }
}
