package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Ops;

/**
 * The built-in functions of the language: elementary ops, activations, losses, layers and gradient control.
 * Composite built-ins (losses, layers) expand into primitive ops here, with PyTorch's definitions.
 */
final class Builtins {
    interface Builtin {
        Object call(CallSite cs, String assigned);
    }

    private static final Map<String, Builtin> TABLE = new LinkedHashMap<>();

    private Builtins() {
    }

    static boolean exists(String name) {
        return TABLE.containsKey(name);
    }

    static Set<String> names() {
        return TABLE.keySet();
    }

    static Object call(CallSite cs, String assigned) {
        return TABLE.get(cs.name()).call(cs, assigned);
    }

    private static void unary(String name, Elementwise op) {
        TABLE.put(name, (cs, a) -> {
            cs.expect(1, "x");
            return cs.builder.g.add(op, cs.tensor(0, "x"));
        });
    }

    private static void binary(String name, Elementwise op) {
        TABLE.put(name, (cs, a) -> {
            cs.expect(2, "a", "b");
            return cs.builder.g.add(op, cs.tensor(0, "a"), cs.tensor(1, "b"));
        });
    }

    static {
        unary("identity", Ops.IDENTITY);
        unary("neg", Ops.NEG);
        unary("exp", Ops.EXP);
        unary("log", Ops.LOG);
        unary("sqrt", Ops.SQRT);
        unary("abs", Ops.ABS);
        unary("sigmoid", Ops.SIGMOID);
        unary("tanh", Ops.TANH);
        unary("relu", Ops.RELU);
        unary("step", Ops.HEAVISIDE);
        unary("log2", Ops.LOG2);
        unary("log10", Ops.LOG10);
        unary("sign", Ops.SIGN);
        unary("stop_gradient", Ops.STOP_GRADIENT);
        binary("add", Ops.ADD);
        binary("sub", Ops.SUB);
        binary("mul", Ops.MUL);
        binary("div", Ops.DIV);
        binary("pow", Ops.POW);
        TABLE.put("max", (cs, a) -> extreme(cs, true));
        TABLE.put("min", (cs, a) -> extreme(cs, false));
        binary("maximum", Ops.MAX);
        binary("minimum", Ops.MIN);
        binary("xlogy", Ops.XLOGY);
        TABLE.put("one_hot", (cs, a) -> {
            cs.expect(2, "y", "classes");
            Node y = cs.tensor(0, "y");
            if (y.dtype() != DType.INT) throw new BuildError(cs.spanOf(0, "y"), "one_hot needs int class indices, got " + y.type());
            int classes = cs.integer(1, "classes", 0);
            if (classes < 1) throw new BuildError(cs.spanOf(1, "classes"), "one_hot needs a positive number of classes, got " + classes);
            return cs.builder.g.add(Ops.ONE_HOT, Attrs.of("classes", classes), y);
        });
        TABLE.put("matmul", (cs, a) -> {
            cs.expect(2, "a", "b");
            return matmul(cs.builder.g, cs.tensor(0, "a"), cs.tensor(1, "b"));
        });
        TABLE.put("leaky_relu", (cs, a) -> {
            cs.expect(1, "x", "alpha");
            GraphBuilder g = cs.builder.g;
            Node x = cs.tensor(0, "x");
            double alpha = cs.number(1, "alpha", 0.01);
            return g.add(Ops.LEAKY_RELU, Attrs.of("alpha", alpha), x);
        });
        TABLE.put("softmax", (cs, a) -> softmax(cs, Ops.SOFTMAX));
        TABLE.put("log_softmax", (cs, a) -> softmax(cs, Ops.LOG_SOFTMAX));
        TABLE.put("sum", (cs, a) -> reduce(cs, false));
        TABLE.put("mean", (cs, a) -> reduce(cs, true));
        TABLE.put("prod", (cs, a) -> {
            cs.expect(1, "x", "axis", "keepdims");
            Node x = cs.tensor(0, "x");
            List<Integer> axes = axes(cs, x, 1);
            if (axes.isEmpty()) return x;
            return cs.builder.g.add(Ops.REDUCE_PROD, Attrs.of("axes", List.copyOf(axes), "keepdims", cs.bool(2, "keepdims", false)), x);
        });
        TABLE.put("transpose", (cs, a) -> {
            cs.expect(1, "x");
            Node x = cs.tensor(0, "x");
            if (x.shape().rank() < 2) throw new BuildError(cs.span(), "transpose needs at least 2 dimensions, got " + x.shape());
            List<Integer> perm = new ArrayList<>();
            for (int i = 0; i < x.shape().rank(); i++) perm.add(i);
            int r = perm.size();
            perm.set(r - 2, r - 1);
            perm.set(r - 1, r - 2);
            return cs.builder.g.add(Ops.PERMUTE, Attrs.of("perm", perm), x);
        });
        TABLE.put("permute", (cs, a) -> {
            cs.expect(2, "x", "dims");
            Node x = cs.tensor(0, "x");
            int r = x.shape().rank();
            Object v = cs.raw(1, "dims");
            List<Integer> perm = new ArrayList<>();
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (!(o instanceof NumVal n) || !n.integral()) { perm = null; break; }
                    int d = (int) n.value();
                    perm.add(d < 0 ? d + r : d);
                }
            } else {
                perm = null;
            }
            List<Integer> sorted = perm == null ? null : new ArrayList<>(perm);
            if (sorted != null) java.util.Collections.sort(sorted);
            List<Integer> all = new ArrayList<>(), reversed = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                all.add(i);
                reversed.add(r - 1 - i);
            }
            if (sorted == null || !sorted.equals(all)) {
                throw new BuildError(cs.spanOf(1, "dims"), "permute needs each of the " + r + " dimensions of " + x.shape()
                        + " once, e.g. permute(x, " + reversed + ")");
            }
            return perm.equals(all) ? x : cs.builder.g.add(Ops.PERMUTE, Attrs.of("perm", perm), x);
        });
        TABLE.put("reshape", (cs, a) -> {
            cs.expect(2, "x", "shape");
            Node x = cs.tensor(0, "x");
            return Ops.reshape(cs.builder.g, x, reshapeTarget(cs, x));
        });
        TABLE.put("flatten", (cs, a) -> {
            cs.expect(1, "x");
            Node x = cs.tensor(0, "x");
            if (x.shape().rank() < 2) return x;
            List<Dim> d = new ArrayList<>();
            d.add(x.shape().dim(0));
            Shape rest = x.shape().sub(1, x.shape().rank());
            if (!rest.isConcrete()) throw new BuildError(cs.span(), "flatten needs known sizes after the first dimension, got " + x.shape());
            d.add(Dim.of((int) rest.numelIfKnown()));
            return Ops.reshape(cs.builder.g, x, Shape.of(d));
        });
        TABLE.put("dropout", (cs, a) -> {
            cs.expect(1, "x", "p");
            Node x = cs.tensor(0, "x");
            double p = cs.number(1, "p", 0.5);
            if (p < 0 || p >= 1) throw new BuildError(cs.spanOf(1, "p"), "dropout probability must be in [0, 1), got " + p);
            if (p == 0) return x;
            GraphBuilder g = cs.builder.g;
            return Ops.mul(g, x, g.add(Ops.DROPOUT_MASK, Attrs.of("p", p), x));
        });
        TABLE.put("dense", Builtins::dense);
        TABLE.put("grad", (cs, a) -> {
            cs.expect(2, "y", "wrt");
            Node y = cs.tensor(0, "y"), w = cs.tensor(1, "wrt");
            if (!y.shape().isScalar()) throw new BuildError(cs.spanOf(0, "y"), "grad needs a scalar to differentiate, got " + y.shape());
            GraphBuilder g = cs.builder.g;
            Node d = Autodiff.gradients(g, y, List.of(w)).get(w);
            return d != null ? d : Ops.broadcastTo(g, Ops.constant(g, 0), w.shape());
        });
        // ---- losses (mean over the batch unless reduction="sum") ----
        TABLE.put("cross_entropy", (cs, a) -> classLoss(cs, true));
        TABLE.put("nll", (cs, a) -> classLoss(cs, false));
        TABLE.put("mse", (cs, a) -> pairLoss(cs, (g, d) -> Ops.mul(g, d, d)));
        TABLE.put("mae", (cs, a) -> pairLoss(cs, (g, d) -> g.add(Ops.ABS, d)));
        TABLE.put("bce", (cs, a) -> {
            cs.expect(2, "p", "t", "reduction");
            GraphBuilder g = cs.builder.g;
            Node p = cs.tensor(0, "p"), t = cs.tensor(1, "t");
            sameShape(cs, p, t);
            cs.builder.classScores(p, false);
            // bce(sigmoid(z), t) is computed from the logits: finite and exact for any z, with gradient sigmoid(z) - t
            if (p.op() == Ops.SIGMOID) return reduce(cs, g.add(Ops.BCE_LOGITS, p.input(0), t), 2);
            // PyTorch clamps each log at -100 so that p = 0 or 1 gives a finite loss
            Node floor = Ops.constant(g, -100);
            Node logP = g.add(Ops.MAX, g.add(Ops.LOG, p), floor);
            Node log1mP = g.add(Ops.MAX, g.add(Ops.LOG, Ops.sub(g, Ops.constant(g, 1), p)), floor);
            Node ll = Ops.add(g, Ops.mul(g, t, logP), Ops.mul(g, Ops.sub(g, Ops.constant(g, 1), t), log1mP));
            return Ops.neg(g, reduce(cs, ll, 2));
        });
        TABLE.put("perceptron", (cs, a) -> {
            cs.expect(2, "z", "t");
            GraphBuilder g = cs.builder.g;
            Node z = cs.tensor(0, "z"), t = cs.tensor(1, "t");
            sameShape(cs, z, t);
            Node fired = g.add(Ops.STOP_GRADIENT, g.add(Ops.HEAVISIDE, z));
            return Ops.meanAll(g, Ops.mul(g, Ops.sub(g, fired, t), z));
        });
        TABLE.put("l2", (cs, a) -> regulariser(cs, (g, w) -> Ops.mul(g, w, w), 0.5));
        TABLE.put("l1", (cs, a) -> regulariser(cs, (g, w) -> g.add(Ops.ABS, w), 1.0));
        SequenceBuiltins.register(TABLE);
        ActivationBuiltins.register(TABLE);
        LossBuiltins.register(TABLE);
        TensorBuiltins.register(TABLE);
        NormBuiltins.register(TABLE);
        AttentionBuiltins.register(TABLE);
        ConvBuiltins.register(TABLE);
    }

    /**
     * {@code a @ b} as torch.matmul: a matrix b multiplies a's last dimension (a's leading dimensions are batched into
     * one product; a vector a is a row); a vector b is a column whose dimension is then dropped, so {@code W @ x} of a
     * matrix and a vector is a vector and {@code u @ v} of two vectors their dot product; a b of rank 3 or more is a
     * batch of matrices, one product per batch index with the leading dimensions broadcast ({@code bmm}).
     */
    static Node matmul(GraphBuilder g, Node a, Node b) {
        if (b.shape().rank() == 1) {
            Node column = Ops.reshape(g, b, Shape.of(List.of(b.shape().dim(0), Dim.of(1))));
            Node r = matmul(g, a, column);
            return Ops.reshape(g, r, r.shape().sub(0, r.shape().rank() - 1));
        }
        if (b.shape().rank() > 2 || a.shape().rank() == 2 && b.shape().rank() > 2) {
            // a batch of right operands: one product per batch index, the leading dimensions broadcast
            Node left = a.shape().rank() == 1 ? Ops.reshape(g, a, Shape.of(List.of(Dim.of(1), a.shape().dim(0)))) : a;
            Node r = g.add(Ops.BMM, Attrs.of("transA", false, "transB", false), left, b);
            return left == a ? r : Ops.reshape(g, r, r.shape().sub(0, r.shape().rank() - 2).append(r.shape().dim(-1)));
        }
        if (a.shape().rank() == 1) {
            Node row = Ops.reshape(g, a, Shape.of(List.of(Dim.of(1), a.shape().dim(0))));
            Node r = g.add(Ops.GEMM, Attrs.of("transA", false, "transB", false), row, b);
            return Ops.reshape(g, r, Shape.of(List.of(b.shape().dim(1))));
        }
        return g.add(Ops.GEMM, Attrs.of("transA", false, "transB", false), a, b);
    }

    /** {@code x} with its axis {@code axis} moved last (the others in order), or x itself when it is last. */
    static Node axisLast(GraphBuilder g, Node x, int axis) {
        int r = x.shape().rank();
        if (axis == r - 1) return x;
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < r; i++) if (i != axis) perm.add(i);
        perm.add(axis);
        return g.add(Ops.PERMUTE, Attrs.of("perm", perm), x);
    }

    /** The inverse of {@link #axisLast}: the last axis of {@code y} moved back to {@code axis}. */
    static Node axisBack(GraphBuilder g, Node y, int axis) {
        int r = y.shape().rank();
        if (axis == r - 1) return y;
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < r - 1; i++) {
            if (i == axis) perm.add(r - 1);
            perm.add(i);
        }
        return g.add(Ops.PERMUTE, Attrs.of("perm", perm), y);
    }

    /** The axis named by argument {@code index} (default the last), checked and made non-negative. */
    static int axisArg(CallSite cs, int index, Node x) {
        int r = x.shape().rank();
        int axis = cs.integer(index, "axis", -1);
        int norm = axis < 0 ? axis + r : axis;
        if (norm < 0 || norm >= r) throw new BuildError(cs.spanOf(index, "axis"), cs.name() + ": axis " + axis + " is out of range for shape " + x.shape());
        return norm;
    }

    /** softmax or log_softmax over {@code axis} (default the last), e.g. axis=0 for samples stacked as columns. */
    private static Object softmax(CallSite cs, netc.compiler.ir.Op op) {
        cs.expect(1, "x", "axis");
        Node x = cs.tensor(0, "x");
        if (x.shape().rank() == 0) throw new BuildError(cs.span(), cs.name() + " needs at least one dimension, got a scalar");
        int axis = axisArg(cs, 1, x);
        GraphBuilder g = cs.builder.g;
        return axisBack(g, g.add(op, axisLast(g, x, axis)), axis);
    }

    static List<Integer> axes(CallSite cs, Node x, int index) {
        Object v = cs.raw(index, "axis");
        int r = x.shape().rank();
        List<Integer> axes = new ArrayList<>();
        if (v == null) {
            for (int i = 0; i < r; i++) axes.add(i);
            return axes;
        }
        List<Object> items = v instanceof List<?> l ? new ArrayList<>(l) : List.of(v);
        for (Object o : items) {
            if (!(o instanceof NumVal n) || !n.integral()) throw new BuildError(cs.spanOf(index, "axis"), "axis must be an integer or a list of integers");
            int ax = n.asInt() == null ? Integer.MAX_VALUE : n.asInt();
            int norm = ax < 0 ? ax + r : ax;
            if (norm < 0 || norm >= r) throw new BuildError(cs.spanOf(index, "axis"), "axis " + n.show() + " is out of range for shape " + x.shape());
            if (!axes.contains(norm)) axes.add(norm);
        }
        axes.sort(null);
        return axes;
    }

    private static Object reduce(CallSite cs, boolean mean) {
        cs.expect(1, "x", "axis", "keepdims");
        Node x = cs.tensor(0, "x");
        List<Integer> axes = axes(cs, x, 1);
        boolean keep = cs.bool(2, "keepdims", false);
        GraphBuilder g = cs.builder.g;
        if (axes.isEmpty()) return x;
        return mean ? Ops.mean(g, x, axes, keep) : Ops.reduceSum(g, x, axes, keep);
    }

    /**
     * {@code max(a, b)}: the elementwise maximum; {@code max(x, axis=k, keepdims=false)}: the largest element over axis k
     * (an integer or a list), as torch.amax; likewise min.
     */
    private static Object extreme(CallSite cs, boolean max) {
        GraphBuilder g = cs.builder.g;
        if (cs.positionalCount() >= 2 || cs.has(-1, "b")) {
            cs.expect(2, "a", "b");
            return g.add(max ? Ops.MAX : Ops.MIN, cs.tensor(0, "a"), cs.tensor(1, "b"));
        }
        cs.expect(1, "x", "axis", "keepdims");
        Node x = cs.tensor(0, "x");
        if (!cs.has(1, "axis")) {
            throw new BuildError(cs.span(), cs.name() + " takes two tensors (the elementwise " + (max ? "maximum" : "minimum")
                    + ") or one and an axis (the " + (max ? "largest" : "smallest") + " element along it, e.g. " + cs.name() + "(x, axis=1))");
        }
        List<Integer> axes = axes(cs, x, 1);
        return g.add(max ? Ops.REDUCE_MAX : Ops.REDUCE_MIN, Attrs.of("axes", List.copyOf(axes), "keepdims", cs.bool(2, "keepdims", false)), x);
    }

    /** Mean (default) or sum of a per-element loss, by the call's {@code reduction} argument at {@code index}. */
    static Node reduce(CallSite cs, Node perElement, int index) {
        String red = cs.string(index, "reduction", "mean");
        GraphBuilder g = cs.builder.g;
        return switch (red) {
            case "mean" -> Ops.meanAll(g, perElement);
            case "sum" -> Ops.sumAll(g, perElement);
            default -> throw new BuildError(cs.spanOf(index, "reduction"), "reduction must be \"mean\" or \"sum\", got \"" + red + "\"");
        };
    }

    static void sameShape(CallSite cs, Node a, Node b) {
        if (!a.shape().equals(b.shape())) {
            throw new BuildError(cs.span(), cs.name() + ": prediction " + a.shape() + " and target " + b.shape() + " differ in shape");
        }
    }

    private interface PerElement {
        Node apply(GraphBuilder g, Node x);
    }

    private static Object pairLoss(CallSite cs, PerElement f) {
        cs.expect(2, "a", "b", "reduction");
        Node a = cs.tensor(0, "a"), b = cs.tensor(1, "b");
        sameShape(cs, a, b);
        GraphBuilder g = cs.builder.g;
        return reduce(cs, f.apply(g, Ops.sub(g, a, b)), 2);
    }

    private static Object regulariser(CallSite cs, PerElement f, double scale) {
        if (cs.positionalCount() == 0) throw new BuildError(cs.span(), cs.name() + " needs at least one tensor, e.g. " + cs.name() + "(W1, W2)");
        cs.expectPositionalOnly();
        GraphBuilder g = cs.builder.g;
        Node total = null;
        for (Node w : cs.tensorsFrom(0)) {
            Node s = Ops.sumAll(g, f.apply(g, w));
            total = total == null ? s : Ops.add(g, total, s);
        }
        return scale == 1.0 ? total : Ops.mul(g, Ops.constant(g, scale), total);
    }

    /**
     * cross_entropy(logits, target) or nll(log_probs, target): target is int class indices with the logits'
     * leading shape, or float probabilities of the logits' shape. Mean over the batch, like PyTorch. The classes lie
     * along the last axis, or along {@code axis=} (the decks' samples as columns: axis=0).
     */
    private static Object classLoss(CallSite cs, boolean fromLogits) {
        cs.expect(2, "input", "target", "reduction", "axis");
        GraphBuilder g = cs.builder.g;
        Node z = cs.tensor(0, "input"), t = cs.tensor(1, "target");
        if (z.shape().rank() < 1) throw new BuildError(cs.span(), cs.name() + " needs logits with a class dimension, got a scalar");
        // the class axis (axis=, default the last) is moved last, with a probability target's
        int axis = axisArg(cs, 3, z);
        if (t.dtype() != DType.INT && t.shape().equals(z.shape())) t = axisLast(g, t, axis);
        z = axisLast(g, z, axis);
        Shape zs = z.shape();
        Dim classes = zs.dim(-1);
        Node weights;
        if (t.dtype() == DType.INT) {
            if (!t.shape().equals(zs.sub(0, zs.rank() - 1))) {
                throw new BuildError(cs.span(), cs.name() + ": class indices " + t.shape() + " do not fit logits " + zs
                        + " (expected " + zs.sub(0, zs.rank() - 1) + ")");
            }
            if (classes.isSymbolic()) throw new BuildError(cs.span(), cs.name() + ": the number of classes must be known");
            weights = g.add(Ops.ONE_HOT, Attrs.of("classes", classes.size()), t);
        } else {
            if (!t.shape().equals(zs)) {
                throw new BuildError(cs.span(), cs.name() + ": target probabilities " + t.shape() + " do not fit logits " + zs
                        + " (or pass int class indices " + zs.sub(0, zs.rank() - 1) + ")");
            }
            weights = t;
        }
        cs.builder.classScores(z, false);
        Node logp = fromLogits ? g.add(Ops.LOG_SOFTMAX, z) : z;
        Node picked = Ops.reduceSum(g, Ops.mul(g, weights, logp), List.of(zs.rank() - 1), false);
        return Ops.neg(g, reduce(cs, picked, 2));
    }

    /** dense(x, units): y = x Wᵀ + b with PyTorch's layout (weight [units, in], bias [units]) and init. */
    private static Object dense(CallSite cs, String assigned) {
        cs.expect(2, "x", "units", "bias", "name");
        ModelBuilder b = cs.builder;
        Node x = cs.tensor(0, "x");
        int units = cs.integer(1, "units", 0);
        if (units <= 0) throw new BuildError(cs.spanOf(1, "units"), "dense needs a positive number of units, got " + units);
        boolean bias = cs.bool(2, "bias", true);
        if (x.shape().rank() < 1 || x.shape().dim(-1).isSymbolic()) {
            throw new BuildError(cs.spanOf(0, "x"), "dense needs an input whose last dimension is known, got " + x.shape());
        }
        int in = x.shape().dim(-1).size();
        String name = b.layerName(cs, "dense", assigned);
        double bound = 1.0 / Math.sqrt(in);
        Initializers.Spec init = new Initializers.Spec("uniform", List.of(-bound, bound));
        Node w = b.addParam(name + ".weight", Shape.of(units, in), init, in, units, cs.span());
        Node y = x.shape().rank() == 1
                ? Ops.reshape(b.g, b.g.add(Ops.GEMM, Attrs.of("transA", false, "transB", true),
                        Ops.reshape(b.g, x, Shape.of(1, in)), w), Shape.of(units))
                : b.g.add(Ops.GEMM, Attrs.of("transA", false, "transB", true), x, w);
        if (!bias) return y;
        Node bb = b.addParam(name + ".bias", Shape.of(units), init, in, units, cs.span());
        return Ops.add(b.g, y, bb);
    }

    private static Shape reshapeTarget(CallSite cs, Node x) {
        Object v = cs.raw(1, "shape");
        if (!(v instanceof List<?> l)) throw new BuildError(cs.spanOf(1, "shape"), "reshape needs a list of sizes, e.g. reshape(x, [-1, 784]) (-1: inferred, such as the batch)");
        List<Dim> dims = new ArrayList<>();
        int infer = -1;
        for (Object o : l) {
            if (o instanceof NumVal n && n.integral()) {
                if (n.value() == -1) {
                    if (infer >= 0) throw new BuildError(cs.spanOf(1, "shape"), "only one size may be -1");
                    infer = dims.size();
                    dims.add(Dim.of(1));
                } else if (n.value() <= 0 || n.asInt() == null) {
                    throw new BuildError(cs.spanOf(1, "shape"), "reshape sizes must be positive (or -1 for the size to infer), got " + n.show());
                } else {
                    dims.add(Dim.of(n.asInt()));
                }
            } else if (o instanceof Dim d) {
                dims.add(d);
            } else {
                throw new BuildError(cs.spanOf(1, "shape"), "reshape sizes must be integers or symbolic dimensions such as batch (or -1 for the size to infer)");
            }
        }
        if (infer >= 0) {
            Shape s = x.shape();
            long known = 1;
            for (Dim d : dims) if (!d.isSymbolic()) known *= d.size();
            List<String> syms = new ArrayList<>(s.symbols());
            for (Dim d : dims) if (d.isSymbolic()) syms.remove(d.symbol());
            long have = 1;
            for (Dim d : s.dims()) if (!d.isSymbolic()) have *= d.size();
            if (syms.size() == 1 && have % known == 0 && have / known == 1) {
                dims.set(infer, Dim.sym(syms.get(0)));
            } else if (syms.isEmpty() && have % known == 0) {
                dims.set(infer, Dim.of((int) (have / known)));
            } else {
                throw new BuildError(cs.spanOf(1, "shape"), "cannot infer the -1 size reshaping " + s);
            }
        }
        return Shape.of(dims);
    }
}
