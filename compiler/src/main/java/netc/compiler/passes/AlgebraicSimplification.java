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
import netc.compiler.ir.TensorType;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Ops;

/**
 * Local algebra that makes the graph smaller, mostly in what differentiation builds: x·1 and x+0 (when no broadcast
 * is lost), x+x as 2·x (the gradient of x·x; the same float, and a fused loop that inlines x does not compute it
 * twice), −(−x), reshapes of reshapes, reshapes and broadcasts to the same shape, and negations moved towards the
 * smaller operand, where they meet another negation or a constant: {@code Σ(−x)} is {@code −Σx}, {@code (−a)·b} is
 * {@code −(a·b)}, and the negation of a broadcast or reshape is the broadcast or reshape of the negation; an
 * elementwise operand that is a broadcast of one value (a mean's 1/batch in its gradient) or of a smaller array (a
 * per-channel mean's gradient) is replaced by that value or array, which the op broadcasts without an array filled
 * with it. Relu's gradient after max pooling is masked at the pooled size, and a sum of a pooling gradient over
 * every spatial axis (a convolution's bias gradient) sums the pooled gradient instead. Divisors that do not change
 * along a sum's axes are taken out of it, and a sum of deviations from the mean over its own axes is 0. Slice gradients
 * side by side along one axis are added as one of their concatenation (attention's q, k and v). Arithmetic
 * on constants is {@link ConstantFolding}'s, which this pass calls on the nodes it builds; a node that a rule builds
 * is offered to the rules again.
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
                if (x.is(Ops.MAXPOOL_GRAD) && y.is(Ops.STEP) && masksPooledInput(x, y.input(0)) && x.type().equals(n.type())) {
                    return maskedBeforeSpreading(x, b);
                }
            }
        }
        if (n.op() == Ops.ADD) {
            if (isConst(c, 0) && a.type().equals(n.type())) return a;
            if (isConst(a, 0) && c.type().equals(n.type())) return c;
            if (sameValue(a, c) && a.type().dtype() == DType.FLOAT) return Ops.mul(b, a, Ops.constant(b, 2));
            Node joined = adjacentWindows(a, c, b);
            if (joined != null) return joined;
        }
        if (n.op() == Ops.SUB && isConst(c, 0) && a.type().equals(n.type())) return a;
        if (n.op() == Ops.NEG && (a.is(Ops.NEG) || a.is(Ops.RESHAPE) || a.attrs().has("shape") && a.is(Ops.IDENTITY))) return negate(b, a);
        if (n.op() == Ops.REDUCE_SUM && a.is(Ops.NEG)) return negate(b, again(b.add(Ops.REDUCE_SUM, n.attrs(), a.input(0)), b));
        if (n.op() == Ops.REDUCE_SUM && a.is(Ops.MAXPOOL_GRAD) && sumsEveryPlane(n)) return b.add(Ops.REDUCE_SUM, n.attrs(), a.input(0));
        if (n.op() == Ops.REDUCE_SUM && isDeviationFromMean(a, n)) return Ops.broadcastTo(b, Ops.constant(b, 0), n.shape());
        if (n.op() == Ops.REDUCE_SUM && n.attrs().b("keepdims")) {
            Node r = factorsOutOfSum(n, b);
            if (r != null) return r;
        }
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
        if (!changed) return null;
        return again(b.add(n.op(), n.attrs(), n.label(), ins.toArray(new Node[0])), b); // x·1 once the 1 is no longer broadcast
    }

    /** A node a rule has just built, simplified in turn. */
    private static Node again(Node built, GraphBuilder b) {
        Node simpler = simplify(built, b);
        return simpler != null ? simpler : built;
    }

    /**
     * Whether a and c are one value: the same node, or the same pure op on the same inputs (the two halves of x·x's
     * gradient, before {@link CommonSubexpressionElimination} merges them).
     */
    private static boolean sameValue(Node a, Node c) {
        return a == c || a.op() == c.op() && a.op().pure() && !a.op().isLeaf() && a.attrs().equals(c.attrs()) && a.inputs().equals(c.inputs());
    }

    /**
     * A sum of a quotient by a divisor that is constant along the summed axes (a batch norm's deviation σ in its
     * gradient's sums over the batch and positions), as the sum of the dividend divided by it once per kept element,
     * with the dividend's factors that are constant along those axes taken out too: {@code Σ(g·γ·(x − μ)/σ)} is
     * {@code γ·Σ(g·(x − μ))/σ}. A float sum's loop adds one scalar value after another, and a scalar division per
     * value took most of its time (batch norm's gradient sums ran 2.3 times as long with it). The same sum in exact
     * arithmetic, rounded once per kept element instead of once per term. The constant factors of a deviation from
     * the mean are taken out as well, as its sum is 0. Null otherwise: a product alone stays, as the values it sums may
     * be the very array that the backward product reads.
     */
    private static Node factorsOutOfSum(Node sum, GraphBuilder b) {
        List<Node> inner = new ArrayList<>(), times = new ArrayList<>(), over = new ArrayList<>();
        splitFactors(sum.input(0), sum, inner, times, over);
        if (inner.isEmpty() || over.isEmpty() && !(inner.size() == 1 && isDeviationFromMean(inner.get(0), sum))) return null;
        Node product = inner.get(0);
        for (Node f : inner.subList(1, inner.size())) product = Ops.mul(b, product, f);
        Node r = again(b.add(Ops.REDUCE_SUM, sum.attrs(), sum.label(), product), b);
        for (Node f : times) r = Ops.mul(b, r, f);
        for (Node f : over) r = Ops.div(b, r, f);
        return r;
    }

    /**
     * x as a product of the nodes in {@code inner} and {@code times}, divided by those in {@code over}, where the
     * nodes in times and over are constant along the axes that {@code sum} sums, through muls and through divs by
     * such a constant.
     */
    private static void splitFactors(Node x, Node sum, List<Node> inner, List<Node> times, List<Node> over) {
        if (constantAlongSum(x, sum)) times.add(x);
        else if (x.is(Ops.MUL) && x.attrs().isEmpty()) {
            splitFactors(x.input(0), sum, inner, times, over);
            splitFactors(x.input(1), sum, inner, times, over);
        } else if (x.is(Ops.DIV) && x.attrs().isEmpty() && constantAlongSum(x.input(1), sum)) {
            splitFactors(x.input(0), sum, inner, times, over);
            over.add(x.input(1));
        } else {
            inner.add(x);
        }
    }

    /**
     * Whether d is {@code x − mean(x)} with the mean over the axes that {@code sum} sums ({@link Ops#mean}: the sum over
     * them, kept as 1s, times 1/count), so that the sum of d is 0 in exact arithmetic (the gradient of a variance
     * through its mean); in floats it is the rounding left over, which batch norm's formula leaves out.
     */
    private static boolean isDeviationFromMean(Node d, Node sum) {
        if (!d.is(Ops.SUB) || !d.input(1).is(Ops.MUL)) return false;
        Node x = d.input(0), mean = d.input(1);
        if (!x.shape().equals(d.shape()) || !d.shape().equals(sum.input(0).shape())) return false;
        List<Integer> axes = sum.attrs().ints("axes");
        List<Dim> counted = new ArrayList<>();
        for (int axis : axes) counted.add(x.shape().dim(axis));
        for (int i = 0; i < 2; i++) {
            Node total = mean.input(i), scale = mean.input(1 - i);
            if (total.is(Ops.REDUCE_SUM) && total.input(0) == x && total.attrs().ints("axes").equals(axes) && total.attrs().b("keepdims")
                    && scale.is(Ops.CONST) && isReciprocalCount(scale, Shape.of(counted))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the constant c is 1/(the number of elements of {@code counted}), as {@link Ops#constantPer} writes it. */
    private static boolean isReciprocalCount(Node c, Shape counted) {
        if (c.attrs().has("per")) return c.attrs().d("value") == 1 && c.attrs().shape("per").equals(counted);
        return counted.isConcrete() && c.attrs().d("value") == 1.0 / counted.numelIfKnown();
    }

    /** Whether the float value f, broadcast to the shape that {@code sum} sums, has size 1 along every summed axis. */
    private static boolean constantAlongSum(Node f, Node sum) {
        int lead = sum.input(0).shape().rank() - f.shape().rank();
        if (f.type().dtype() != DType.FLOAT || lead < 0) return false;
        for (int axis : sum.attrs().ints("axes")) if (axis >= lead && !f.shape().dim(axis - lead).isOne()) return false;
        return true;
    }

    /**
     * Whether {@code step(m)} is the mask of the pooled input x of {@code grad = maxpool_grad(dy, x)}: m is x, or x is
     * {@code relu(m)}, whose steps are the same (relu(m) > 0 exactly when m > 0).
     */
    private static boolean masksPooledInput(Node grad, Node m) {
        Node x = grad.input(1);
        return m == x || x.is(Ops.RELU) && x.input(0) == m;
    }

    /**
     * {@code maxpool_grad(dy, x) · step(x)} (relu's gradient after max pooling) as {@code maxpool_grad(dy ·
     * step(maxpool(x)), x)}: the pooling gradient puts each window's dy at the window's maximum, where the mask is the
     * step of the maximum (NaN, where there is one, at both), so the mask is applied to the pooled gradient, a window
     * size smaller, instead of to the spread one; the same values, since a mask of 0 or 1 distributes over the sums
     * of overlapping windows. The maxpool is the forward pass's, merged by {@link CommonSubexpressionElimination}.
     */
    private static Node maskedBeforeSpreading(Node grad, GraphBuilder b) {
        Node x = grad.input(1);
        Node pooledMask = b.add(Ops.STEP, Attrs.NONE, b.add(Ops.MAXPOOL, grad.attrs(), x));
        return b.add(Ops.MAXPOOL_GRAD, grad.attrs(), Ops.mul(b, grad.input(0), pooledMask), x);
    }

    /**
     * Whether the sum n (of a {@code maxpool_grad}) is over every spatial axis, so that it adds each window's
     * gradient once wherever the window put it: the sum of the pooled gradient, in another order.
     */
    private static boolean sumsEveryPlane(Node n) {
        List<Integer> axes = n.attrs().ints("axes");
        for (int i = 2; i < n.input(0).shape().rank(); i++) if (!axes.contains(i)) return false;
        return true;
    }

    /**
     * −x with the negation taken through reshapes and broadcasts to where it cancels another one or folds into a
     * constant.
     */
    /**
     * The sum of two slice gradients of one source whose windows lie side by side along one axis (attention's q, k
     * and v gradients in their [3, batch, …] source): one slice gradient of the two joined, and the joined values
     * themselves where they fill the source. Each of the two filled the whole source with zeros around its window,
     * and the sum read both; the join copies each value once. Null where the windows are not such.
     */
    private static Node adjacentWindows(Node x, Node y, GraphBuilder b) {
        if (!x.is(Ops.SLICE_GRAD) || !y.is(Ops.SLICE_GRAD)) return null;
        Shape source = x.attrs().shape("source"), wx = x.attrs().shape("window"), wy = y.attrs().shape("window");
        List<Integer> sx = x.attrs().ints("starts"), sy = y.attrs().ints("starts");
        if (!source.equals(y.attrs().shape("source")) || !allOnes(x.attrs().ints("steps")) || !allOnes(y.attrs().ints("steps"))) return null;
        int axis = -1;
        for (int d = 0; d < source.rank(); d++) {
            if (sx.get(d).equals(sy.get(d)) && wx.dim(d).equals(wy.dim(d))) continue;
            if (axis >= 0 || wx.dim(d).isSymbolic() || wy.dim(d).isSymbolic()) return null;
            axis = d;
        }
        if (axis < 0) return null;
        if (sy.get(axis) < sx.get(axis)) return adjacentWindows(y, x, b);
        if (sx.get(axis) + wx.dim(axis).size() != sy.get(axis)) return null;
        // a side already joined (q and k, then v) is taken apart: one concatenation of all
        List<Node> parts = new ArrayList<>();
        for (Node v : List.of(Ops.reshape(b, x.input(0), wx), Ops.reshape(b, y.input(0), wy))) {
            if (v.is(Ops.CONCAT) && v.attrs().i("axis") == axis) parts.addAll(v.inputs());
            else parts.add(v);
        }
        Node joined = b.add(Ops.CONCAT, Attrs.of("axis", axis), parts.toArray(new Node[0]));
        if (joined.shape().equals(source)) return joined;
        return b.add(Ops.SLICE_GRAD, Attrs.of("source", source, "starts", sx, "steps", x.attrs().ints("steps"),
                "squeeze", List.of(), "window", joined.shape()), joined);
    }

    private static boolean allOnes(List<Integer> steps) {
        for (int s : steps) if (s != 1) return false;
        return true;
    }

    private static Node negate(GraphBuilder b, Node x) {
        if (x.is(Ops.NEG)) return x.input(0);
        if (x.is(Ops.RESHAPE) || x.is(Ops.IDENTITY) && x.attrs().has("shape")) return b.add(x.op(), x.attrs(), negate(b, x.input(0)));
        Node neg = b.add(Ops.NEG, Attrs.NONE, x);
        Node folded = ConstantFolding.fold(neg, b);
        return folded != null ? folded : neg;
    }
}
