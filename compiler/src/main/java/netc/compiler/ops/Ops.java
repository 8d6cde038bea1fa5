package netc.compiler.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.runtime.kernels.Unary;

/**
 * The catalog of primitive ops, and the small helpers gradient rules and the front end build graphs with.
 * Elementwise ops are defined here by their scalar formula and gradient; the others have a class each.
 */
public final class Ops {
    private Ops() {
    }

    public static final Op INPUT = new Leaf("input");
    public static final Op PARAM = new Leaf("param");
    public static final Op CONST = new Const();
    public static final Op GEMM = new Gemm();
    public static final Op REDUCE_SUM = new ReduceSum();
    public static final Op REDUCE_MAX = new ReduceExtreme(true);
    public static final Op REDUCE_MIN = new ReduceExtreme(false);
    public static final Op REDUCE_PROD = new ReduceProd();
    public static final Op RESHAPE = new Reshape();
    public static final Op PERMUTE = new Permute();
    public static final Op SOFTMAX = new Softmax();
    public static final Op LOG_SOFTMAX = new LogSoftmax();
    /** Per-row softmax cross-entropy of logits and a target, and its logits' gradient (see {@link SoftmaxCrossEntropy}). */
    public static final Op SOFTMAX_XENT = new SoftmaxCrossEntropy();
    public static final Op SOFTMAX_XENT_GRAD = new SoftmaxCrossEntropyGrad();
    public static final Op ONE_HOT = new OneHot();
    public static final Op SLICE = new Slice();
    public static final Op SLICE_GRAD = new SliceGrad();
    public static final Op DROPOUT_MASK = new DropoutMask();
    public static final Op RNN = new Recurrent(Recurrent.Cell.RNN);
    public static final Op LSTM = new Recurrent(Recurrent.Cell.LSTM);
    public static final Op GRU = new Recurrent(Recurrent.Cell.GRU);
    private static final Op RNN_GRAD = new RecurrentGrad(Recurrent.Cell.RNN);
    private static final Op LSTM_GRAD = new RecurrentGrad(Recurrent.Cell.LSTM);
    private static final Op GRU_GRAD = new RecurrentGrad(Recurrent.Cell.GRU);
    public static final Op MODE_SELECT = new ModeSelect();
    public static final Op FUSED = new Fused();
    public static final Op GATHER = new Gather();
    public static final Op SCATTER_ROWS = new ScatterRows();
    public static final Op CONCAT = new Concat();
    /** maxout(key, values): per group of k along the last axis, the value where key is largest. */
    public static final Op MAXOUT = new Maxout();
    public static final Op MAXOUT_SCATTER = new MaxoutScatter();
    public static final Op BMM = new BatchedGemm();
    public static final Op LAYER_NORM = new LayerNorm();
    public static final Op ATTENTION_SOFTMAX = new AttentionSoftmax();
    static final Op LAYER_NORM_GRAD = new LayerNormGrad();
    static final Op LAYER_NORM_PARAM_GRAD = new LayerNormParamGrad();
    public static final Op CONV = new Convolution(Convolution.Mode.FORWARD);
    static final Op CONV_GRAD_INPUT = new Convolution(Convolution.Mode.INPUT_GRAD);
    static final Op CONV_GRAD_WEIGHT = new Convolution(Convolution.Mode.WEIGHT_GRAD);
    public static final Op MAXPOOL = new Pooling(Pooling.Mode.MAX);
    public static final Op MAXPOOL_GRAD = new Pooling(Pooling.Mode.MAX_GRAD);
    public static final Op MAXPOOL_INDEX = new Pooling(Pooling.Mode.MAX_INDEX);
    public static final Op TAKE = new Take();
    static final Op TAKE_GRAD = new TakeGrad();
    public static final Op AVGPOOL = new Pooling(Pooling.Mode.AVG);
    static final Op AVGPOOL_GRAD = new Pooling(Pooling.Mode.AVG_GRAD);

    private static String cast(String t, String e) {
        return "(" + t + ") " + e;
    }

    // ---- unary elementwise ----
    public static final Elementwise IDENTITY = Elementwise.of(Unary.IDENTITY,
            (g, y, dy) -> List.of(dy))
            .keepsIntegers();
    public static final Elementwise STOP_GRADIENT = new Elementwise("stop_gradient", 1, (t, x, a) -> x[0],
            (g, y, dy) -> Arrays.asList((Node) null));
    public static final Elementwise NEG = Elementwise.of(Unary.NEG,
            (g, y, dy) -> List.of(neg(g, dy)))
            .keepsIntegers();
    public static final Elementwise EXP = Elementwise.of(Unary.EXP,
            (g, y, dy) -> List.of(mul(g, dy, y)));
    public static final Elementwise LOG = Elementwise.of(Unary.LOG,
            (g, y, dy) -> List.of(div(g, dy, y.input(0))));
    public static final Elementwise SQRT = Elementwise.of(Unary.SQRT,
            (g, y, dy) -> List.of(div(g, dy, mul(g, constant(g, 2), y))));
    public static final Elementwise ABS = Elementwise.of(Unary.ABS,
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.SIGN, y.input(0)))))
            .keepsIntegers();
    public static final Elementwise SIGN = Elementwise.of(Unary.SIGN,
            (g, y, dy) -> Arrays.asList((Node) null));
    public static final Elementwise SIGMOID = Elementwise.of(Unary.SIGMOID,
            (g, y, dy) -> List.of(mul(g, dy, mul(g, y, sub(g, constant(g, 1), y)))));
    public static final Elementwise TANH = Elementwise.of(Unary.TANH,
            (g, y, dy) -> List.of(mul(g, dy, sub(g, constant(g, 1), mul(g, y, y)))));
    public static final Elementwise RELU = Elementwise.of(Unary.RELU,
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.STEP, y.input(0)))));
    /** log₂ x, as torch.log2. */
    public static final Elementwise LOG2 = Elementwise.of(Unary.LOG2,
            (g, y, dy) -> List.of(div(g, dy, mul(g, y.input(0), constant(g, Math.log(2))))));
    /** log₁₀ x, as torch.log10. */
    public static final Elementwise LOG10 = Elementwise.of(Unary.LOG10,
            (g, y, dy) -> List.of(div(g, dy, mul(g, y.input(0), constant(g, Math.log(10))))));
    /** The perceptron's step, {@code step} in a model: 1 where x ≥ 0, else 0; its gradient is zero. */
    public static final Elementwise HEAVISIDE = Elementwise.of(Unary.HEAVISIDE, (g, y, dy) -> Arrays.asList((Node) null));
    /** x·log y, and 0 where x = 0 whatever y (torch.xlogy); the gradient in x is log y where x ≠ 0, in y x / y. */
    public static final Elementwise XLOGY = new Elementwise("xlogy", 2,
            (t, x, a) -> "(" + x[0] + " == 0 ? 0 : (" + t + ") (" + x[0] + " * Math.log(" + x[1] + ")))",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.XLOGY, g.add(Ops.ABS, g.add(Ops.SIGN, y.input(0))), y.input(1))),
                    mul(g, dy, div(g, y.input(0), y.input(1)))));
    /** 1 where x &gt; 0, else 0 (relu's derivative mask); its gradient is zero. */
    public static final Elementwise STEP = Elementwise.of(Unary.STEP, (g, y, dy) -> Arrays.asList((Node) null));

    // ---- binary elementwise ----
    public static final Elementwise ADD = new Elementwise("add", 2, (t, x, a) -> x[0] + " + " + x[1],
            (g, y, dy) -> List.of(dy, dy))
            .keepsIntegers();
    public static final Elementwise SUB = new Elementwise("sub", 2, (t, x, a) -> x[0] + " - " + x[1],
            (g, y, dy) -> List.of(dy, neg(g, dy)))
            .keepsIntegers();
    public static final Elementwise MUL = new Elementwise("mul", 2, (t, x, a) -> x[0] + " * " + x[1],
            (g, y, dy) -> List.of(mul(g, dy, y.input(1)), mul(g, dy, y.input(0))))
            .keepsIntegers();
    public static final Elementwise DIV = new Elementwise("div", 2, (t, x, a) -> x[0] + " / " + x[1],
            (g, y, dy) -> List.of(div(g, dy, y.input(1)), neg(g, div(g, mul(g, dy, y), y.input(1)))));
    public static final Elementwise POW = new Elementwise("pow", 2,
            (t, x, a) -> cast(t, "Math.pow(" + x[0] + ", " + x[1] + ")"),
            (g, y, dy) -> {
                Node a = y.input(0), b = y.input(1);
                Node da = mul(g, dy, mul(g, b, g.add(Ops.POW, a, sub(g, b, constant(g, 1)))));
                Node db = isConstant(b) ? null : mul(g, dy, mul(g, y, g.add(Ops.LOG, a)));
                return Arrays.asList(da, db);
            });
    /** The larger of a and b; at ties the gradient is split evenly, as in PyTorch. */
    public static final Elementwise MAX = new Elementwise("max", 2, (t, x, a) -> "Math.max(" + x[0] + ", " + x[1] + ")",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.WINS, y.input(0), y.input(1))), mul(g, dy, g.add(Ops.WINS, y.input(1), y.input(0)))))
            .keepsIntegers();
    public static final Elementwise MIN = new Elementwise("min", 2, (t, x, a) -> "Math.min(" + x[0] + ", " + x[1] + ")",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.WINS, y.input(1), y.input(0))), mul(g, dy, g.add(Ops.WINS, y.input(0), y.input(1)))))
            .keepsIntegers();
    /** 1 where a &gt; b, 1/2 where a = b, else 0: the share of max(a, b)'s gradient that goes to a. Its gradient is zero. */
    public static final Elementwise WINS = new Elementwise("wins", 2,
            (t, x, a) -> "(" + x[0] + " > " + x[1] + " ? 1 : " + x[0] + " == " + x[1] + " ? 0.5f : 0)",
            (g, y, dy) -> Arrays.asList(null, null));
    /** x where x &gt; 0, else alpha·x (attr {@code alpha}); the gradient at 0 is alpha, as in PyTorch. */
    public static final Elementwise LEAKY_RELU = new Elementwise("leaky_relu", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? " + x[0] + " : (" + t + ") " + Const.javaDouble(a.d("alpha")) + " * " + x[0] + ")",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.LEAKY_SLOPE, y.attrs(), y.input(0)))));
    /** The derivative of leaky_relu: 1 where x &gt; 0, else alpha. */
    public static final Elementwise LEAKY_SLOPE = new Elementwise("leaky_slope", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? 1 : (" + t + ") " + Const.javaDouble(a.d("alpha")) + ")",
            (g, y, dy) -> Arrays.asList((Node) null));

    // ---- activations and loss kernels with attributes (PyTorch's definitions; see ActivationBuiltins, LossBuiltins) ----
    /** x where x &gt; 0, else alpha·(eˣ − 1) (attr {@code alpha}), as F.elu. */
    public static final Elementwise ELU = new Elementwise("elu", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? " + x[0] + " : (" + t + ") (" + Const.javaDouble(a.d("alpha")) + " * Math.expm1(" + x[0] + ")))",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.ELU_SLOPE, y.attrs(), y.input(0)))));
    /** The derivative of elu: 1 where x &gt; 0, else alpha·eˣ (so alpha at 0, as in PyTorch). */
    public static final Elementwise ELU_SLOPE = new Elementwise("elu_slope", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? 1 : (" + t + ") (" + Const.javaDouble(a.d("alpha")) + " * Math.exp(" + x[0] + ")))",
            // d/dx of the slope is alpha·eˣ below 0 and 0 above: the slope minus step(x)
            (g, y, dy) -> List.of(mul(g, dy, sub(g, y, g.add(Ops.STEP, y.input(0))))));
    /** prelu(x, w): x where x &gt; 0, else w·x, with w broadcast (a learnable slope), as F.prelu. */
    public static final Elementwise PRELU = new Elementwise("prelu", 2,
            (t, x, a) -> "(" + x[0] + " > 0 ? " + x[0] + " : " + x[1] + " * " + x[0] + ")",
            (g, y, dy) -> {
                Node x = y.input(0);
                Node nonPositive = sub(g, x, g.add(Ops.RELU, x));
                return List.of(mul(g, dy, g.add(Ops.PRELU_SLOPE, x, y.input(1))), mul(g, dy, nonPositive));
            });
    /** The derivative of prelu in x: 1 where x &gt; 0, else w. */
    public static final Elementwise PRELU_SLOPE = new Elementwise("prelu_slope", 2,
            (t, x, a) -> "(" + x[0] + " > 0 ? 1 : " + x[1] + ")",
            (g, y, dy) -> Arrays.asList(null, mul(g, dy, sub(g, constant(g, 1), g.add(Ops.STEP, y.input(0))))));
    /** log(1 + e^(beta·x)) / beta, or x where beta·x &gt; threshold (attrs {@code beta}, {@code threshold}), as F.softplus. */
    public static final Elementwise SOFTPLUS = new Elementwise("softplus", 1,
            (t, x, a) -> "(" + scaled(x[0], a) + " > " + Const.javaDouble(a.d("threshold")) + " ? " + x[0] + " : (" + t + ") (Math.log1p(Math.exp("
                    + scaled(x[0], a) + "))" + (a.d("beta") == 1 ? "" : " / " + Const.javaDouble(a.d("beta"))) + "))",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.SOFTPLUS_SLOPE, y.attrs(), y.input(0)))));
    /** The derivative of softplus: sigmoid(beta·x), or 1 where beta·x &gt; threshold. */
    public static final Elementwise SOFTPLUS_SLOPE = new Elementwise("softplus_slope", 1,
            (t, x, a) -> "(" + scaled(x[0], a) + " > " + Const.javaDouble(a.d("threshold")) + " ? 1 : (" + t + ") (1.0 / (1.0 + Math.exp(-"
                    + scaled(x[0], a) + "))))",
            // beta·s·(1 − s), which is 0 above the threshold where s = 1
            (g, y, dy) -> {
                Node ds = mul(g, y, sub(g, constant(g, 1), y));
                double beta = y.attrs().d("beta");
                return List.of(mul(g, dy, beta == 1 ? ds : mul(g, constant(g, beta), ds)));
            });
    /** x·Φ(x), as F.gelu; its derivative is {@link #GELU_SLOPE}. */
    public static final Elementwise GELU = Elementwise.of(Unary.GELU,
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.GELU_SLOPE, y.input(0)))));
    /** Φ(x) + x·φ(x); its derivative is φ(x)·(2 − x²). */
    public static final Elementwise GELU_SLOPE = Elementwise.of(Unary.GELU_SLOPE,
            (g, y, dy) -> {
                Node x = y.input(0), x2 = mul(g, x, x);
                Node density = mul(g, g.add(Ops.EXP, mul(g, x2, constant(g, -0.5))), constant(g, 1 / Math.sqrt(2 * Math.PI)));
                return List.of(mul(g, dy, mul(g, density, sub(g, constant(g, 2), x2))));
            });
    /** GELU's tanh approximation, as F.gelu(x, approximate="tanh"); its derivative is {@link #GELU_TANH_SLOPE}. */
    public static final Elementwise GELU_TANH = Elementwise.of(Unary.GELU_TANH,
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.GELU_TANH_SLOPE, y.input(0)))));
    /**
     * The derivative of the tanh approximation, ½(1 + t) + ½x(1 − t²)u′ with u = c(x + a·x³), t = tanh u; its derivative
     * is (1 − t²)(u′ − x·t·u′² + ½x·u″), u′ = c(1 + 3a·x²), u″ = 6c·a·x.
     */
    public static final Elementwise GELU_TANH_SLOPE = Elementwise.of(Unary.GELU_TANH_SLOPE,
            (g, y, dy) -> {
                double c = Math.sqrt(2 / Math.PI), a = 0.044715;
                Node x = y.input(0), x2 = mul(g, x, x);
                Node t = g.add(Ops.TANH, mul(g, constant(g, c), add(g, x, mul(g, constant(g, a), mul(g, x2, x)))));
                Node u1 = mul(g, constant(g, c), add(g, constant(g, 1), mul(g, constant(g, 3 * a), x2)));
                Node u2 = mul(g, constant(g, 6 * c * a), x);
                Node inner = add(g, sub(g, u1, mul(g, mul(g, x, t), mul(g, u1, u1))), mul(g, mul(g, constant(g, 0.5), x), u2));
                return List.of(mul(g, dy, mul(g, sub(g, constant(g, 1), mul(g, t, t)), inner)));
            });
    public static final Elementwise ATAN = Elementwise.of(Unary.ATAN,
            (g, y, dy) -> List.of(div(g, dy, add(g, constant(g, 1), mul(g, y.input(0), y.input(0))))));
    /**
     * bce_logits(z, t) = max(z, 0) − z·t + log(1 + e^(−|z|)): binary cross-entropy of sigmoid(z), finite for any z.
     * Gradients: sigmoid(z) − t for z, −z for t, as F.binary_cross_entropy_with_logits.
     */
    public static final Elementwise BCE_LOGITS = new Elementwise("bce_logits", 2,
            (t, x, a) -> cast(t, "(Math.max(" + x[0] + ", 0) - " + x[0] + " * " + x[1] + " + Math.log1p(Math.exp(-Math.abs(" + x[0] + "))))"),
            (g, y, dy) -> List.of(mul(g, dy, sub(g, g.add(Ops.SIGMOID, y.input(0)), y.input(1))), mul(g, dy, neg(g, y.input(0)))))
            .probabilityInput(1);
    /** x·log x where x &gt; 0, else 0 (0·log 0 = 0, as torch.xlogy(x, x)). */
    public static final Elementwise XLOGX = new Elementwise("xlogx", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? (" + t + ") (" + x[0] + " * Math.log(" + x[0] + ")) : 0)",
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.XLOGX_SLOPE, y.input(0)))));
    /** The derivative of xlogx: log x + 1 where x &gt; 0, else 0. */
    public static final Elementwise XLOGX_SLOPE = new Elementwise("xlogx_slope", 1,
            (t, x, a) -> "(" + x[0] + " > 0 ? (" + t + ") (Math.log(" + x[0] + ") + 1) : 0)",
            // 1/x where x > 0, else 0: step(x) / (x + 1 − step(x)) never divides by 0
            (g, y, dy) -> {
                Node x = y.input(0), pos = g.add(Ops.STEP, x);
                return List.of(mul(g, dy, div(g, pos, add(g, x, sub(g, constant(g, 1), pos)))));
            });
    /** Huber's function of a difference d (attr {@code delta}): ½d² where |d| &lt; delta, else delta·(|d| − ½delta), as F.huber_loss. */
    public static final Elementwise HUBER = new Elementwise("huber", 1,
            (t, x, a) -> {
                String d = Const.javaDouble(a.d("delta"));
                return "(Math.abs(" + x[0] + ") < " + d + " ? (" + t + ") (0.5 * " + x[0] + " * " + x[0] + ") : (" + t + ") (" + d
                        + " * (Math.abs(" + x[0] + ") - 0.5 * " + d + ")))";
            },
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.HUBER_SLOPE, y.attrs(), y.input(0)))));
    /** The derivative of huber: d clamped to [−delta, delta]. */
    public static final Elementwise HUBER_SLOPE = new Elementwise("huber_slope", 1,
            (t, x, a) -> cast(t, "Math.max(-" + Const.javaDouble(a.d("delta")) + ", Math.min(" + Const.javaDouble(a.d("delta")) + ", " + x[0] + "))"),
            (g, y, dy) -> List.of(mul(g, dy, g.add(Ops.STEP, sub(g, constant(g, y.attrs().d("delta")), g.add(Ops.ABS, y.input(0)))))));

    /** {@code beta·x} as Java, or just x when beta is 1. */
    private static String scaled(String x, Attrs a) {
        double beta = a.d("beta");
        return beta == 1 ? x : "(" + x + " * " + Const.javaDouble(beta) + ")";
    }

    /** The attributes of softplus with PyTorch's defaults beta = 1, threshold = 20. */
    public static final Attrs SOFTPLUS_DEFAULTS = Attrs.of("beta", 1.0, "threshold", 20.0);

    /** softplus(x) with PyTorch's defaults. */
    public static Node softplus(GraphBuilder g, Node x) {
        return g.add(SOFTPLUS, SOFTPLUS_DEFAULTS, x);
    }

    // ---- builder helpers ----
    /** conv(x, w) with one stride, pad and dilation per spatial dimension. */
    public static Node conv(GraphBuilder g, Node x, Node w, List<Integer> stride, List<Integer> pad, List<Integer> dilation) {
        return g.add(CONV, Convolution.attrs(stride, pad, dilation), x, w);
    }

    /** maxpool(x) or avgpool(x) with one window size and stride per spatial dimension. */
    public static Node pool(GraphBuilder g, boolean max, Node x, List<Integer> size, List<Integer> stride) {
        Attrs a = Pooling.attrs(size, stride);
        return g.add(max ? MAXPOOL : AVGPOOL, a, x);
    }

    public static Node constant(GraphBuilder g, double v) {
        return g.add(CONST, Attrs.of("value", v));
    }

    /** The int constant {@code v}, for integer arithmetic on int values. */
    public static Node intConstant(GraphBuilder g, long v) {
        return g.add(CONST, Attrs.of("value", (double) v, "int", true));
    }

    /** The scalar {@code v / (product of dims)}, where the dims may be symbolic (a mean over the batch). */
    public static Node constantPer(GraphBuilder g, double v, Shape per) {
        if (per.isConcrete()) return constant(g, v / per.numelIfKnown());
        return g.add(CONST, Attrs.of("value", v, "per", per));
    }

    public static boolean isConstant(Node n) {
        return n.op().isConstant();
    }

    public static Node add(GraphBuilder g, Node a, Node b) {
        return g.add(ADD, a, b);
    }

    public static Node sub(GraphBuilder g, Node a, Node b) {
        return g.add(SUB, a, b);
    }

    public static Node mul(GraphBuilder g, Node a, Node b) {
        return g.add(MUL, a, b);
    }

    public static Node div(GraphBuilder g, Node a, Node b) {
        return g.add(DIV, a, b);
    }

    public static Node neg(GraphBuilder g, Node a) {
        return g.add(NEG, a);
    }

    public static Node reshape(GraphBuilder g, Node x, Shape s) {
        return x.shape().equals(s) ? x : g.add(RESHAPE, Attrs.of("shape", s), x);
    }

    public static Node broadcastTo(GraphBuilder g, Node x, Shape s) {
        return x.shape().equals(s) ? x : g.add(IDENTITY, Attrs.of("shape", s), x);
    }

    /** Sum over {@code axes} (non-negative), keeping them as size-1 dimensions when {@code keepdims}. */
    public static Node reduceSum(GraphBuilder g, Node x, List<Integer> axes, boolean keepdims) {
        return g.add(REDUCE_SUM, Attrs.of("axes", List.copyOf(axes), "keepdims", keepdims), x);
    }

    /** Sum over every axis, giving a scalar. */
    public static Node sumAll(GraphBuilder g, Node x) {
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < x.shape().rank(); i++) axes.add(i);
        return axes.isEmpty() ? x : reduceSum(g, x, axes, false);
    }

    /** The mean over {@code axes}. */
    public static Node mean(GraphBuilder g, Node x, List<Integer> axes, boolean keepdims) {
        List<Dim> counted = new ArrayList<>();
        for (int a : axes) counted.add(x.shape().dim(a));
        Node s = axes.isEmpty() ? x : reduceSum(g, x, axes, keepdims);
        return mul(g, s, constantPer(g, 1.0, Shape.of(counted)));
    }

    public static Node meanAll(GraphBuilder g, Node x) {
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < x.shape().rank(); i++) axes.add(i);
        return mean(g, x, axes, false);
    }

    static Op recurrentGrad(Recurrent.Cell cell) {
        return switch (cell) {
            case RNN -> RNN_GRAD;
            case LSTM -> LSTM_GRAD;
            case GRU -> GRU_GRAD;
        };
    }

    /** The node as {@code op(%a, %b)}, its op's name and its operands' references: how {@code compile --stats} shows a kernel. */
    static String call(Node n) {
        List<String> in = new ArrayList<>();
        for (Node i : n.inputs()) in.add(i.ref());
        return n.op().name() + "(" + String.join(", ", in) + ")";
    }

    /** {@code x[..., from:to]}: a range of the last dimension. */
    public static Node sliceLast(GraphBuilder g, Node x, int from, int to) {
        Shape s = x.shape();
        List<Integer> starts = new ArrayList<>(), steps = new ArrayList<>();
        List<Dim> window = new ArrayList<>(s.dims());
        for (int i = 0; i < s.rank(); i++) {
            starts.add(i == s.rank() - 1 ? from : 0);
            steps.add(1);
        }
        window.set(s.rank() - 1, Dim.of(to - from));
        return g.add(SLICE, Attrs.of("starts", starts, "steps", steps, "squeeze", List.of(), "window", Shape.of(window), "source", s), x);
    }

    /**
     * The single value that {@code x} spreads when it is a broadcast or reshape (of a broadcast or reshape...) of one
     * value, such as the 1/batch of a mean's gradient; else {@code x} itself. A consumer that broadcasts its operand
     * can read that one value instead of an array filled with it.
     */
    public static Node uniformSource(Node x) {
        Node n = x;
        while ((n.is(IDENTITY) || n.is(RESHAPE)) && n.input(0).shape().isUnit()) n = n.input(0);
        return n.shape().isUnit() ? n : x;
    }

    /** Sums {@code dy} (of a broadcast result's shape) down to {@code target}, undoing NumPy broadcasting. */
    public static Node unbroadcast(GraphBuilder g, Node dy, Shape target) {
        Shape s = dy.shape();
        if (s.equals(target)) return dy;
        int lead = s.rank() - target.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            if (i < lead || (target.dim(i - lead).isOne() && !s.dim(i).isOne())) axes.add(i);
        }
        Node r = axes.isEmpty() ? dy : reduceSum(g, dy, axes, true);
        return reshape(g, r, target);
    }
}
