package netc.compiler.passes;

import netc.compiler.ir.Attrs;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ops.Ops;

/**
 * Local algebra that makes the graph smaller, mostly in what differentiation builds: x·1 and x+0 (when no broadcast
 * is lost), −(−x), arithmetic on scalar constants, reshapes of reshapes, reshapes and broadcasts to the same shape.
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

    private static boolean plainConst(Node n) {
        return n.op() == Ops.CONST && !n.attrs().has("per");
    }

    private static Node simplify(Node n, GraphBuilder b) {
        Node a = n.inputs().isEmpty() ? null : n.input(0);
        Node c = n.inputs().size() > 1 ? n.input(1) : null;
        if (n.op() == Ops.MUL) {
            if (isConst(c, 1) && a.type().equals(n.type())) return a;
            if (isConst(a, 1) && c.type().equals(n.type())) return c;
            if (plainConst(a) && plainConst(c)) return constant(b, n, a.attrs().d("value") * c.attrs().d("value"));
        }
        if (n.op() == Ops.ADD) {
            if (isConst(c, 0) && a.type().equals(n.type())) return a;
            if (isConst(a, 0) && c.type().equals(n.type())) return c;
            if (plainConst(a) && plainConst(c)) return constant(b, n, a.attrs().d("value") + c.attrs().d("value"));
        }
        if (n.op() == Ops.SUB) {
            if (isConst(c, 0) && a.type().equals(n.type())) return a;
            if (plainConst(a) && plainConst(c)) return constant(b, n, a.attrs().d("value") - c.attrs().d("value"));
        }
        if (n.op() == Ops.DIV && plainConst(a) && plainConst(c)) return constant(b, n, a.attrs().d("value") / c.attrs().d("value"));
        if (n.op() == Ops.NEG) {
            if (a.op() == Ops.NEG) return a.input(0);
            if (plainConst(a)) return constant(b, n, -a.attrs().d("value"));
        }
        if (n.op() == Ops.RESHAPE) {
            if (a.type().equals(n.type())) return a;
            if (a.op() == Ops.RESHAPE) return b.add(Ops.RESHAPE, n.attrs(), a.input(0));
        }
        if (n.op() == Ops.IDENTITY && a.type().equals(n.type())) return a;
        return null;
    }

    private static Node constant(GraphBuilder b, Node n, double v) {
        return n.type().shape().isScalar() ? b.add(Ops.CONST, Attrs.of("value", v)) : null;
    }
}
