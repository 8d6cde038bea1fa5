package netc.compiler.onnx;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Dim;
import netc.compiler.onnx.proto.Onnx;

/**
 * The ONNX ops netc imports, each as a {@code .net} expression: the dispatch, the elementwise ops and activations
 * here, the layers in {@link LayerOps}, the shape ops and the folding of shape arithmetic in {@link ShapeOps}.
 */
final class OnnxOps {
    /** Every op type the importer reads, as its unsupported-op message lists them. */
    static final List<String> SUPPORTED = List.of("Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat",
            "Constant", "ConstantOfShape", "Conv", "Div", "Dropout", "Elu", "Equal", "Exp", "Expand", "Flatten", "Gather", "Gemm",
            "Gelu", "GlobalAveragePool", "GRU", "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Log",
            "LogSoftmax", "LSTM", "MatMul",
            "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Not", "Pad", "Pow", "PRelu", "ReduceMax", "ReduceMean", "ReduceSum", "Relu",
            "Reshape", "RNN", "Selu", "Shape", "Sigmoid", "Sign", "Slice", "Softmax", "Softplus", "Softsign", "Split", "Sqrt", "Squeeze",
            "Sub", "Sum", "Tanh", "Tile", "Transpose", "Trilu", "Unsqueeze", "Where");

    private OnnxOps() {
    }

    static void apply(OnnxImporter m, Onnx.NodeProto n) {
        switch (n.getOpType()) {
            case "Identity" -> m.alias(0, m.in(0));
            case "Dropout" -> {
                // inference: the identity; a mask output nobody reads is dropped
                if (n.getOutputCount() > 1 && m.uses(n.getOutput(1)) > 0) throw m.problem("has its mask read, which netc's dropout does not give");
                m.alias(0, m.in(0));
            }
            case "Add", "Sub", "Mul", "Div", "Pow" -> {
                if (!gelu(m)) binary(m, n.getOpType());
            }
            case "Max", "Min", "Sum", "Mean" -> variadic(m, n.getOpType());
            case "InstanceNormalization" -> LayerOps.instanceNorm(m);
            case "LayerNormalization" -> LayerOps.layerNorm(m);
            case "Gelu" -> unary(m, m.attrString("approximate", "none").equals("tanh") ? "gelu(%s, approximate=\"tanh\")" : "gelu(%s)");
            case "Erf" -> throw m.problem("computes erf outside GELU's formula x·½·(1 + erf(x/√2)), the one place netc has it");
            case "LSTM", "GRU", "RNN" -> RecurrentOps.recurrent(m, n.getOpType());
            case "Neg" -> unary(m, "-%s");
            case "Sqrt" -> unary(m, "sqrt(%s)");
            case "Exp" -> unary(m, "exp(%s)");
            case "Log" -> unary(m, "log(%s)");
            case "Abs" -> unary(m, "abs(%s)");
            case "Sign" -> unary(m, "sign(%s)");
            case "Relu" -> unary(m, "relu(%s)");
            case "Sigmoid" -> unary(m, "sigmoid(%s)");
            case "Tanh" -> unary(m, "tanh(%s)");
            case "Softplus" -> unary(m, "softplus(%s)");
            case "Softsign" -> unary(m, "%1$s / (1 + abs(%1$s))");
            case "LeakyRelu" -> unary(m, "leaky_relu(%s, alpha=" + OnnxImporter.literal(m.attrFloat("alpha", 0.01f)) + ")");
            case "Elu" -> unary(m, "elu(%s" + alpha(m, 1f) + ")");
            case "Selu" -> unary(m, OnnxImporter.literal(m.attrFloat("gamma", 1.05070102214813232421875f)) + " * elu(%s, alpha="
                    + OnnxImporter.literal(m.attrFloat("alpha", 1.67326319217681884765625f)) + ")");
            case "PRelu" -> prelu(m);
            case "Clip" -> clip(m);
            case "Softmax", "LogSoftmax" -> softmax(m, n.getOpType().equals("Softmax") ? "softmax" : "log_softmax");
            case "Gemm" -> LayerOps.gemm(m);
            case "MatMul" -> LayerOps.matmul(m);
            case "Conv" -> LayerOps.conv(m);
            case "BatchNormalization" -> LayerOps.batchnorm(m);
            case "MaxPool", "AveragePool" -> LayerOps.pool(m, n.getOpType().equals("MaxPool") ? "maxpool" : "avgpool");
            case "GlobalAveragePool" -> LayerOps.globalAveragePool(m);
            case "ReduceMean", "ReduceSum", "ReduceMax" -> reduce(m, n.getOpType().substring(6).toLowerCase());
            case "Expand", "Trilu", "Equal", "Not", "Where" -> MaskOps.apply(m, n);
            default -> ShapeOps.apply(m, n);
        }
    }

    private static String alpha(OnnxImporter m, float fallback) {
        float a = m.attrFloat("alpha", fallback);
        return a == fallback ? "" : ", alpha=" + OnnxImporter.literal(a);
    }

    /** {@code y = f(x)}, the same shape. */
    private static void unary(OnnxImporter m, String format) {
        Value.Net x = m.net(0);
        m.define(0, String.format(format, x.id()), x.shape(), x.isInt());
    }

    /** Add, Sub, Mul, Div, Pow with NumPy broadcasting; folded where both sides are known at import. */
    private static void binary(OnnxImporter m, String op) {
        Value a = m.in(0), b = m.in(1);
        if (!(a instanceof Value.Net) && !(b instanceof Value.Net)) {
            m.alias(0, ShapeOps.fold(m, op, a, b));
            return;
        }
        Value.Net x = m.net(0), y = legacyBroadcast(m, x);
        String sym = switch (op) {
            case "Add" -> " + ";
            case "Sub" -> " - ";
            case "Mul" -> " * ";
            case "Div" -> " / ";
            default -> " ^ ";
        };
        m.define(0, x.id() + sym + y.id(), broadcast(m, x.shape(), y.shape()), x.isInt() && y.isInt());
    }

    /**
     * Before opset 7 a binary op broadcast its second operand only where attribute {@code broadcast} said so, aligned
     * at attribute {@code axis} rather than at the end: b's dimensions get ones after them to line up as NumPy would.
     */
    private static Value.Net legacyBroadcast(OnnxImporter m, Value.Net a) {
        if (m.opset >= 7 || m.attrInt("broadcast", 0) == 0 || m.attr("axis") == null) return m.net(1);
        Const c = m.knownValue(m.node.getInput(1));
        int bRank = c != null ? c.rank() : m.net(1).rank();
        int axis = m.axis(a, m.attrInt("axis", 0)), trailing = a.rank() - axis - bRank;
        if (trailing <= 0) return m.net(1);
        if (c != null) {
            long[] dims = java.util.Arrays.copyOf(c.dims(), bRank + trailing);
            for (int i = bRank; i < dims.length; i++) dims[i] = 1;
            return m.constant(m.node.getInput(1) + "_aligned", c.reshaped(dims));
        }
        Value.Net b = m.net(1);
        List<Dim> shape = new ArrayList<>(b.shape());
        for (int i = 0; i < trailing; i++) shape.add(Dim.of(1));
        return m.let(m.stem() + "_aligned", "reshape(" + b.id() + ", " + OnnxImporter.shapeText(shape) + ")", shape, b.isInt());
    }

    /** Max, Min, Sum and Mean of any number of values, broadcast together. */
    private static void variadic(OnnxImporter m, String op) {
        int n = m.node.getInputCount();
        Value.Net acc = m.net(0);
        String e = acc.id();
        List<Dim> shape = acc.shape();
        for (int i = 1; i < n; i++) {
            Value.Net x = m.net(i);
            shape = broadcast(m, shape, x.shape());
            e = switch (op) {
                case "Max" -> "max(" + e + ", " + x.id() + ")";
                case "Min" -> "min(" + e + ", " + x.id() + ")";
                default -> e + " + " + x.id();
            };
        }
        if (op.equals("Mean") && n > 1) e = "(" + e + ") / " + n;
        m.define(0, e, shape, acc.isInt());
    }

    /**
     * GELU as exporters write it before ONNX had the op: {@code x / √2} (or {@code x · (1/√2)}) → Erf → {@code + 1} →
     * {@code · x} → {@code · ½} (the last two in either order, ½ on either side): taken in as {@code gelu(x)} when this
     * node starts the chain and each of its values feeds only the next. False, with nothing written, otherwise.
     */
    private static boolean gelu(OnnxImporter m) {
        Onnx.NodeProto start = m.node;
        String op = start.getOpType();
        if (!op.equals("Div") && !op.equals("Mul") || start.getInputCount() != 2) return false;
        Const c = m.knownValue(start.getInput(1));
        if (c == null || c.size() != 1) return false;
        double k = op.equals("Div") ? 1 / c.at(0) : c.at(0);
        if (Math.abs(k - 0.7071067811865476) > 1e-4) return false;
        String x = start.getInput(0);
        Onnx.NodeProto erf = m.soleConsumer(0);
        if (erf == null || !erf.getOpType().equals("Erf")) return false;
        Onnx.NodeProto add = m.soleConsumerOf(erf);
        if (add == null || !add.getOpType().equals("Add") || !isConstant(m, other(add, erf.getOutput(0)), 1)) return false;
        Onnx.NodeProto mul1 = m.soleConsumerOf(add);
        if (mul1 == null || !mul1.getOpType().equals("Mul")) return false;
        Onnx.NodeProto mul2 = m.soleConsumerOf(mul1);
        if (mul2 == null || !mul2.getOpType().equals("Mul")) return false;
        String f1 = other(mul1, add.getOutput(0)), f2 = other(mul2, mul1.getOutput(0));
        boolean xThenHalf = x.equals(f1) && isConstant(m, f2, 0.5);
        boolean halfThenX = isConstant(m, f1, 0.5) && x.equals(f2);
        if (!xThenHalf && !halfThenX) return false;
        Value.Net v = m.net(0);
        for (Onnx.NodeProto n : List.of(erf, add, mul1, mul2)) m.absorb(n);
        m.defineAs(mul2.getOutput(0), "gelu(" + v.id() + ")", v.shape(), false);
        return true;
    }

    /** The input of a two-input node that is not {@code value}; null where neither is. */
    private static String other(Onnx.NodeProto n, String value) {
        if (n.getInputCount() != 2) return null;
        return n.getInput(0).equals(value) ? n.getInput(1) : n.getInput(1).equals(value) ? n.getInput(0) : null;
    }

    private static boolean isConstant(OnnxImporter m, String name, double v) {
        Const c = name == null ? null : m.knownValue(name);
        return c != null && c.size() == 1 && Math.abs(c.at(0) - v) < 1e-6;
    }

    /** NumPy's broadcast of two shapes. */
    static List<Dim> broadcast(OnnxImporter m, List<Dim> a, List<Dim> b) {
        int r = Math.max(a.size(), b.size());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            Dim x = i - (r - a.size()) >= 0 ? a.get(i - (r - a.size())) : Dim.of(1);
            Dim y = i - (r - b.size()) >= 0 ? b.get(i - (r - b.size())) : Dim.of(1);
            if (x.equals(y) || y.isOne()) out.add(x);
            else if (x.isOne()) out.add(y);
            else throw m.problem("cannot broadcast " + OnnxImporter.shapeText(a) + " with " + OnnxImporter.shapeText(b));
        }
        return out;
    }

    private static void prelu(OnnxImporter m) {
        Value.Net x = m.net(0);
        Const slope = m.known(1, "slope");
        if (slope.size() == 1) {
            String layer = m.layerName("prelu", m.node.getInput(1));
            m.weight(layer, "weight", slope.reshaped(1));
            m.define(0, "prelu(" + x.id() + ", name=\"" + layer + "\")", x.shape(), false);
        } else {
            // one slope per channel: max(x, 0) + slope · min(x, 0), the slope a parameter broadcast over x; a vector of
            // one slope per channel (as opsets before 7 broadcast it) lines up with axis 1
            Value.Net s;
            if (slope.rank() == 1 && x.rank() > 2 && x.shape().get(1).equals(Dim.of(slope.size()))) {
                long[] dims = new long[x.rank() - 1];
                java.util.Arrays.fill(dims, 1);
                dims[0] = slope.size();
                s = m.constant(m.node.getInput(1) + "_channels", slope.reshaped(dims));
            } else {
                s = m.net(1);
            }
            m.define(0, "max(" + x.id() + ", 0) + " + s.id() + " * min(" + x.id() + ", 0)", broadcast(m, x.shape(), s.shape()), false);
        }
    }

    /** Clip: bounds from inputs (opset 11 on) or attributes (before), either optional. */
    private static void clip(OnnxImporter m) {
        Value.Net x = m.net(0);
        String lo = null, hi = null;
        if (m.opset >= 11) {
            if (m.in(1) != null) lo = OnnxImporter.literal(m.known(1, "minimum").at(0));
            if (m.in(2) != null) hi = OnnxImporter.literal(m.known(2, "maximum").at(0));
        } else {
            if (m.attr("min") != null) lo = OnnxImporter.literal(m.attrFloat("min", 0));
            if (m.attr("max") != null) hi = OnnxImporter.literal(m.attrFloat("max", 0));
        }
        String e = x.id();
        if (lo != null) e = "max(" + e + ", " + lo + ")";
        if (hi != null) e = "min(" + e + ", " + hi + ")";
        m.define(0, e, x.shape(), x.isInt());
    }

    private static void softmax(OnnxImporter m, String fn) {
        Value.Net x = m.net(0);
        long axis = m.attrInt("axis", m.opset >= 13 ? -1 : 1);
        int a = m.axis(x, axis);
        if (m.opset < 13 && a != x.rank() - 1) {
            throw m.problem("at opset " + m.opset + " flattens from axis " + axis + "; netc imports it over the last axis only");
        }
        m.define(0, fn + "(" + x.id() + (a == x.rank() - 1 ? "" : ", axis=" + a) + ")", x.shape(), false);
    }

    /** ReduceMean, ReduceSum, ReduceMax: axes from an attribute (older opsets) or an input; keepdims by default. */
    private static void reduce(OnnxImporter m, String fn) {
        Value.Net x = m.net(0);
        long[] axes = m.attrInts("axes");
        if (axes == null && m.in(1) != null) axes = m.known(1, "axes").asLongs();
        boolean keep = m.attrInt("keepdims", 1) != 0;
        if (axes == null || axes.length == 0) {
            if (m.attrInt("noop_with_empty_axes", 0) != 0) {
                m.alias(0, x);
                return;
            }
            axes = new long[x.rank()];
            for (int i = 0; i < axes.length; i++) axes[i] = i;
        }
        List<Integer> list = new ArrayList<>();
        for (long a : axes) list.add(m.axis(x, a));
        List<Dim> shape = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (!list.contains(i)) shape.add(x.shape().get(i));
            else if (keep) shape.add(Dim.of(1));
        }
        String axisText = list.size() == 1 ? list.get(0).toString() : list.toString();
        m.define(0, fn + "(" + x.id() + ", axis=" + axisText + (keep ? ", keepdims=true" : "") + ")", shape, x.isInt());
    }
}
