package netc.compiler.passes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ops.Ops;

/**
 * Softmax with cross-entropy as one kernel each way. Before differentiation, the per-row sum
 * {@code Σ t·log_softmax(z)} over the class axis, with {@code t} the one-hot rows of int labels or float
 * probabilities of z's shape (what {@code cross_entropy} and {@code nll(log_softmax(z), y)} build), becomes
 * {@code −softmax_xent(z, t)}: the loss of each row in one pass over it, and a gradient that is one
 * {@code softmax_xent_grad} kernel, {@code (softmax(z)·Σt − t)·dy}, with neither one-hot rows nor separate
 * softmax, exp or log nodes. After differentiation, a {@code softmax_xent_grad} whose logits also have a
 * {@code softmax} node (a model that outputs the probabilities) reads those probabilities instead of
 * recomputing them. The {@code log_softmax} and {@code one_hot} nodes stay for other users and are removed by
 * dead-code elimination otherwise.
 */
public final class SoftmaxCrossEntropyFusion implements Pass {
    @Override
    public String name() {
        return "softmax-xent";
    }

    @Override
    public Graph run(Graph g) {
        boolean any = false;
        for (Node n : g.nodes()) any |= target(n) != null || n.is(Ops.SOFTMAX_XENT_GRAD);
        if (!any) return g;
        Map<Node, Node> softmaxOf = new HashMap<>();
        return Rewriter.rewrite(g, (n, b) -> {
            if (n.is(Ops.SOFTMAX)) softmaxOf.putIfAbsent(n.input(0), n);
            Node t = target(n);
            if (t != null) return Ops.neg(b, b.add(Ops.SOFTMAX_XENT, Attrs.NONE, n.label(), logits(n), t));
            if (!n.is(Ops.SOFTMAX_XENT_GRAD)) return null;
            Node p = n.attrs().has("probs") ? null : softmaxOf.get(n.input(0)), dy = Ops.uniformSource(n.input(2));
            if (p == null && dy == n.input(2)) return null;
            return b.add(Ops.SOFTMAX_XENT_GRAD, p == null ? n.attrs() : Attrs.of("probs", true), n.label(), p == null ? n.input(0) : p, n.input(1), dy);
        });
    }

    /** The mul node of {@code Σ_last (w · log_softmax(z))}, or null when {@code n} is not such a sum. */
    private static Node product(Node n) {
        if (!n.is(Ops.REDUCE_SUM) || n.attrs().b("keepdims")) return null;
        Node m = n.input(0);
        if (!m.is(Ops.MUL) || !n.attrs().ints("axes").equals(List.of(m.shape().rank() - 1))) return null;
        for (int i = 0; i < 2; i++) {
            Node l = m.input(i);
            if (l.is(Ops.LOG_SOFTMAX) && l.shape().equals(m.shape()) && m.input(1 - i).shape().equals(m.shape())) return m;
        }
        return null;
    }

    private static Node logits(Node n) {
        Node m = product(n);
        return (m.input(0).is(Ops.LOG_SOFTMAX) ? m.input(0) : m.input(1)).input(0);
    }

    /** The target of {@code n} as softmax_xent takes it (int labels, or float probabilities), or null when no match. */
    private static Node target(Node n) {
        Node m = product(n);
        if (m == null) return null;
        Node w = m.input(0).is(Ops.LOG_SOFTMAX) ? m.input(1) : m.input(0);
        if (w.is(Ops.ONE_HOT)) return w.input(0);
        return w.dtype() == DType.FLOAT ? w : null;
    }
}
