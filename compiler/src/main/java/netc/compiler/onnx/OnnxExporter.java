package netc.compiler.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.onnx.proto.Onnx;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * A model's inference graph as ONNX (opset {@value #OPSET}), for {@code netc export}: what the outputs need of the
 * forward graph, node by node, evaluation mode (dropout off, batch norm's running statistics), the parameters as
 * initializers under their names, symbolic dimensions as named ones. Layers come out as ONNX's own ops where ONNX has
 * them ({@code Conv}, {@code MaxPool}, {@code LSTM}, {@code LayerNormalization}, ...); GELU, which ONNX gains only at
 * opset 20, as its erf or tanh formula.
 */
public final class OnnxExporter {
    public static final int OPSET = 17;

    private final Graph g;
    private final Map<String, Tensor> weights;
    private final Onnx.GraphProto.Builder out = Onnx.GraphProto.newBuilder();
    private final Map<Node, String> names = new HashMap<>();
    private final Map<String, Integer> taken = new HashMap<>();
    private int constants;

    private OnnxExporter(Graph g, Map<String, Tensor> weights) {
        this.g = g;
        this.weights = weights;
    }

    /** The ONNX model of forward graph {@code g} with these parameter values. */
    public static byte[] export(Graph g, Map<String, Tensor> weights, String producerVersion) {
        OnnxExporter e = new OnnxExporter(g, weights);
        e.out.setName(g.name());
        for (Map.Entry<String, Node> o : g.outputs().entrySet()) {
            String v = e.value(o.getValue());
            if (!v.equals(o.getKey())) e.node("Identity", List.of(v), o.getKey());
            e.out.addOutput(valueInfo(o.getKey(), o.getValue()));
        }
        return Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("netc").setProducerVersion(producerVersion)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(e.out).build().toByteArray();
    }

    private static Onnx.ValueInfoProto valueInfo(String name, Node n) {
        Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
        for (Dim d : n.shape().dims()) {
            s.addDim(d.isSymbolic() ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(d.symbol())
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d.size()));
        }
        Onnx.TypeProto.Tensor.Builder t = Onnx.TypeProto.Tensor.newBuilder().setElemType(n.dtype() == DType.INT ? 7 : 1).setShape(s);
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** A fresh ONNX value name from a stem. */
    private String fresh(String stem) {
        int n = taken.merge(stem, 1, Integer::sum);
        return n == 1 ? stem : stem + "_" + n;
    }

    /** Adds a node; returns its (first) output's name. */
    private String node(String op, List<String> inputs, String output, Onnx.AttributeProto... attrs) {
        Onnx.NodeProto.Builder b = Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output);
        for (Onnx.AttributeProto a : attrs) b.addAttribute(a);
        out.addNode(b);
        return output;
    }

    private String node(String op, List<String> inputs, Onnx.AttributeProto... attrs) {
        return node(op, inputs, fresh(op.toLowerCase()), attrs);
    }

    private static Onnx.AttributeProto ints(String name, List<? extends Number> v) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS);
        for (Number x : v) b.addInts(x.longValue());
        return b.build();
    }

    private static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static Onnx.AttributeProto floatAttr(String name, double v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT).setF((float) v).build();
    }

    /** An initializer of floats. */
    private String floats(String name, int[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
        for (int d : shape) t.addDims(d);
        out.addInitializer(t);
        return name;
    }

    /** A constant: a float scalar, or a vector of int64 (shapes, axes). */
    private String scalar(double v) {
        return floats("const_" + constants++, new int[0], new float[] {(float) v});
    }

    private String longs(List<? extends Number> v) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName("const_" + constants++).setDataType(7).addDims(v.size());
        for (Number x : v) t.addInt64Data(x.longValue());
        out.addInitializer(t);
        return t.getName();
    }

    private UserError unsupported(Node n, String why) {
        String where = n.span() != null ? g.source().file() + ":" + n.span().line() + ": " : "";
        return new UserError(where + "netc export: " + why);
    }

    /** The ONNX value of node n, its producer emitted first. */
    private String value(Node n) {
        String have = names.get(n);
        if (have != null) return have;
        String v = emit(n);
        names.put(n, v);
        return v;
    }

    private String emit(Node n) {
        String op = n.op().name();
        switch (op) {
            case "input": {
                String name = n.attrs().s("name");
                out.addInput(valueInfo(name, n));
                taken.put(name, 1);
                return name;
            }
            case "param": {
                String name = n.attrs().s("name");
                Tensor t = weights.get(name);
                if (t == null) throw new UserError("netc export: the weights have no '" + name + "'");
                taken.put(name, 1);
                return floats(name, t.shape(), t.floats());
            }
            case "const":
                if (n.attrs().has("per")) throw unsupported(n, "a constant divided by a size known only at run time (a mean over the batch)");
                return scalar(n.attrs().d("value"));
            case "dropout_mask":
                return scalar(1); // evaluation: x · 1
            case "mode_select":
                return value(n.input(1)); // evaluation's branch
            case "identity":
            case "stop_gradient":
                return value(n.input(0));
            case "add": {
                String layer = withBias(n);
                if (layer != null) return layer;
            }
            // fall through
            case "sub": case "mul": case "div": case "pow": case "max": case "min":
                return node(switch (op) {
                    case "add" -> "Add";
                    case "sub" -> "Sub";
                    case "mul" -> "Mul";
                    case "div" -> "Div";
                    case "pow" -> "Pow";
                    case "max" -> "Max";
                    default -> "Min";
                }, List.of(value(n.input(0)), value(n.input(1))));
            case "neg": case "exp": case "log": case "sqrt": case "abs": case "sigmoid": case "tanh": case "relu": case "sign": case "atan":
                return node(Character.toUpperCase(op.charAt(0)) + op.substring(1), List.of(value(n.input(0))));
            case "heaviside": {
                // 1 where x ≥ 0: min(sign(x) + 1, 1)
                String sign = node("Sign", List.of(value(n.input(0))));
                return node("Min", List.of(node("Add", List.of(sign, scalar(1))), scalar(1)));
            }
            case "leaky_relu":
                return node("LeakyRelu", List.of(value(n.input(0))), floatAttr("alpha", n.attrs().d("alpha")));
            case "elu":
                return node("Elu", List.of(value(n.input(0))), floatAttr("alpha", n.attrs().d("alpha")));
            case "prelu":
                return node("PRelu", List.of(value(n.input(0)), value(n.input(1))));
            case "softplus": {
                double beta = n.attrs().d("beta");
                String x = value(n.input(0));
                if (beta == 1) return node("Softplus", List.of(x));
                return node("Div", List.of(node("Softplus", List.of(node("Mul", List.of(x, scalar(beta))))), scalar(beta)));
            }
            case "gelu": {
                // x · ½ · (1 + erf(x / √2))
                String x = value(n.input(0));
                String erf = node("Erf", List.of(node("Mul", List.of(x, scalar(0.7071067811865476)))));
                return node("Mul", List.of(node("Mul", List.of(x, node("Add", List.of(erf, scalar(1))))), scalar(0.5)));
            }
            case "gelu_tanh": {
                // ½x · (1 + tanh(√(2/π) · (x + 0.044715·x³)))
                String x = value(n.input(0));
                String cube = node("Mul", List.of(node("Mul", List.of(x, x)), x));
                String inner = node("Mul", List.of(node("Add", List.of(x, node("Mul", List.of(cube, scalar(0.044715))))), scalar(0.7978845608028654)));
                return node("Mul", List.of(node("Mul", List.of(x, scalar(0.5))), node("Add", List.of(node("Tanh", List.of(inner)), scalar(1)))));
            }
            case "softmax":
                return node("Softmax", List.of(value(n.input(0))), intAttr("axis", -1));
            case "log_softmax":
                return node("LogSoftmax", List.of(value(n.input(0))), intAttr("axis", -1));
            case "attention_softmax": {
                if (n.attrs().b("causal")) throw unsupported(n, "causal self-attention has no ONNX form in netc yet");
                String scaled = node("Mul", List.of(value(n.input(0)), scalar(n.attrs().d("scale"))));
                return node("Softmax", List.of(scaled), intAttr("axis", -1));
            }
            case "gemm": {
                if (n.inputs().size() > 2) throw unsupported(n, "a product with an epilogue (an optimised graph)");
                boolean ta = n.attrs().b("transA"), tb = n.attrs().b("transB");
                if (ta) throw unsupported(n, "a product with its left operand transposed");
                String a = value(n.input(0)), b = value(n.input(1));
                if (n.input(0).shape().rank() == 2) return node("Gemm", List.of(a, b), intAttr("transB", tb ? 1 : 0));
                if (tb) b = node("Transpose", List.of(b), ints("perm", List.of(1, 0)));
                return node("MatMul", List.of(a, b));
            }
            case "bmm": {
                String a = value(n.input(0)), b = value(n.input(1));
                if (n.attrs().b("transA")) a = node("Transpose", List.of(a), ints("perm", lastTwoSwapped(n.input(0).shape().rank())));
                if (n.attrs().b("transB")) b = node("Transpose", List.of(b), ints("perm", lastTwoSwapped(n.input(1).shape().rank())));
                return node("MatMul", List.of(a, b));
            }
            case "reshape":
                return node("Reshape", List.of(value(n.input(0)), longs(reshapeTarget(n))));
            case "permute":
                return node("Transpose", List.of(value(n.input(0))), ints("perm", n.attrs().ints("perm")));
            case "concat": {
                List<String> ins = new ArrayList<>();
                for (Node i : n.inputs()) ins.add(value(i));
                return node("Concat", ins, intAttr("axis", n.attrs().i("axis")));
            }
            case "slice":
                return slice(n);
            case "slice_grad":
                return pad(n);
            case "reduce_sum":
                return node("ReduceSum", List.of(value(n.input(0)), longs(n.attrs().ints("axes"))), intAttr("keepdims", n.attrs().b("keepdims") ? 1 : 0));
            case "reduce_max": case "reduce_min":
                return node(op.equals("reduce_max") ? "ReduceMax" : "ReduceMin", List.of(value(n.input(0))), ints("axes", n.attrs().ints("axes")),
                        intAttr("keepdims", n.attrs().b("keepdims") ? 1 : 0));
            case "conv":
                return conv(n, null);
            case "maxpool": case "avgpool":
                return node(op.equals("maxpool") ? "MaxPool" : "AveragePool", List.of(value(n.input(0))),
                        ints("kernel_shape", n.attrs().ints("size")), ints("strides", n.attrs().ints("stride")));
            case "gather":
                return node("Gather", List.of(value(n.input(0)), value(n.input(1))), intAttr("axis", 0));
            case "layer_norm":
                return node("LayerNormalization", List.of(value(n.input(0)), value(n.input(1)), value(n.input(2))), intAttr("axis", -1),
                        floatAttr("epsilon", n.attrs().d("eps")));
            case "rnn": case "lstm": case "gru":
                return recurrent(n, op);
            default:
                throw unsupported(n, "op '" + op + "' has no ONNX form in netc yet");
        }
    }

    /**
     * A layer's product and its bias as one node, as PyTorch writes {@code nn.Linear} and {@code nn.Conv2d}:
     * {@code add(gemm(x, W, transB), b)} of a 2-D x as Gemm with C, {@code add(conv(x, w), reshape(b, [O, 1, 1]))} as
     * Conv with its bias; null for any other add.
     */
    private String withBias(Node n) {
        Node p = n.input(0), b = n.input(1);
        if (p.op().name().equals("gemm") && p.inputs().size() == 2 && !p.attrs().b("transA") && p.input(0).shape().rank() == 2
                && b.op().name().equals("param") && b.shape().rank() == 1) {
            return node("Gemm", List.of(value(p.input(0)), value(p.input(1)), value(b)), intAttr("transB", p.attrs().b("transB") ? 1 : 0));
        }
        if (p.op().name().equals("conv") && b.op().name().equals("reshape") && b.input(0).op().name().equals("param")
                && b.input(0).shape().rank() == 1) {
            return conv(p, value(b.input(0)));
        }
        return null;
    }

    private String conv(Node n, String bias) {
        List<Integer> pad = n.attrs().ints("pad");
        List<Integer> pads = new ArrayList<>(pad);
        pads.addAll(pad);
        List<String> ins = new ArrayList<>(List.of(value(n.input(0)), value(n.input(1))));
        if (bias != null) ins.add(bias);
        return node("Conv", ins, ints("strides", n.attrs().ints("stride")), ints("pads", pads), ints("dilations", n.attrs().ints("dilation")),
                ints("kernel_shape", kernel(n.input(1).shape())));
    }

    private static List<Integer> lastTwoSwapped(int rank) {
        List<Integer> p = new ArrayList<>();
        for (int i = 0; i < rank; i++) p.add(i);
        p.set(rank - 2, rank - 1);
        p.set(rank - 1, rank - 2);
        return p;
    }

    private static List<Integer> kernel(Shape w) {
        List<Integer> k = new ArrayList<>();
        for (int i = 2; i < w.rank(); i++) k.add(w.dim(i).size());
        return k;
    }

    /**
     * A reshape's target as ONNX writes it: sizes, 0 where a symbolic dimension stays where it is in the input, -1 for
     * (at most) one other symbolic one.
     */
    private List<Long> reshapeTarget(Node n) {
        Shape in = n.input(0).shape(), to = n.shape();
        List<Long> t = new ArrayList<>();
        boolean free = false;
        for (int i = 0; i < to.rank(); i++) {
            Dim d = to.dim(i);
            if (!d.isSymbolic()) t.add((long) d.size());
            else if (i < in.rank() && in.dim(i).equals(d)) t.add(0L);
            else if (!free) {
                free = true;
                t.add(-1L);
            } else {
                throw unsupported(n, "a reshape to " + to + ", which ONNX cannot write with one -1");
            }
        }
        return t;
    }

    /**
     * Slice for the ranges, then Gather of one index for each axis taken at one position (from the last such axis to
     * the first, so that the earlier axes keep their numbers): a position of a symbolic dimension ({@code h[:, -1]})
     * is ONNX's Gather with a negative index.
     */
    private String slice(Node n) {
        List<Integer> starts = n.attrs().ints("starts"), steps = n.attrs().ints("steps"), squeeze = n.attrs().ints("squeeze");
        Shape w = n.attrs().shape("window"), src = n.attrs().shape("source");
        List<Long> s = new ArrayList<>(), e = new ArrayList<>(), axes = new ArrayList<>(), st = new ArrayList<>();
        Map<Integer, String> symbolicEnd = new HashMap<>();
        for (int d = 0; d < src.rank(); d++) {
            Dim sd = src.dim(d), wd = w.dim(d);
            int start = starts.get(d), step = steps.get(d);
            if (squeeze.contains(d) || wd.equals(sd) && start == 0 && step == 1) continue;
            if (wd.isSymbolic()) {
                // P[0:seq]: the end is the size of an input's axis, read at run time
                if (start != 0 || step != 1) throw unsupported(n, "a slice of a symbolic length from " + start + " by " + step);
                s.add(0L);
                symbolicEnd.put(s.size() - 1, wd.symbol());
                e.add(0L);
            } else {
                long end = start + (long) wd.size() * step;
                if (end < 0) end = Long.MIN_VALUE; // backwards past the first element
                s.add((long) start);
                e.add(end);
            }
            axes.add((long) d);
            st.add((long) step);
        }
        String x = value(n.input(0));
        if (!axes.isEmpty()) {
            String ends;
            if (symbolicEnd.isEmpty()) {
                ends = longs(e);
            } else {
                // an end that is a symbol's size: Shape of an input's axis that has it, joined with the others
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < e.size(); i++) parts.add(symbolicEnd.containsKey(i) ? sizeOf(n, symbolicEnd.get(i)) : longs(List.of(e.get(i))));
                ends = parts.size() == 1 ? parts.get(0) : node("Concat", parts, intAttr("axis", 0));
            }
            x = node("Slice", List.of(x, longs(s), ends, longs(axes), longs(st)));
        }
        for (int k = squeeze.size() - 1; k >= 0; k--) {
            int d = squeeze.get(k);
            x = node("Gather", List.of(x, index(starts.get(d))), intAttr("axis", d));
        }
        return x;
    }

    /** A 1-D int64 tensor holding the size of symbolic dimension {@code sym}, read from the first input that has it. */
    private String sizeOf(Node at, String sym) {
        for (Node in : g.inputs()) {
            List<Dim> dims = in.shape().dims();
            for (int d = 0; d < dims.size(); d++) {
                if (dims.get(d).isSymbolic() && dims.get(d).symbol().equals(sym)) {
                    return node("Shape", List.of(value(in)), intAttr("start", d), intAttr("end", d + 1));
                }
            }
        }
        throw unsupported(at, "a slice as long as '" + sym + "', which no input has");
    }

    /** An int64 scalar: an index. */
    private String index(long v) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName("const_" + constants++).setDataType(7).addInt64Data(v);
        out.addInitializer(t);
        return t.getName();
    }

    /** A slice's gradient, a window placed into zeros, as Pad where the window is contiguous (netc's pad). */
    private String pad(Node n) {
        List<Integer> starts = n.attrs().ints("starts"), steps = n.attrs().ints("steps");
        Shape w = n.attrs().shape("window"), src = n.attrs().shape("source");
        if (!n.attrs().ints("squeeze").isEmpty() || steps.stream().anyMatch(x -> x != 1)) throw unsupported(n, "a strided placement into zeros");
        List<Long> pads = new ArrayList<>(), ends = new ArrayList<>();
        for (int d = 0; d < src.rank(); d++) {
            if (w.dim(d).isSymbolic() || src.dim(d).isSymbolic()) {
                if (!w.dim(d).equals(src.dim(d))) throw unsupported(n, "padding a symbolic dimension");
                pads.add(0L);
                ends.add(0L);
                continue;
            }
            pads.add((long) starts.get(d));
            ends.add((long) (src.dim(d).size() - w.dim(d).size() - starts.get(d)));
        }
        pads.addAll(ends);
        return node("Pad", List.of(value(n.input(0)), longs(pads)));
    }

    /** rnn, lstm, gru: ONNX's layer over the time-major input, the gates in ONNX's order, the hidden states batch first. */
    private String recurrent(Node n, String op) {
        int h = n.attrs().i("hidden");
        int[] order = switch (op) {
            case "lstm" -> new int[] {0, 3, 1, 2}; // i, f, g, o → i, o, f, c
            case "gru" -> new int[] {1, 0, 2};     // r, z, n → z, r, h
            default -> new int[] {0};
        };
        String x = node("Transpose", List.of(value(n.input(0))), ints("perm", List.of(1, 0, 2)));
        String w = gates(n.input(1), order, h), r = gates(n.input(2), order, h);
        float[] bi = reordered(weights.get(n.input(3).attrs().s("name")).floats(), order, h, 1);
        float[] bh = reordered(weights.get(n.input(4).attrs().s("name")).floats(), order, h, 1);
        float[] b = new float[bi.length + bh.length];
        System.arraycopy(bi, 0, b, 0, bi.length);
        System.arraycopy(bh, 0, b, bi.length, bh.length);
        String bias = floats(fresh(n.input(3).attrs().s("name").replace(".bias_ih", ".B")), new int[] {1, b.length}, b);
        List<Onnx.AttributeProto> attrs = new ArrayList<>(List.of(intAttr("hidden_size", h)));
        if (op.equals("gru")) attrs.add(intAttr("linear_before_reset", 1));
        String y = node(op.toUpperCase(), List.of(x, w, r, bias), fresh(op), attrs.toArray(new Onnx.AttributeProto[0]));
        String squeezed = node("Squeeze", List.of(y, longs(List.of(1))));
        return node("Transpose", List.of(squeezed), ints("perm", List.of(1, 0, 2)));
    }

    /** A [G·H, k] weight as ONNX's [1, G·H, k], its gate blocks reordered. */
    private String gates(Node param, int[] order, int h) {
        String name = param.attrs().s("name");
        Tensor t = weights.get(name);
        if (t == null) throw new UserError("netc export: the weights have no '" + name + "'");
        int cols = t.dim(1);
        return floats(fresh(name.replace('.', '_') + "_onnx"), new int[] {1, t.dim(0), cols}, reordered(t.floats(), order, h, cols));
    }

    /** Row blocks of h·cols values, block k of the result being block order[k] of v. */
    private static float[] reordered(float[] v, int[] order, int h, int cols) {
        float[] out = new float[v.length];
        int block = h * cols;
        for (int k = 0; k < order.length; k++) System.arraycopy(v, order[k] * block, out, k * block, block);
        return out;
    }
}
