package netc.compiler.passes;

import netc.compiler.ir.Attrs;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ops.Ops;

/**
 * Rewrites numerically unstable compositions into stable forms, whatever the user wrote:
 * <ul>
 *   <li>{@code log(softmax(z))} → {@code log_softmax(z)}</li>
 *   <li>{@code log(sigmoid(z))} → {@code -softplus(-z)}</li>
 *   <li>{@code log(1 - sigmoid(z))} → {@code -softplus(z)}</li>
 *   <li>{@code log(1 + exp(z))} (either operand order) → {@code softplus(z)}</li>
 * </ul>
 * The forms agree where the originals are finite and stay finite (with finite gradients) for extreme z, where the
 * originals give −∞ or NaN. A rewritten node keeps its label and source line; the original inner node (the softmax,
 * say) stays for other users and is removed by dead-code elimination otherwise. Runs on the forward graph before
 * differentiation (so that gradients are built from the stable forms) and again first in {@link Pipeline#optimize}.
 */
public final class StableForms implements Pass {
    @Override
    public String name() {
        return "stable-forms";
    }

    @Override
    public Graph run(Graph g) {
        boolean any = false;
        for (Node n : g.nodes()) any |= matches(n);
        return any ? Rewriter.rewrite(g, (n, b) -> matches(n) ? rewrite(b, n) : null) : g;
    }

    private static boolean isOne(Node n) {
        return Ops.isConstant(n) && !n.attrs().has("per") && n.attrs().d("value") == 1.0;
    }

    /** True when {@code n} is a log of one of the forms above. */
    private static boolean matches(Node n) {
        if (!n.is(Ops.LOG)) return false;
        Node s = n.input(0);
        if (s.is(Ops.SOFTMAX) || s.is(Ops.SIGMOID)) return true;
        if (s.is(Ops.SUB) && isOne(s.input(0)) && s.input(1).is(Ops.SIGMOID)) return s.shape().equals(s.input(1).shape());
        if (s.is(Ops.ADD)) return onePlusExp(s) != null;
        return false;
    }

    /** The z of {@code 1 + exp(z)} or {@code exp(z) + 1} (of exp(z)'s shape), else null. */
    private static Node onePlusExp(Node add) {
        for (int i = 0; i < 2; i++) {
            Node one = add.input(i), e = add.input(1 - i);
            if (isOne(one) && e.is(Ops.EXP) && add.shape().equals(e.shape())) return e.input(0);
        }
        return null;
    }

    /** The stable form of log node {@code n} (whose operand is already rewritten), labelled like it. */
    private static Node rewrite(GraphBuilder b, Node n) {
        Node arg = n.input(0);
        if (arg.is(Ops.SOFTMAX)) return b.add(Ops.LOG_SOFTMAX, Attrs.NONE, n.label(), arg.input(0));
        Node inner;
        if (arg.is(Ops.SIGMOID)) {
            Node z = arg.input(0);
            inner = Ops.softplus(b, z.is(Ops.NEG) ? z.input(0) : Ops.neg(b, z));
        } else if (arg.is(Ops.SUB)) {
            inner = Ops.softplus(b, arg.input(1).input(0));
        } else {
            return b.add(Ops.SOFTPLUS, Ops.SOFTPLUS_DEFAULTS, n.label(), onePlusExp(arg));
        }
        return b.add(Ops.NEG, Attrs.NONE, n.label(), inner);
    }
}
