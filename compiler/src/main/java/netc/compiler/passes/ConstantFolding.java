package netc.compiler.passes;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Ops;
import netc.runtime.kernels.Unary;

/**
 * Evaluates at compile time the elementwise ops whose operands are all scalar constants, in double precision:
 * {@code exp(2) · 3} becomes one constant. Constants divided by the batch (the {@code 1/batch} of a mean) fold too
 * where the result is still a constant over a product of dims: their negation, products (the divisors multiply) and
 * quotients by a plain constant, and sums of two constants over the same dims. Rewriting goes in topological order, so
 * whole chains fold in one run; differentiation leaves many (the seed 1 times −1 times 1/batch of a mean's gradient).
 */
public final class ConstantFolding implements Pass {
    @Override
    public String name() {
        return "fold";
    }

    @Override
    public Graph run(Graph g) {
        return Rewriter.rewrite(g, ConstantFolding::fold);
    }

    private static boolean isConst(Node n) {
        return n.op() == Ops.CONST;
    }

    private static Shape per(Node c) {
        return c.attrs().has("per") ? c.attrs().shape("per") : null;
    }

    /** The constant {@code n} folds to, built with {@code b}, or null when it does not fold. */
    static Node fold(Node n, GraphBuilder b) {
        if (n.inputs().isEmpty() || !n.shape().isScalar() || n.op() == Ops.FUSED || n.dtype() != DType.FLOAT) return null;
        for (Node in : n.inputs()) if (!isConst(in)) return null;
        Node a = n.input(0), c = n.inputs().size() > 1 ? n.input(1) : null;
        Shape pa = per(a), pc = c == null ? null : per(c);
        double x = a.attrs().d("value"), y = c == null ? 0 : c.attrs().d("value");
        if (pa != null || pc != null) {
            if (n.is(Ops.NEG)) return constant(b, -x, pa);
            if (n.is(Ops.MUL)) return constant(b, x * y, concat(pa, pc));
            if (n.is(Ops.DIV) && pc == null) return constant(b, x / y, pa);
            if ((n.is(Ops.ADD) || n.is(Ops.SUB)) && pa != null && pa.equals(pc)) return constant(b, n.is(Ops.ADD) ? x + y : x - y, pa);
            return null;
        }
        Unary f = n.op() instanceof Elementwise e ? e.function() : null;
        Double v = f != null ? Double.valueOf(f.apply(x)) : evaluate(n.op().name(), x, y);
        return v == null ? null : constant(b, v, null);
    }

    /** The value of a binary scalar op on constants, or null for ops not evaluated here. */
    private static Double evaluate(String op, double x, double y) {
        return switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> x * y;
            case "div" -> x / y;
            case "pow" -> Math.pow(x, y);
            case "max" -> Math.max(x, y);
            case "min" -> Math.min(x, y);
            default -> null;
        };
    }

    private static Shape concat(Shape p, Shape q) {
        if (p == null) return q;
        if (q == null) return p;
        List<Dim> d = new ArrayList<>(p.dims());
        d.addAll(q.dims());
        return Shape.of(d);
    }

    private static Node constant(GraphBuilder b, double v, Shape per) {
        if (per != null && per.isConcrete()) return constant(b, v / per.numelIfKnown(), null);
        return b.add(Ops.CONST, per == null ? Attrs.of("value", v) : Attrs.of("value", v, "per", per));
    }
}
