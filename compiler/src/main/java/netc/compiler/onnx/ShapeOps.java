package netc.compiler.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import netc.compiler.ir.Dim;
import netc.compiler.onnx.proto.Onnx;

/**
 * The ONNX ops that move elements without computing (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat, Slice,
 * Gather, Split, Pad), the constants (Constant, ConstantOfShape, Cast) and the folding of what is known at import:
 * {@code Shape} of a value gives its sizes, symbols included ({@link Value.Dims}), and Gather, Concat, Unsqueeze,
 * Squeeze, Slice, Cast and the arithmetic over sizes are computed here, so that the chains exporters make for a
 * {@code reshape} leave one statement.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static void apply(OnnxImporter m, Onnx.NodeProto n) {
        switch (n.getOpType()) {
            case "Constant" -> m.alias(0, new Value.Known(constant(m)));
            case "ConstantOfShape" -> constantOfShape(m);
            case "Cast" -> cast(m);
            case "Shape" -> shape(m);
            case "Reshape" -> reshape(m);
            case "Flatten" -> flatten(m);
            case "Transpose" -> transpose(m);
            case "Squeeze", "Unsqueeze" -> squeeze(m, n.getOpType().equals("Unsqueeze"));
            case "Concat" -> concat(m);
            case "Slice" -> slice(m);
            case "Gather" -> gather(m);
            case "Split" -> split(m);
            case "Pad" -> pad(m);
            case "Tile" -> tile(m);
            default -> throw m.unsupported();
        }
    }

    // ---- constants ----

    private static Const constant(OnnxImporter m) {
        for (Onnx.AttributeProto a : m.node.getAttributeList()) {
            switch (a.getName()) {
                case "value": return m.file.tensor(a.getT(), "constant '" + m.node.getOutput(0) + "'");
                case "value_float": return Const.ofFloats(new long[0], new float[] {a.getF()});
                case "value_int": return Const.scalar(a.getI());
                case "value_floats": {
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                    return Const.ofFloats(new long[] {f.length}, f);
                }
                case "value_ints": {
                    long[] l = new long[a.getIntsCount()];
                    for (int i = 0; i < l.length; i++) l[i] = a.getInts(i);
                    return Const.vector(l);
                }
                default: break;
            }
        }
        throw m.problem("has no value netc reads (value, value_float(s), value_int(s))");
    }

    private static void constantOfShape(OnnxImporter m) {
        Onnx.AttributeProto a = m.attr("value");
        Const v = a == null ? Const.ofFloats(new long[0], new float[] {0}) : m.file.tensor(a.getT(), "the fill value");
        if (m.in(0) instanceof Value.Dims d) {
            m.alias(0, new Value.Filled(d.elems(), v.at(0)));
            return;
        }
        long[] dims = m.known(0, "shape").asLongs();
        m.checkFolded(dims);
        long n = 1;
        for (long d : dims) n *= d;
        if (v.isFloat()) {
            float[] f = new float[(int) n];
            Arrays.fill(f, v.floats()[0]);
            m.alias(0, new Value.Known(Const.ofFloats(dims, f)));
        } else {
            long[] l = new long[(int) n];
            Arrays.fill(l, v.longs()[0]);
            m.alias(0, new Value.Known(Const.ofLongs(dims, l)));
        }
    }

    private static boolean isFloatType(long t) {
        return t == 1 || t == 10 || t == 11 || t == 16;
    }

    private static void cast(OnnxImporter m) {
        long to = m.attrInt("to", 1);
        if (to == 10 || to == 16) throw m.problem("casts to " + OnnxFile.typeName((int) to) + "; netc computes in float32");
        boolean toFloat = isFloatType(to);
        Value v = m.in(0);
        if (v instanceof Value.Known k) {
            Const c = k.c();
            long[] longs = c.asLongs();
            if (to == 9) {
                // to bool: any value but 0 is true
                longs = new long[c.size()];
                for (int i = 0; i < longs.length; i++) longs[i] = c.at(i) != 0 ? 1 : 0;
            }
            m.alias(0, new Value.Known(toFloat ? Const.ofFloats(c.dims(), c.asFloats()) : Const.ofLongs(c.dims(), longs)));
        } else if (v instanceof Value.Net x && x.isInt() == toFloat) {
            throw m.problem("converts " + (toFloat ? "ints to floats" : "floats to ints") + ", which netc does not");
        } else {
            m.alias(0, v);
        }
    }

    private static void shape(OnnxImporter m) {
        Value.Net x = m.net(0);
        int r = x.rank();
        int start = clampAxis(m.attrInt("start", 0), r), end = clampAxis(m.attrInt("end", r), r);
        m.alias(0, dims(x.shape().subList(start, Math.max(start, end)), false));
    }

    private static int clampAxis(long a, int r) {
        return (int) Math.max(0, Math.min(r, a < 0 ? a + r : a));
    }

    /** Sizes as a value: a constant where they are all known, else {@link Value.Dims}. */
    static Value dims(List<Dim> elems, boolean scalar) {
        long[] l = new long[elems.size()];
        for (int i = 0; i < l.length; i++) {
            if (elems.get(i).isSymbolic()) return new Value.Dims(List.copyOf(elems), scalar);
            l[i] = elems.get(i).size();
        }
        return new Value.Known(scalar ? Const.scalar(l[0]) : Const.vector(l));
    }

    /** The most values a vector of sizes holds: a shape's, one per dimension. */
    private static final int MAX_SIZES = 64;

    /**
     * A size vector or scalar (a {@link Value.Dims}, or an int constant of rank ≤ 1 and at most {@link #MAX_SIZES}
     * values) as sizes; null for anything else.
     */
    static List<Dim> sizes(Value v) {
        if (v instanceof Value.Dims d) return d.elems();
        if (v instanceof Value.Known k && !k.c().isFloat() && k.c().rank() <= 1 && k.c().longs().length <= MAX_SIZES) {
            List<Dim> out = new ArrayList<>();
            for (long x : k.c().longs()) out.add(x >= 0 && x <= Integer.MAX_VALUE ? Dim.of((int) x) : Dim.sym(Long.toString(x)));
            return out;
        }
        return null;
    }

    private static boolean isScalar(Value v) {
        return v instanceof Value.Dims d ? d.scalar() : v instanceof Value.Known k && k.c().rank() == 0;
    }

    /** Add, Sub, Mul or Div of values known at import: constants elementwise (broadcast), sizes with symbols as products. */
    static Value fold(OnnxImporter m, String op, Value a, Value b) {
        if (a instanceof Value.Known x && b instanceof Value.Known y) return new Value.Known(foldConst(m, op, x.c(), y.c()));
        List<Dim> p = sizes(a), q = sizes(b);
        if (p == null || q == null) throw m.problem("computes with sizes in a way netc does not fold");
        int n = Math.max(p.size(), q.size());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Dim x = p.get(p.size() == 1 ? 0 : i), y = q.get(q.size() == 1 ? 0 : i);
            if (op.equals("Mul") && (x.isSymbolic() || y.isSymbolic())) out.add(product(List.of(x, y)));
            else if (op.equals("Div") && y.equals(Dim.of(1))) out.add(x);
            else if (op.equals("Div") && x.isSymbolic() && !y.isSymbolic() && y.size() > 0 && x.symbol().contains("*")) {
                throw m.problem("divides the size " + x + " by " + y + ", which netc does not fold");
            } else if (op.equals("Div") && x.isSymbolic() && x.equals(y)) out.add(Dim.of(1));
            else if (x.isSymbolic() || y.isSymbolic()) throw m.problem("computes " + x + " " + op + " " + y + ", which netc does not fold");
            else {
                long r = switch (op) {
                    case "Add" -> (long) x.size() + y.size();
                    case "Sub" -> (long) x.size() - y.size();
                    case "Mul" -> (long) x.size() * y.size();
                    default -> y.size() == 0 ? 0 : Math.floorDiv(x.size(), y.size());
                };
                out.add(Dim.of((int) r));
            }
        }
        return dims(out, isScalar(a) && isScalar(b));
    }

    private static Const foldConst(OnnxImporter m, String op, Const a, Const b) {
        long[] shape = broadcastDims(m, a.dims(), b.dims());
        int n = 1;
        for (long d : shape) n *= d;
        boolean f = a.isFloat() || b.isFloat();
        float[] fo = f ? new float[n] : null;
        long[] lo = f ? null : new long[n];
        for (int i = 0; i < n; i++) {
            int ia = index(i, shape, a.dims()), ib = index(i, shape, b.dims());
            if (f) {
                double x = a.at(ia), y = b.at(ib);
                fo[i] = (float) switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    default -> Math.pow(x, y);
                };
            } else {
                long x = a.longs()[ia], y = b.longs()[ib];
                lo[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> y == 0 ? 0 : Math.floorDiv(x, y);
                    default -> (long) Math.pow(x, y);
                };
            }
        }
        return f ? Const.ofFloats(shape, fo) : Const.ofLongs(shape, lo);
    }

    static long[] broadcastDims(OnnxImporter m, long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1, y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x != y && x != 1 && y != 1) throw m.problem("cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** The flat index into a tensor of shape {@code in} that broadcasting pairs with flat index i of shape out. */
    private static int index(int i, long[] out, long[] in) {
        int idx = 0, stride = 1;
        for (int d = out.length - 1, e = in.length - 1; d >= 0; d--, e--) {
            int coord = (int) (i % out[d]);
            i /= (int) out[d];
            if (e >= 0) {
                if (in[e] != 1) idx += coord * stride;
                stride *= (int) in[e];
            }
        }
        return idx;
    }

    /** Symbols multiplied: {@code batch*seq}, the numbers folded into a leading factor. */
    static Dim product(List<Dim> dims) {
        long k = 1;
        List<String> syms = new ArrayList<>();
        for (Dim d : dims) {
            if (d.isSymbolic()) syms.addAll(Arrays.asList(d.symbol().split("\\*")));
            else k *= d.size();
        }
        if (syms.isEmpty()) return Dim.of((int) k);
        Collections.sort(syms);
        return Dim.sym((k == 1 ? "" : k + "*") + String.join("*", syms));
    }

    // ---- reshapes ----

    private static void reshape(OnnxImporter m) {
        Value data = m.in(0);
        List<Dim> target = sizes(m.in(1));
        if (target == null) throw m.problem("needs its shape known at import time");
        boolean allowZero = m.attrInt("allowzero", 0) != 0;
        if (!(data instanceof Value.Net)) {
            Const c = m.known(0, "data");
            long[] t = new long[target.size()];
            for (int i = 0; i < t.length; i++) t[i] = target.get(i).isSymbolic() ? -1 : target.get(i).size();
            m.alias(0, new Value.Known(c.reshaped(resolve(m, c.dims(), t, allowZero))));
            return;
        }
        Value.Net x = (Value.Net) data;
        List<Dim> t = new ArrayList<>();
        for (int i = 0; i < target.size(); i++) {
            Dim d = target.get(i);
            if (!allowZero && d.equals(Dim.of(0))) {
                if (i >= x.rank()) throw m.problem("copies dimension " + i + " of " + OnnxImporter.shapeText(x.shape()));
                d = x.shape().get(i);
            }
            t.add(d);
        }
        reshapeTo(m, 0, x, t);
    }

    private static long[] resolve(OnnxImporter m, long[] in, long[] t, boolean allowZero) {
        long total = 1, known = 1;
        int free = -1;
        for (long d : in) total *= d;
        long[] out = t.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) out[i] = in[i];
            if (out[i] == -1) free = i;
            else known *= out[i];
        }
        if (free >= 0) out[free] = known == 0 ? 0 : total / known;
        return out;
    }

    /**
     * {@code reshape(x, [...])} to sizes that may hold one -1 (-1 stands for whatever else is left) and symbols; the
     * result's shape has the -1 worked out, symbols cancelled. Nothing is written where the shape does not change.
     */
    static void reshapeTo(OnnxImporter m, int out, Value.Net x, List<Dim> target) {
        long inK = 1;
        List<String> inSyms = new ArrayList<>();
        for (Dim d : x.shape()) {
            if (d.isSymbolic()) inSyms.addAll(Arrays.asList(product(List.of(d)).symbol().split("\\*")));
            else inK *= d.size();
        }
        int free = -1;
        long k = 1;
        List<String> syms = new ArrayList<>();
        List<Dim> shape = new ArrayList<>(target);
        for (int i = 0; i < target.size(); i++) {
            Dim d = target.get(i);
            boolean minusOne = d.isSymbolic() && d.symbol().equals("-1");
            if (minusOne) {
                if (free >= 0) throw m.problem("has two -1 sizes");
                free = i;
            } else if (d.isSymbolic()) {
                syms.addAll(Arrays.asList(d.symbol().split("\\*")));
            } else {
                k *= d.size();
            }
        }
        if (free >= 0) {
            List<String> rest = new ArrayList<>(inSyms);
            for (String s : syms) {
                if (s.matches("\\d+")) continue;
                if (!rest.remove(s)) throw m.problem("reshapes " + OnnxImporter.shapeText(x.shape()) + " to " + OnnxImporter.shapeText(target));
            }
            if (k == 0 || inK % k != 0) throw m.problem("reshapes " + OnnxImporter.shapeText(x.shape()) + " to " + OnnxImporter.shapeText(target));
            List<Dim> parts = new ArrayList<>(List.of(Dim.of((int) (inK / k))));
            for (String s : rest) parts.add(Dim.sym(s));
            shape.set(free, product(parts));
        }
        if (shape.equals(x.shape())) {
            m.alias(out, x);
            return;
        }
        // the sizes as written: a product of symbols can only be written as -1
        List<String> text = new ArrayList<>();
        boolean minus = free >= 0;
        for (int i = 0; i < shape.size(); i++) {
            Dim d = shape.get(i);
            if (i == free || d.isSymbolic() && d.symbol().contains("*")) {
                if (i != free && minus) throw m.problem("reshapes to two sizes netc cannot write: " + OnnxImporter.shapeText(shape));
                if (i != free) minus = true;
                text.add("-1");
            } else {
                text.add(d.toString());
            }
        }
        m.define(out, "reshape(" + x.id() + ", " + text + ")", shape, x.isInt());
    }

    private static void flatten(OnnxImporter m) {
        Value.Net x = m.net(0);
        long a = m.attrInt("axis", 1);
        if (a < -x.rank() || a > x.rank()) throw m.problem("flattens from axis " + a + " of a value of rank " + x.rank());
        int axis = (int) (a < 0 ? a + x.rank() : a);
        if (axis == 1 && x.rank() >= 2) {
            List<Dim> shape = List.of(x.shape().get(0), product(x.shape().subList(1, x.rank())));
            if (x.rank() == 2) m.alias(0, x);
            else m.define(0, "flatten(" + x.id() + ")", shape, x.isInt());
            return;
        }
        reshapeTo(m, 0, x, List.of(product(x.shape().subList(0, axis)), Dim.sym("-1")));
    }

    private static void transpose(OnnxImporter m) {
        if (m.in(0) instanceof Value.Known k) {
            int r = k.c().rank();
            long[] perm = m.attrInts("perm");
            int[] p = new int[r];
            for (int i = 0; i < r; i++) p[i] = perm == null ? r - 1 - i : (int) perm[i];
            m.alias(0, new Value.Known(k.c().permuted(p)));
            return;
        }
        Value.Net x = m.net(0);
        int r = x.rank();
        long[] perm = m.attrInts("perm");
        if (perm == null) {
            perm = new long[r];
            for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        }
        List<Dim> shape = new ArrayList<>();
        List<Integer> p = new ArrayList<>();
        boolean identity = true, lastTwo = r >= 2;
        for (int i = 0; i < r; i++) {
            int a = m.axis(x, perm[i]);
            p.add(a);
            shape.add(x.shape().get(a));
            identity &= a == i;
            lastTwo &= i < r - 2 ? a == i : a == (i == r - 2 ? r - 1 : r - 2);
        }
        if (identity) {
            m.alias(0, x);
            return;
        }
        int[] perm2 = new int[r];
        for (int i = 0; i < r; i++) perm2[i] = p.get(i);
        Onnx.NodeProto next = m.soleConsumer(0);
        if (next != null && next.getOpType().matches("LSTM|GRU|RNN") && Arrays.equals(perm2, new int[] {1, 0, 2})) {
            // the time-major view PyTorch makes for a batch-first recurrent layer, which reads x itself: no statement
            Value.Net y = new Value.Net("permute(" + x.id() + ", " + p + ")", shape, x.isInt());
            m.alias(0, y);
            m.permuted(y, x, perm2);
            return;
        }
        Value.Net y = m.define(0, lastTwo ? "transpose(" + x.id() + ")" : "permute(" + x.id() + ", " + p + ")", shape, x.isInt());
        m.permuted(y, x, perm2);
    }

    /** Squeeze and Unsqueeze as reshapes; axes from an attribute (before opset 13) or an input. */
    private static void squeeze(OnnxImporter m, boolean unsqueeze) {
        Value v = m.in(0);
        if (v == null) throw m.problem("lacks its input");
        if (v instanceof Value.Filled) throw m.problem("reshapes a constant of symbolic shape, which netc does not");
        long[] axes = m.attrInts("axes");
        if (axes == null && m.in(1) != null) axes = m.known(1, "axes").asLongs();
        if (unsqueeze && axes == null) throw m.problem("lacks its axes");
        List<Dim> shape = v instanceof Value.Net x ? x.shape() : shapeOf(v);
        List<Dim> out = new ArrayList<>(shape);
        if (unsqueeze) {
            int r = shape.size() + axes.length;
            long[] sorted = new long[axes.length];
            for (int i = 0; i < axes.length; i++) sorted[i] = axes[i] < 0 ? axes[i] + r : axes[i];
            Arrays.sort(sorted);
            for (long a : sorted) out.add((int) a, Dim.of(1));
        } else {
            List<Integer> drop = new ArrayList<>();
            if (axes == null) {
                for (int i = 0; i < shape.size(); i++) if (shape.get(i).isOne()) drop.add(i);
            } else {
                for (long a : axes) drop.add((int) (a < 0 ? a + shape.size() : a));
            }
            Collections.sort(drop, Collections.reverseOrder());
            for (int a : drop) {
                if (!shape.get(a).isOne()) throw m.problem("squeezes axis " + a + " of " + OnnxImporter.shapeText(shape) + ", not of size 1");
                out.remove(a);
            }
        }
        if (v instanceof Value.Net x) {
            reshapeTo(m, 0, x, out);
        } else if (v instanceof Value.Known k) {
            long[] d = new long[out.size()];
            for (int i = 0; i < d.length; i++) d[i] = out.get(i).size();
            m.alias(0, new Value.Known(k.c().reshaped(d)));
        } else {
            Value.Dims d = (Value.Dims) v;
            m.alias(0, new Value.Dims(d.elems(), out.isEmpty()));
        }
    }

    /** The shape of a value known at import (a Dims vector is 1-D). */
    private static List<Dim> shapeOf(Value v) {
        if (v instanceof Value.Dims d) return d.scalar() ? List.of() : List.of(Dim.of(d.elems().size()));
        List<Dim> s = new ArrayList<>();
        for (long d : ((Value.Known) v).c().dims()) s.add(Dim.of((int) d));
        return s;
    }

    private static void concat(OnnxImporter m) {
        int n = m.node.getInputCount();
        boolean folded = true;
        for (int i = 0; i < n; i++) folded &= !(m.in(i) instanceof Value.Net);
        if (folded) {
            List<Dim> all = new ArrayList<>();
            boolean sizesOnly = true;
            for (int i = 0; i < n; i++) {
                List<Dim> s = sizes(m.in(i));
                if (s == null) sizesOnly = false;
                else all.addAll(s);
            }
            if (sizesOnly) {
                m.alias(0, dims(all, false));
                return;
            }
            List<Const> parts = new ArrayList<>();
            long count = 0;
            for (int i = 0; i < n; i++) {
                parts.add(m.known(i, "inputs"));
                count += parts.get(i).size();
            }
            m.checkFolded(new long[] {count});
            long axis = m.attrInt("axis", 0);
            m.alias(0, new Value.Known(Const.concat(parts, (int) (axis < 0 ? axis + parts.get(0).rank() : axis))));
            return;
        }
        List<Value.Net> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) xs.add(m.net(i));
        int axis = m.axis(xs.get(0), m.attrInt("axis", 0));
        List<Dim> shape = new ArrayList<>(xs.get(0).shape());
        List<Dim> along = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Value.Net x : xs) {
            along.add(x.shape().get(axis));
            ids.add(x.id());
        }
        shape.set(axis, sum(m, along));
        m.define(0, "concat(" + String.join(", ", ids) + ", axis=" + axis + ")", shape, xs.get(0).isInt());
    }

    private static Dim sum(OnnxImporter m, List<Dim> dims) {
        int s = 0;
        for (Dim d : dims) {
            if (d.isSymbolic()) throw m.problem("joins values along the symbolic dimension " + d);
            s += d.size();
        }
        return Dim.of(s);
    }

    // ---- slices ----

    /** Slice (opset 10 on: starts, ends, axes, steps as inputs; before: attributes). */
    private static void slice(OnnxImporter m) {
        long[] starts, ends, axes, steps;
        String[] symbolicEnds = null;  // an end that is a symbolic size (P[0:seq]), else null
        if (m.opset >= 10) {
            starts = m.known(1, "starts").asLongs();
            if (m.in(2) instanceof Value.Dims d) {
                symbolicEnds = new String[d.elems().size()];
                ends = new long[symbolicEnds.length];
                for (int j = 0; j < ends.length; j++) {
                    Dim e = d.elems().get(j);
                    if (e.isSymbolic()) symbolicEnds[j] = e.symbol();
                    else ends[j] = e.size();
                }
            } else {
                ends = m.known(2, "ends").asLongs();
            }
            axes = m.in(3) == null ? null : m.known(3, "axes").asLongs();
            steps = m.in(4) == null ? null : m.known(4, "steps").asLongs();
        } else {
            starts = m.attrInts("starts");
            ends = m.attrInts("ends");
            axes = m.attrInts("axes");
            steps = null;
        }
        if (starts == null || ends == null || starts.length != ends.length || axes != null && axes.length != starts.length
                || steps != null && steps.length != starts.length) {
            throw m.problem("needs as many starts, ends, axes and steps");
        }
        Value v = symbolicEnds != null ? m.net(0) : m.in(0);
        if (v == null) throw m.problem("lacks its input");
        if (v instanceof Value.Known k && !(k.c().rank() == 1 && !k.c().isFloat())) {
            Const c = k.c();
            long[] st = new long[c.rank()], sp = new long[c.rank()], len = c.dims().clone();
            Arrays.fill(sp, 1);
            for (int j = 0; j < starts.length; j++) {
                int a = (int) (axes == null ? j : axes[j] < 0 ? axes[j] + c.rank() : axes[j]);
                long step = steps == null ? 1 : steps[j];
                int[] r = range(starts[j], ends[j], step, (int) c.dims()[a]);
                st[a] = r[0];
                sp[a] = r[2];
                len[a] = Math.max(0, step > 0 ? (r[1] - r[0] + r[2] - 1) / r[2] : (r[0] - r[1] - r[2] - 1) / -r[2]);
            }
            m.alias(0, new Value.Known(c.sliced(st, sp, len)));
            return;
        }
        if (!(v instanceof Value.Net)) {
            List<Dim> s = sizes(v);
            if (s == null || starts.length != 1) throw m.problem("slices a constant, which netc folds only for sizes");
            int n = s.size();
            int[] r = range(starts[0], ends[0], steps == null ? 1 : steps[0], n);
            List<Dim> out = new ArrayList<>();
            for (int i = r[0]; r[2] > 0 ? i < r[1] : i > r[1]; i += r[2]) out.add(s.get(i));
            m.alias(0, dims(out, false));
            return;
        }
        Value.Net x = (Value.Net) v;
        String[] items = new String[x.rank()];
        List<Dim> shape = new ArrayList<>(x.shape());
        for (int j = 0; j < starts.length; j++) {
            int a = m.axis(x, axes == null ? j : axes[j]);
            long step = steps == null ? 1 : steps[j];
            Dim d = x.shape().get(a);
            if (symbolicEnds != null && symbolicEnds[j] != null) {
                // the first `seq` rows of a parameter: P[0:seq], checked against P's length at run time
                String sym = symbolicEnds[j];
                if (d.isSymbolic() || starts[j] != 0 || step != 1 || sym.contains("*")) {
                    throw m.problem("slices " + d + " from " + starts[j] + " to the symbolic size " + sym + "; netc takes P[0:" + sym + "] of a known length");
                }
                items[a] = "0:" + sym;
                shape.set(a, Dim.sym(sym));
                continue;
            }
            if (d.isSymbolic()) {
                if (starts[j] == 0 && step == 1 && ends[j] >= Integer.MAX_VALUE) continue;
                throw m.problem("slices the symbolic dimension " + d + ", which netc takes only whole");
            }
            int[] r = range(starts[j], ends[j], step, d.size());
            int len = Math.max(0, step > 0 ? (r[1] - r[0] + r[2] - 1) / r[2] : (r[0] - r[1] - r[2] - 1) / -r[2]);
            if (len == 0) throw m.problem("takes an empty slice of axis " + a);
            shape.set(a, Dim.of(len));
            if (len == d.size() && step == 1) continue;
            items[a] = r[0] + ":" + (step > 0 ? Integer.toString(r[1]) : r[1] < 0 ? "" : Integer.toString(r[1])) + (r[2] == 1 ? "" : ":" + r[2]);
        }
        index(m, 0, x, items, shape);
    }

    /** NumPy's clamping of start, stop for a step over n elements: {start, stop, step}. */
    private static int[] range(long start, long end, long step, int n) {
        // a step longer than the axis takes one element, as the axis's length does
        step = Math.max(-Math.max(n, 1), Math.min(Math.max(n, 1), step));
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step > 0) {
            start = Math.max(0, Math.min(n, start));
            end = Math.max(0, Math.min(n, end));
        } else {
            start = Math.max(-1, Math.min(n - 1, start));
            end = Math.max(-1, Math.min(n - 1, end));
        }
        return new int[] {(int) start, (int) end, (int) step};
    }

    /** {@code x[items]}, an item per axis up to the last given (null: the whole axis, {@code :}). */
    private static void index(OnnxImporter m, int out, Value.Net x, String[] items, List<Dim> shape) {
        int last = -1;
        for (int i = 0; i < items.length; i++) if (items[i] != null) last = i;
        if (last < 0) {
            m.alias(out, x);
            return;
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            Dim d = x.shape().get(i);
            if (items[i] != null && d.isSymbolic() && (i == 0 || items[i].contains(":"))) {
                throw m.problem("takes part of the symbolic dimension " + d + ", which netc takes whole" + (i == 0 ? "" : " or at one position"));
            }
            parts.add(items[i] == null ? ":" : items[i]);
        }
        m.define(out, x.id() + "[" + String.join(", ", parts) + "]", shape, x.isInt());
    }

    /**
     * Gather: an embedding where a constant table is indexed by the model's ints (axis 0); one position of an axis where
     * the index is a constant scalar; a slice where the indices are a constant run; folded for sizes.
     */
    private static void gather(OnnxImporter m) {
        Value data = m.in(0), idx = m.in(1);
        long axisAttr = m.attrInt("axis", 0);
        if (data instanceof Value.Known table && idx instanceof Value.Net tokens && table.c().isFloat() && table.c().rank() == 2 && axisAttr == 0) {
            if (!tokens.isInt()) throw m.problem("indexes with floats");
            long vocab = table.c().dims()[0], dim = table.c().dims()[1];
            String layer = m.layerName("embedding", m.node.getInput(0));
            m.weight(layer, "weight", table.c());
            List<Dim> shape = new ArrayList<>(tokens.shape());
            shape.add(Dim.of((int) dim));
            m.define(0, "embedding(" + tokens.id() + ", " + vocab + ", " + dim + ", name=\"" + layer + "\")", shape, false);
            return;
        }
        Const at = m.known(1, "indices");
        if (!(data instanceof Value.Net)) {
            List<Dim> s = sizes(data);
            if (s == null) throw m.problem("gathers from a constant, which netc folds only for sizes");
            List<Dim> out = new ArrayList<>();
            for (long i : at.asLongs()) out.add(s.get((int) (i < 0 ? i + s.size() : i)));
            m.alias(0, dims(out, at.rank() == 0));
            return;
        }
        Value.Net x = (Value.Net) data;
        int axis = m.axis(x, axisAttr);
        Dim d = x.shape().get(axis);
        if (d.isSymbolic()) {
            // one position of a symbolic dimension, counted from either end: the language checks it when the size is known
            if (at.rank() != 0) throw m.problem("gathers several positions of the symbolic dimension " + d);
            long i = at.longAt(0);
            if (Math.abs(i) > 1 << 24) throw m.problem("gathers position " + i + " of the symbolic dimension " + d);
            String[] items = new String[x.rank()];
            items[axis] = Long.toString(i);
            List<Dim> shape = new ArrayList<>(x.shape());
            shape.remove(axis);
            index(m, 0, x, items, shape);
            return;
        }
        long[] ix = at.asLongs().clone();
        for (int i = 0; i < ix.length; i++) {
            if (ix[i] < 0) ix[i] += d.size();
            if (ix[i] < 0 || ix[i] >= d.size()) throw m.problem("gathers index " + at.asLongs()[i] + " of an axis of size " + d.size());
        }
        String[] items = new String[x.rank()];
        List<Dim> shape = new ArrayList<>(x.shape());
        if (at.rank() == 0) {
            items[axis] = Long.toString(ix[0]);
            shape.remove(axis);
        } else if (at.rank() == 1 && ix.length > 0 && isRun(ix)) {
            items[axis] = ix[0] + ":" + (ix[ix.length - 1] + 1);
            shape.set(axis, Dim.of(ix.length));
        } else {
            throw m.problem("gathers indices " + Arrays.toString(ix) + " of a value; netc takes one position or a run");
        }
        index(m, 0, x, items, shape);
    }

    private static boolean isRun(long[] ix) {
        for (int i = 1; i < ix.length; i++) if (ix[i] != ix[0] + i) return false;
        return true;
    }

    /** Split into slices along an axis: sizes from the attribute (before opset 13), the input, or equal parts. */
    private static void split(OnnxImporter m) {
        Value.Net x = m.net(0);
        int axis = m.axis(x, m.attrInt("axis", 0)), parts = m.node.getOutputCount();
        Dim d = x.shape().get(axis);
        if (d.isSymbolic()) throw m.problem("splits the symbolic dimension " + d);
        long[] sizes = m.attrInts("split");
        if (sizes == null && m.in(1) != null) sizes = m.known(1, "split").asLongs();
        if (sizes == null) {
            sizes = new long[parts];
            long each = (d.size() + parts - 1) / parts;
            for (int i = 0; i < parts; i++) sizes[i] = Math.min(each, d.size() - each * i);
        }
        if (sizes.length != parts) throw m.problem("gives " + sizes.length + " sizes for " + parts + " outputs");
        long from = 0;
        for (int i = 0; i < parts; i++) {
            String[] items = new String[x.rank()];
            items[axis] = from + ":" + (from + sizes[i]);
            List<Dim> shape = new ArrayList<>(x.shape());
            shape.set(axis, Dim.of((int) sizes[i]));
            index(m, i, x, items, shape);
            from += sizes[i];
        }
    }

    /** Pad with zeros around the last one or two axes ({@code pad(x, [left, right, top, bottom])}). */
    private static void pad(OnnxImporter m) {
        Value.Net x = m.net(0);
        if (!m.attrString("mode", "constant").equals("constant")) throw m.problem("pads by " + m.attrString("mode", "") + "; netc pads with zeros");
        long[] pads = m.opset >= 11 ? m.known(1, "pads").asLongs() : m.attrInts("pads");
        if (pads == null || pads.length != 2 * x.rank() && m.in(3) == null) throw m.problem("needs two pads for each axis");
        double value = m.opset >= 11 ? (m.in(2) == null ? 0 : m.known(2, "value").at(0)) : m.attrFloat("value", 0);

        int r = x.rank();
        long[] full = new long[2 * r];
        if (m.in(3) != null) {
            long[] axes = m.known(3, "axes").asLongs();
            for (int i = 0; i < axes.length; i++) {
                int a = m.axis(x, axes[i]);
                full[a] = pads[i];
                full[a + r] = pads[i + axes.length];
            }
        } else {
            full = pads;
        }
        List<String> fpad = new ArrayList<>();
        List<Dim> shape = new ArrayList<>(x.shape());
        for (int a = 0; a < r; a++) {
            boolean padded = full[a] != 0 || full[a + r] != 0;
            if (full[a] < 0 || full[a + r] < 0) throw m.problem("crops (negative pads)");
            if (padded && a < r - 2) throw m.problem("pads axis " + a + "; netc pads the last two axes");
            if (padded) shape.set(a, Dim.of((int) (x.shape().get(a).size() + full[a] + full[a + r])));
        }
        for (int a = r - 1; a >= Math.max(0, r - 2); a--) {
            fpad.add(Long.toString(full[a]));
            fpad.add(Long.toString(full[a + r]));
        }
        if (fpad.size() == 4 && fpad.get(2).equals("0") && fpad.get(3).equals("0")) fpad = fpad.subList(0, 2);
        if (shape.equals(x.shape())) {
            m.alias(0, x);
            return;
        }
        // another value c than 0: pad(x − c) + c
        String c = value == 0 ? null : OnnxImporter.literal(value);
        m.define(0, c == null ? "pad(" + x.id() + ", " + fpad + ")" : "pad(" + x.id() + " - " + c + ", " + fpad + ") + " + c, shape, x.isInt());
    }

    /** Tile by constant repeats: the value joined to itself along each repeated axis. */
    static void tile(OnnxImporter m) {
        Value.Net x = m.net(0);
        long[] reps = m.known(1, "repeats").asLongs();
        if (reps.length != x.rank()) throw m.problem("repeats " + reps.length + " axes of " + OnnxImporter.shapeText(x.shape()));
        Value.Net v = x;
        int last = -1;
        for (int a = 0; a < reps.length; a++) if (reps[a] != 1) last = a;
        if (last < 0) {
            m.alias(0, x);
            return;
        }
        for (int a = 0; a <= last; a++) {
            if (reps[a] == 1) continue;
            if (reps[a] < 1 || reps[a] > 64) throw m.problem("repeats axis " + a + " " + reps[a] + " times; netc tiles 1 to 64 times");
            Dim d = v.shape().get(a);
            if (d.isSymbolic()) throw m.problem("repeats the symbolic dimension " + d);
            List<Dim> shape = new ArrayList<>(v.shape());
            shape.set(a, Dim.of((int) (d.size() * reps[a])));
            String expr = "concat(" + String.join(", ", Collections.nCopies((int) reps[a], v.id())) + ", axis=" + a + ")";
            v = a == last ? m.define(0, expr, shape, x.isInt()) : m.let(m.stem() + "_" + a, expr, shape, x.isInt());
        }
    }
}
