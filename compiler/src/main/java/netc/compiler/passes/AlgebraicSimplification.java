package netc.compiler.passes;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.TensorType;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Ops;

/**
 * Local algebra that makes the graph smaller, mostly in what differentiation builds: x·1 and x+0 (when no broadcast
 * is lost), −(−x), reshapes of reshapes, reshapes and broadcasts to the same shape, and negations moved towards the
 * smaller operand, where they meet another negation or a constant: {@code Σ(−x)} is {@code −Σx}, {@code (−a)·b} is
 * {@code −(a·b)}, and the negation of a broadcast or reshape is the broadcast or reshape of the negation; an
 * elementwise operand that is a broadcast of one value (a mean's 1/batch in its gradient) or of a smaller array (a
 * per-channel mean's gradient) is replaced by that value or array, which the op broadcasts without an array filled
 * with it. Arithmetic on
 * constants is {@link ConstantFolding}'s, which this pass calls on the nodes it builds.
 */
public final class AlgebraicSimplification implements Pass {
    @Override
    public String name() {
        return "simplify";
    }

    @Override
    public Graph run(Graph g) {
        return Rewriter.rewrite(g, AlgebraicSimplification::simplify);
    }

    private static boolean isConst(Node n, double v) {
        return n.op() == Ops.CONST && !n.attrs().has("per") && n.attrs().d("value") == v;
    }

    private static Node simplify(Node n, GraphBuilder b) {
        Node a = n.inputs().isEmpty() ? null : n.input(0);
        Node c = n.inputs().size() > 1 ? n.input(1) : null;
        if (n.op() == Ops.MUL) {
            if (isConst(c, 1) && a.type().equals(n.type())) return a;
            if (isConst(a, 1) && c.type().equals(n.type())) return c;
            for (int i = 0; i < 2; i++) {
                Node x = n.input(i), y = n.input(1 - i);
                if (x.is(Ops.NEG) && !y.is(Ops.NEG)) return negate(b, Ops.mul(b, x.input(0), y));
            }
        }
        if (n.op() == Ops.ADD) {
            if (isConst(c, 0) && a.type().equals(n.type())) return a;
            if (isConst(a, 0) && c.type().equals(n.type())) return c;
        }
        if (n.op() == Ops.SUB && isConst(c, 0) && a.type().equals(n.type())) return a;
        if (n.op() == Ops.NEG && (a.is(Ops.NEG) || a.is(Ops.RESHAPE) || a.attrs().has("shape") && a.is(Ops.IDENTITY))) return negate(b, a);
        if (n.op() == Ops.REDUCE_SUM && a.is(Ops.NEG)) return negate(b, b.add(Ops.REDUCE_SUM, n.attrs(), a.input(0)));
        if (n.op() == Ops.RESHAPE) {
            if (a.type().equals(n.type())) return a;
            if (a.op() == Ops.RESHAPE) return b.add(Ops.RESHAPE, n.attrs(), a.input(0));
        }
        if (n.op() == Ops.IDENTITY && a.type().equals(n.type())) return a;
        if (n.op() instanceof Elementwise && !n.attrs().has("shape")) return withoutBroadcasts(n, b);
        return null;
    }

    /**
     * An elementwise node with each operand that only spreads one value (a broadcast or reshape of it), or that is a
     * broadcast of a smaller array (a per-channel gradient spread over a batch), replaced by that value or array, which
     * the op broadcasts anyway, when the result keeps its shape; null when there is no such operand. The broadcast's
     * array is then never filled, and the op can join an elementwise chain ({@link ElementwiseFusion} takes only
     * producers of its own shape).
     */
    private static Node withoutBroadcasts(Node n, GraphBuilder b) {
        List<Node> ins = new ArrayList<>(n.inputs());
        boolean changed = false;
        for (int i = 0; i < ins.size(); i++) {
            Node u = Ops.uniformSource(ins.get(i));
            while (u.is(Ops.IDENTITY) && u.attrs().has("shape")) u = u.input(0);
            if (u == ins.get(i)) continue;
            ins.set(i, u);
            List<TensorType> types = new ArrayList<>();
            for (Node in : ins) types.add(in.type());
            if (n.op().infer(types, n.attrs()).equals(n.type())) changed = true;
            else ins.set(i, n.input(i));
        }
        return changed ? b.add(n.op(), n.attrs(), n.label(), ins.toArray(new Node[0])) : null;
    }

    /**
     * −x with the negation taken through reshapes and broadcasts to where it cancels another one or folds into a
     * constant.
     */
    private static Node negate(GraphBuilder b, Node x) {
        if (x.is(Ops.NEG)) return x.input(0);
        if (x.is(Ops.RESHAPE) || x.is(Ops.IDENTITY) && x.attrs().has("shape")) return b.add(x.op(), x.attrs(), negate(b, x.input(0)));
        Node neg = b.add(Ops.NEG, Attrs.NONE, x);
        Node folded = ConstantFolding.fold(neg, b);
        return folded != null ? folded : neg;
    }
}
