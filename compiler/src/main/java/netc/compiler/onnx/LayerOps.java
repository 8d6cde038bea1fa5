package netc.compiler.onnx;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Dim;
import netc.compiler.onnx.proto.Onnx;

/**
 * The ONNX ops that become layers: {@code Gemm} and {@code MatMul} (+ {@code Add}) with constant weights as
 * {@code dense} (PyTorch's {@code nn.Linear} layout, the weight [out, in]), {@code Conv} as {@code conv1d}/{@code conv2d},
 * {@code BatchNormalization} as {@code batchnorm} (evaluation mode: the running statistics), the pools. Products of
 * two computed values stay {@code @}.
 */
final class LayerOps {
    private LayerOps() {
    }

    /** Gemm: {@code alpha · A' · B' + beta · C}, A' and B' transposed by transA and transB. */
    static void gemm(OnnxImporter m) {
        float alpha = m.attrFloat("alpha", 1), beta = m.attrFloat("beta", 1);
        boolean transA = m.attrInt("transA", 0) != 0, transB = m.attrInt("transB", 0) != 0;
        Value.Net a = m.net(0);
        Const b = m.in(1) instanceof Value.Known k ? k.c() : null;
        Const c = m.in(2) instanceof Value.Known k ? k.c() : null;
        if (!transA && b != null && b.rank() == 2 && (m.in(2) == null || c != null)) {
            Const w = transB ? b : b.permuted(new int[] {1, 0});
            int units = (int) w.dims()[0];
            if (alpha != 1) w = w.scaled(alpha);
            Const bias = null;
            if (c != null) {
                bias = biasVector(c, units);
                if (bias == null) throw m.problem("has a bias of shape " + java.util.Arrays.toString(c.dims()) + " for " + units + " units");
                if (beta != 1) bias = bias.scaled(beta);
            }
            dense(m, m.node.getOutput(0), a, w, bias, m.node.getInput(1));
            return;
        }
        // the general form, over computed values
        Value.Net bv = m.net(1);
        String x = transA ? "transpose(" + a.id() + ")" : a.id(), y = transB ? "transpose(" + bv.id() + ")" : bv.id();
        String e = (alpha != 1 ? OnnxImporter.literal(alpha) + " * " : "") + "(" + x + " @ " + y + ")";
        Dim rows = a.shape().get(transA ? 1 : 0), cols = bv.shape().get(transB ? 0 : 1);
        List<Dim> shape = List.of(rows, cols);
        if (m.in(2) != null) {
            Value.Net cv = m.net(2);
            e += " + " + (beta != 1 ? OnnxImporter.literal(beta) + " * " : "") + cv.id();
            shape = OnnxOps.broadcast(m, shape, cv.shape());
        }
        m.define(0, e, shape, false);
    }

    /** A bias of any shape that holds one value per unit ([units], [1, units]) as a vector, or a scalar spread; null if neither. */
    private static Const biasVector(Const c, int units) {
        if (c.size() == units) return c.reshaped(units);
        if (c.size() == 1) {
            float[] v = new float[units];
            java.util.Arrays.fill(v, (float) c.at(0));
            return Const.ofFloats(new long[] {units}, v);
        }
        return null;
    }

    /** ONNX value {@code out} is {@code dense(x, units, name="L")}, the weight [units, in] and the bias if any stored under L. */
    private static void dense(OnnxImporter m, String out, Value.Net x, Const w, Const bias, String weightName) {
        int units = (int) w.dims()[0], in = (int) w.dims()[1];
        Dim last = x.shape().isEmpty() ? null : x.shape().get(x.rank() - 1);
        if (last == null || last.isSymbolic() || last.size() != in) {
            throw m.problem("multiplies " + OnnxImporter.shapeText(x.shape()) + " by a weight for " + in + " inputs");
        }
        String layer = m.layerName("dense", weightName);
        m.weight(layer, "weight", w);
        if (bias != null) m.weight(layer, "bias", bias);
        List<Dim> shape = new ArrayList<>(x.shape());
        shape.set(shape.size() - 1, Dim.of(units));
        String expr = "dense(" + x.id() + ", " + units + (bias == null ? ", bias=false" : "") + ", name=\"" + layer + "\")";
        m.defineAs(out, expr, shape, false);
    }

    /**
     * MatMul: with a constant 2-D right side, a {@code dense} layer (weight transposed to [out, in]), taking in the
     * {@code Add} of a bias that only it feeds; otherwise {@code a @ b}.
     */
    static void matmul(OnnxImporter m) {
        Value.Net a = m.net(0);
        Const b = m.in(1) instanceof Value.Known k ? k.c() : null;
        if (b != null && b.rank() == 2 && b.isFloat() && a.rank() >= 2) {
            Const w = b.permuted(new int[] {1, 0});
            int units = (int) w.dims()[0];
            Onnx.NodeProto add = m.soleConsumer(0);
            Const bias = null;
            if (add != null && add.getOpType().equals("Add") && add.getInputCount() == 2) {
                String other = add.getInput(0).equals(m.node.getOutput(0)) ? add.getInput(1) : add.getInput(0);
                Const c = m.knownValue(other);
                if (c != null && c.isFloat() && c.rank() == 1 && c.size() == units) bias = c;
            }
            if (bias != null) m.absorb(add);
            dense(m, bias != null ? add.getOutput(0) : m.node.getOutput(0), a, w, bias, m.node.getInput(1));
            return;
        }
        Value.Net bv = m.net(1);
        m.define(0, a.id() + " @ " + bv.id(), matmulShape(m, a.shape(), bv.shape()), false);
    }

    /** numpy.matmul's result shape. */
    private static List<Dim> matmulShape(OnnxImporter m, List<Dim> a, List<Dim> b) {
        if (a.isEmpty() || b.isEmpty()) throw m.problem("multiplies a scalar; MatMul takes tensors of rank 1 or more");
        if (a.size() == 1 && b.size() == 1) return List.of();
        if (a.size() == 1) {
            List<Dim> out = new ArrayList<>(b.subList(0, b.size() - 2));
            out.add(b.get(b.size() - 1));
            return out;
        }
        if (b.size() == 1) return new ArrayList<>(a.subList(0, a.size() - 1));
        List<Dim> lead = OnnxOps.broadcast(m, a.subList(0, a.size() - 2), b.subList(0, b.size() - 2));
        List<Dim> out = new ArrayList<>(lead);
        out.add(a.get(a.size() - 2));
        out.add(b.get(b.size() - 1));
        return out;
    }

    /** Conv: 1-D or 2-D, without groups; padding the same at both ends of each axis. */
    static void conv(OnnxImporter m) {
        Value.Net x = m.net(0);
        Const w = m.known(1, "weight");
        Const b = m.in(2) == null ? null : m.known(2, "bias");
        int spatial = x.rank() - 2;
        if (spatial != 1 && spatial != 2 || w.rank() != x.rank()) {
            throw m.problem("convolves " + OnnxImporter.shapeText(x.shape()) + "; netc has 1-D and 2-D convolutions");
        }
        int group = (int) m.attrInt("group", 1);
        long[] kernel = java.util.Arrays.copyOfRange(w.dims(), 2, w.rank());
        long[] stride = ints(m, "strides", spatial, 1), dilation = ints(m, "dilations", spatial, 1);
        long[] pad = pads(m, spatial, kernel, stride, dilation);
        int filters = (int) w.dims()[0];
        Dim channels = x.shape().get(1);
        if (group < 1 || filters % group != 0 || channels.isSymbolic() || channels.size() != w.dims()[1] * group) {
            throw m.problem("has a weight for " + w.dims()[1] + " channels in " + group + " group(s), the input "
                    + OnnxImporter.shapeText(x.shape()));
        }
        List<Dim> shape = new ArrayList<>(List.of(x.shape().get(0), Dim.of(filters)));
        for (int i = 0; i < spatial; i++) {
            Dim in = x.shape().get(2 + i);
            if (in.isSymbolic()) throw m.problem("has a symbolic spatial size " + in + "; netc's convolutions need known sizes");
            long o = Math.floorDiv(in.size() + 2 * pad[i] - dilation[i] * (kernel[i] - 1) - 1, stride[i]) + 1;
            shape.add(Dim.of((int) o));
        }
        String layer = m.layerName("conv", m.node.getInput(1));
        if (group == 1) {
            m.weight(layer, "weight", w);
            if (b != null) m.weight(layer, "bias", b);
            m.define(0, convCall(x.id(), spatial, filters, kernel, stride, pad, dilation, b != null, layer), shape, false);
            return;
        }
        // groups: each group of channels convolved by its own filters (layers L.g0, L.g1, ...), the results joined
        int per = (int) (channels.size() / group), out = filters / group;
        List<String> parts = new ArrayList<>();
        List<Dim> partShape = new ArrayList<>(shape);
        partShape.set(1, Dim.of(out));
        for (int k = 0; k < group; k++) {
            String g = layer + ".g" + k;
            long[] from = new long[w.rank()], step = new long[w.rank()];
            from[0] = (long) k * out;
            java.util.Arrays.fill(step, 1);
            m.weight(g, "weight", w.sliced(from, step, withFirst(w.dims(), out)));
            if (b != null) m.weight(g, "bias", b.sliced(new long[] {(long) k * out}, new long[] {1}, new long[] {out}));
            String xs = x.id() + "[:, " + (k * per) + ":" + ((k + 1) * per) + "]";
            parts.add(m.let(m.stem() + "_g" + k, convCall(xs, spatial, out, kernel, stride, pad, dilation, b != null, g), partShape, false).id());
        }
        m.define(0, "concat(" + String.join(", ", parts) + ", axis=1)", shape, false);
    }

    private static long[] withFirst(long[] dims, long first) {
        long[] d = dims.clone();
        d[0] = first;
        return d;
    }

    private static String convCall(String x, int spatial, int filters, long[] kernel, long[] stride, long[] pad, long[] dilation,
            boolean bias, String layer) {
        StringBuilder e = new StringBuilder("conv" + spatial + "d(" + x + ", " + filters + ", kernel=" + list(kernel));
        if (!all(stride, 1)) e.append(", stride=").append(list(stride));
        if (!all(pad, 0)) e.append(", pad=").append(list(pad));
        if (!all(dilation, 1)) e.append(", dilation=").append(list(dilation));
        if (!bias) e.append(", bias=false");
        return e.append(", name=\"").append(layer).append("\")").toString();
    }

    /**
     * InstanceNormalization: each sample's channel normalised over its spatial positions, then scaled and shifted per
     * channel: {@code (x − mean) / √(var + eps) · scale + bias}, written out as the language's ops.
     */
    static void instanceNorm(OnnxImporter m) {
        Value.Net x = m.net(0);
        Const scale = m.known(1, "scale"), bias = m.known(2, "bias");
        float eps = m.attrFloat("epsilon", 1e-5f);
        List<Integer> axes = new ArrayList<>();
        long[] perChannel = new long[x.rank() - 1];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = scale.size();
        for (int i = 2; i < x.rank(); i++) axes.add(i);
        String ax = axes.size() == 1 ? axes.get(0).toString() : axes.toString();
        String s = m.stem();
        Value.Net centred = m.let(s + "_centred", x.id() + " - mean(" + x.id() + ", axis=" + ax + ", keepdims=true)", x.shape(), false);
        Value.Net sc = m.constant(m.node.getInput(1) + "_channels", scale.reshaped(perChannel));
        Value.Net bi = m.constant(m.node.getInput(2) + "_channels", bias.reshaped(perChannel));
        m.define(0, centred.id() + " / sqrt(mean(" + centred.id() + " * " + centred.id() + ", axis=" + ax + ", keepdims=true) + "
                + OnnxImporter.literal(eps) + ") * " + sc.id() + " + " + bi.id(), x.shape(), false);
    }

    /** The padding of each spatial axis from {@code pads} or {@code auto_pad}; refused where the two ends differ. */
    private static long[] pads(OnnxImporter m, int spatial, long[] kernel, long[] stride, long[] dilation) {
        String auto = m.attrString("auto_pad", "NOTSET");
        long[] pad = new long[spatial];
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            for (int i = 0; i < spatial; i++) {
                long total = dilation[i] * (kernel[i] - 1);
                if (stride[i] != 1 || total % 2 != 0) throw m.problem("pads '" + auto + "' unevenly; netc pads both ends alike");
                pad[i] = total / 2;
            }
            return pad;
        }
        if (auto.equals("VALID")) return pad;
        long[] p = m.attrInts("pads");
        if (p == null) return pad;
        if (p.length != 2 * spatial) throw m.problem("has " + p.length + " pads for " + spatial + " spatial axes");
        for (int i = 0; i < spatial; i++) {
            if (p[i] != p[i + spatial]) throw m.problem("pads axis " + i + " by " + p[i] + " and " + p[i + spatial] + "; netc pads both ends alike");
            pad[i] = p[i];
        }
        return pad;
    }

    private static long[] ints(OnnxImporter m, String attr, int n, long fallback) {
        long[] v = m.attrInts(attr);
        if (v == null) {
            v = new long[n];
            java.util.Arrays.fill(v, fallback);
        }
        if (v.length != n) throw m.problem("has " + v.length + " " + attr + " for " + n + " spatial axes");
        return v;
    }

    private static boolean all(long[] v, long x) {
        for (long e : v) if (e != x) return false;
        return true;
    }

    /** One integer where every axis has the same, else a list. */
    private static String list(long[] v) {
        if (all(v, v[0])) return Long.toString(v[0]);
        List<String> s = new ArrayList<>();
        for (long e : v) s.add(Long.toString(e));
        return s.toString();
    }

    /** BatchNormalization in evaluation mode: {@code batchnorm} with the running statistics as its buffers. */
    static void batchnorm(OnnxImporter m) {
        if (m.attrInt("training_mode", 0) != 0) throw m.problem("is in training mode; netc imports the evaluation form");
        Value.Net x = m.net(0);
        Const scale = m.known(1, "scale"), bias = m.known(2, "bias"), mean = m.known(3, "mean"), var = m.known(4, "variance");
        float eps = m.attrFloat("epsilon", 1e-5f), momentum = 1 - m.attrFloat("momentum", 0.9f);
        String layer = m.layerName("batchnorm", m.node.getInput(1));
        m.weight(layer, "weight", scale);
        m.weight(layer, "bias", bias);
        m.weight(layer, "running_mean", mean);
        m.weight(layer, "running_var", var);
        StringBuilder e = new StringBuilder("batchnorm(" + x.id());
        if (Math.abs(eps - 1e-5f) > 1e-12) e.append(", eps=").append(OnnxImporter.literal(eps));
        if (Math.abs(momentum - 0.1f) > 1e-6) e.append(", momentum=").append(OnnxImporter.literal(momentum));
        e.append(", name=\"").append(layer).append("\")");
        m.define(0, e.toString(), x.shape(), false);
    }

    /** MaxPool and AveragePool without padding, floor mode. */
    static void pool(OnnxImporter m, String fn) {
        Value.Net x = m.net(0);
        int spatial = x.rank() - 2;
        if (spatial != 1 && spatial != 2) throw m.problem("pools " + OnnxImporter.shapeText(x.shape()) + "; netc pools 1-D and 2-D");
        if (m.node.getOutputCount() > 1 && m.uses(m.node.getOutput(1)) > 0) throw m.problem("has its indices read");
        long[] kernel = ints(m, "kernel_shape", spatial, 1), stride = ints(m, "strides", spatial, 1);
        long[] pads = m.attrInts("pads");
        if (!m.attrString("auto_pad", "NOTSET").matches("NOTSET|VALID")) throw m.problem("pads its input automatically; netc does not");
        if (pads != null && !all(pads, 0)) {
            if (!fn.equals("maxpool")) throw m.problem("pads its input; netc's average pools have no padding");
            // padding that never wins a maximum: x's own least value, pad(x − lo) + lo
            List<String> fpad = new ArrayList<>();
            List<Dim> padded = new ArrayList<>(x.shape());
            for (int a = spatial - 1; a >= 0; a--) {
                fpad.add(Long.toString(pads[a]));
                fpad.add(Long.toString(pads[a + spatial]));
                Dim d = x.shape().get(2 + a);
                if (d.isSymbolic()) throw m.problem("has a symbolic spatial size " + d);
                padded.set(2 + a, Dim.of((int) (d.size() + pads[a] + pads[a + spatial])));
            }
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) all.add(i);
            Value.Net lo = m.let(m.stem() + "_least", "min(" + x.id() + ", axis=" + all + ")", List.of(), false);
            x = m.let(m.stem() + "_padded", "pad(" + x.id() + " - " + lo.id() + ", " + fpad + ") + " + lo.id(), padded, false);
        }
        if (m.attrInt("ceil_mode", 0) != 0) throw m.problem("rounds up (ceil_mode); netc's pools round down");
        long[] dil = m.attrInts("dilations");
        if (dil != null && !all(dil, 1)) throw m.problem("has dilations; netc's pools have none");
        List<Dim> shape = new ArrayList<>(x.shape().subList(0, 2));
        for (int i = 0; i < spatial; i++) {
            Dim in = x.shape().get(2 + i);
            if (in.isSymbolic()) throw m.problem("has a symbolic spatial size " + in);
            shape.add(Dim.of((int) ((in.size() - kernel[i]) / stride[i] + 1)));
        }
        String e = fn + "(" + x.id() + ", " + list(kernel) + (java.util.Arrays.equals(kernel, stride) ? "" : ", stride=" + list(stride)) + ")";
        m.define(0, e, shape, false);
    }

    static void globalAveragePool(OnnxImporter m) {
        Value.Net x = m.net(0);
        List<Integer> axes = new ArrayList<>();
        List<Dim> shape = new ArrayList<>(x.shape().subList(0, 2));
        for (int i = 2; i < x.rank(); i++) {
            axes.add(i);
            shape.add(Dim.of(1));
        }
        m.define(0, "mean(" + x.id() + ", axis=" + (axes.size() == 1 ? axes.get(0).toString() : axes.toString()) + ", keepdims=true)", shape, false);
    }

    /** LayerNormalization over the last axis as {@code layer_norm} (weights L.weight and L.bias, zeros without a bias). */
    static void layerNorm(OnnxImporter m) {
        Value.Net x = m.net(0);
        if (m.axis(x, m.attrInt("axis", -1)) != x.rank() - 1) throw m.problem("normalises from axis " + m.attrInt("axis", -1) + "; netc's layer_norm normalises the last axis");
        for (int i = 1; i < m.node.getOutputCount(); i++) {
            if (m.uses(m.node.getOutput(i)) > 0) throw m.problem("has its mean or inverse deviation read");
        }
        Const scale = m.known(1, "scale");
        Dim d = x.shape().get(x.rank() - 1);
        if (d.isSymbolic() || scale.size() != d.size()) throw m.problem("has a scale of " + scale.size() + " for " + OnnxImporter.shapeText(x.shape()));
        Const bias = m.in(2) == null ? Const.ofFloats(new long[] {scale.size()}, new float[scale.size()]) : m.known(2, "bias");
        float eps = m.attrFloat("epsilon", 1e-5f);
        String layer = m.layerName("layer_norm", m.node.getInput(1));
        m.weight(layer, "weight", scale.reshaped(scale.size()));
        m.weight(layer, "bias", bias.reshaped(bias.size()));
        String e = "layer_norm(" + x.id() + (Math.abs(eps - 1e-5f) > 1e-12 ? ", eps=" + OnnxImporter.literal(eps) : "") + ", name=\"" + layer + "\")";
        m.define(0, e, x.shape(), false);
    }
}
