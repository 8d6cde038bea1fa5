package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/**
 * Losses beyond the basic ones, each equal to the PyTorch function named in its comment: bce_logits, kl_div, hinge,
 * huber. Mean over the batch unless {@code reduction="sum"} (kl_div: "batchmean" by default).
 */
final class LossBuiltins {
    private LossBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("bce_logits", LossBuiltins::bceLogits);
        table.put("kl_div", LossBuiltins::klDiv);
        table.put("hinge", LossBuiltins::hinge);
        table.put("huber", LossBuiltins::huber);
    }

    /** bce_logits(z, t): mean of max(z, 0) − z·t + log(1 + e^(−|z|)), F.binary_cross_entropy_with_logits. */
    private static Object bceLogits(CallSite cs, String assigned) {
        cs.expect(2, "z", "t", "reduction");
        Node z = cs.tensor(0, "z"), t = cs.tensor(1, "t");
        Builtins.sameShape(cs, z, t);
        floats(cs, z, t);
        cs.builder.classScores(z, true);
        return Builtins.reduce(cs, cs.builder.g.add(Ops.BCE_LOGITS, z, t), 2);
    }

    /**
     * kl_div(log_q, p, reduction="batchmean"): Σ p·(log p − log_q) with 0·log 0 = 0, divided by the size of the first
     * dimension ("batchmean"), by the element count ("mean"), or not at all ("sum"); F.kl_div with log-probability
     * input and probability target. With {@code axis=k} the distributions lie along axis k (the decks' samples as
     * columns: axis=0) and "batchmean" divides by their number, the element count over the size of axis k.
     */
    private static Object klDiv(CallSite cs, String assigned) {
        cs.expect(2, "log_q", "p", "reduction", "axis");
        GraphBuilder g = cs.builder.g;
        Node logQ = cs.tensor(0, "log_q"), p = cs.tensor(1, "p");
        Builtins.sameShape(cs, logQ, p);
        floats(cs, logQ, p);
        Node pointwise = Ops.sub(g, g.add(Ops.XLOGX, p), Ops.mul(g, p, logQ));
        String red = cs.string(2, "reduction", "batchmean");
        Integer axis = cs.has(3, "axis") ? Builtins.axisArg(cs, 3, p) : null;
        return switch (red) {
            case "batchmean" -> {
                Node s = Ops.sumAll(g, pointwise);
                Shape shape = p.shape();
                if (shape.isScalar()) yield s;
                List<Dim> samples = new ArrayList<>(shape.dims());
                if (axis != null) samples.remove((int) axis);
                else samples = List.of(shape.dim(0));
                yield Ops.mul(g, s, Ops.constantPer(g, 1.0, Shape.of(samples)));
            }
            case "mean" -> Ops.meanAll(g, pointwise);
            case "sum" -> Ops.sumAll(g, pointwise);
            default -> throw new BuildError(cs.spanOf(2, "reduction"), "kl_div: reduction must be \"batchmean\", \"mean\" or \"sum\", got \"" + red + "\"");
        };
    }

    /**
     * hinge(logits [..., C], labels int[...], margin=1): per sample Σ_{j ≠ y} max(0, margin − x_y + x_j) / C, the
     * multi-class hinge loss of Weston and Watkins; F.multi_margin_loss(p=1).
     */
    private static Object hinge(CallSite cs, String assigned) {
        cs.expect(2, "logits", "labels", "margin", "reduction");
        GraphBuilder g = cs.builder.g;
        Node z = cs.tensor(0, "logits"), y = cs.tensor(1, "labels");
        Shape zs = z.shape();
        if (zs.rank() < 1 || zs.dim(-1).isSymbolic()) {
            throw new BuildError(cs.spanOf(0, "logits"), "hinge needs logits with a known class dimension last, got " + zs);
        }
        if (z.dtype() != DType.FLOAT) throw new BuildError(cs.spanOf(0, "logits"), "hinge needs float logits, got " + z.type());
        Shape leading = zs.sub(0, zs.rank() - 1);
        if (y.dtype() != DType.INT || !y.shape().equals(leading)) {
            throw new BuildError(cs.spanOf(1, "labels"), "hinge: labels must be int class indices " + leading + " for logits " + zs + ", got " + y.type());
        }
        double margin = cs.number(2, "margin", 1.0);
        int classes = zs.dim(-1).size();
        int last = zs.rank() - 1;
        Node oneHot = g.add(Ops.ONE_HOT, Attrs.of("classes", classes), y);
        Node correct = Ops.reduceSum(g, Ops.mul(g, z, oneHot), List.of(last), true);
        Node violation = g.add(Ops.RELU, Ops.add(g, Ops.sub(g, Ops.constant(g, margin), correct), z));
        Node others = Ops.mul(g, violation, Ops.sub(g, Ops.constant(g, 1), oneHot));
        Node perSample = Ops.mul(g, Ops.reduceSum(g, others, List.of(last), false), Ops.constant(g, 1.0 / classes));
        return Builtins.reduce(cs, perSample, 3);
    }

    /** huber(a, b, delta=1): mean of ½d² where |d| &lt; delta, else delta·(|d| − ½delta), d = a − b; F.huber_loss. */
    private static Object huber(CallSite cs, String assigned) {
        cs.expect(2, "a", "b", "delta", "reduction");
        GraphBuilder g = cs.builder.g;
        Node a = cs.tensor(0, "a"), b = cs.tensor(1, "b");
        Builtins.sameShape(cs, a, b);
        floats(cs, a, b);
        double delta = cs.number(2, "delta", 1.0);
        if (!(delta > 0)) throw new BuildError(cs.spanOf(2, "delta"), "huber: delta must be positive, got " + delta);
        return Builtins.reduce(cs, g.add(Ops.HUBER, Attrs.of("delta", delta), Ops.sub(g, a, b)), 3);
    }

    private static void floats(CallSite cs, Node a, Node b) {
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT) {
            throw new BuildError(cs.span(), cs.name() + " needs float operands, got " + a.type() + " and " + b.type());
        }
    }
}
