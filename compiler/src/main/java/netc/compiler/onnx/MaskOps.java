package netc.compiler.onnx;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Dim;
import netc.compiler.onnx.proto.Onnx;

/**
 * The pieces exporters build masks and broadcasts from: {@code Expand}, {@code Trilu}, {@code Equal}, {@code Not} and
 * {@code Where}. Over values known at import they fold (a causal mask, the target shape of an {@code expand(-1, 8,
 * -1)}); over values of the model they become products with a 0/1 mask, which the model holds as a parameter read
 * through {@code stop_gradient} so that fine-tuning leaves it as it is:
 * <ul>
 *   <li>{@code Trilu(x)}: {@code x * mask};
 *   <li>{@code Where(c, x, y)} with c known: {@code x * mask + y * (1 − mask)}, a known side folded into one
 *       constant, and −∞ (a masked score) as {@code log(mask)}, since 0 · ∞ is not 0;
 *   <li>{@code Expand(x, shape)}: {@code x + zeros} of the new sizes.
 * </ul>
 * A condition computed by the model ({@code Where(x > 0, ...)}) is refused in one line.
 */
final class MaskOps {
    private MaskOps() {
    }

    static void apply(OnnxImporter m, Onnx.NodeProto n) {
        switch (n.getOpType()) {
            case "Expand" -> expand(m);
            case "Trilu" -> trilu(m);
            case "Equal" -> equal(m);
            case "Not" -> not(m);
            case "Where" -> where(m);
            default -> throw m.unsupported();
        }
    }

    private static void expand(OnnxImporter m) {
        List<Dim> target = ShapeOps.sizes(m.in(1));
        if (target == null) throw m.problem("needs its shape known at import time");
        for (Dim d : target) if (d.isSymbolic() && d.symbol().startsWith("-")) throw m.problem("expands to the size " + d);
        if (m.in(0) instanceof Value.Known k && target.stream().noneMatch(Dim::isSymbolic)) {
            long[] t = new long[target.size()];
            for (int i = 0; i < t.length; i++) t[i] = target.get(i).size();
            long[] shape = ShapeOps.broadcastDims(m, k.c().dims(), t);
            m.checkFolded(shape);
            m.alias(0, new Value.Known(k.c().expanded(shape)));
            return;
        }
        Value.Net x = m.net(0);
        List<Dim> out = OnnxOps.broadcast(m, x.shape(), target);
        if (out.equals(x.shape())) {
            m.alias(0, x);
            return;
        }
        if (x.isInt()) throw m.problem("expands an int value, which netc does not");
        // a zero tensor with the new sizes and 1 elsewhere, added: x + 0 is x, repeated along the new sizes
        long[] zeros = new long[out.size()];
        int lead = out.size() - x.rank();
        for (int i = 0; i < zeros.length; i++) {
            Dim o = out.get(i), had = i >= lead ? x.shape().get(i - lead) : Dim.of(1);
            if (o.equals(had)) zeros[i] = 1;
            else if (o.isSymbolic()) throw m.problem("expands to the symbolic size " + o + ", which netc does not");
            else zeros[i] = o.size();
        }
        m.checkFolded(zeros);
        Value.Net z = mask(m, "zeros", Const.ofFloats(zeros, new float[(int) count(zeros)]));
        m.define(0, x.id() + " + " + z.id(), out, false);
    }

    /** The upper (or lower) triangle of the last two axes from diagonal k on; the rest 0. */
    private static void trilu(OnnxImporter m) {
        boolean upper = m.attrInt("upper", 1) != 0;
        long k = m.in(1) == null ? 0 : m.known(1, "diagonal").longAt(0);
        Value x = m.in(0);
        List<Dim> shape = x instanceof Value.Net n ? n.shape() : null;
        if (x instanceof Value.Known c) {
            if (c.c().rank() < 2) throw m.problem("has an input of rank " + c.c().rank() + "; Trilu needs rank 2 or more");
            Const keep = triangle(c.c().dims()[c.c().rank() - 2], c.c().dims()[c.c().rank() - 1], k, upper);
            m.alias(0, new Value.Known(select(m, keep, c.c(), zeroLike(c.c()))));
            return;
        }
        if (shape == null || shape.size() < 2) throw m.problem("needs a value of rank 2 or more");
        Dim rows = shape.get(shape.size() - 2), cols = shape.get(shape.size() - 1);
        if (rows.isSymbolic() || cols.isSymbolic()) throw m.problem("keeps a triangle of the symbolic sizes " + rows + "×" + cols + ", which netc does not");
        Value.Net v = m.net(0);
        Value.Net tri = mask(m, "mask", flags(triangle(rows.size(), cols.size(), k, upper)));
        m.define(0, v.id() + " * " + tri.id(), v.shape(), v.isInt());
    }

    /** 1 where element (i, j) of a rows×cols matrix is on or above (upper) or on or below diagonal k, else 0. */
    private static Const triangle(long rows, long cols, long k, boolean upper) {
        long[] keep = new long[(int) (rows * cols)];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) keep[(int) (i * cols + j)] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
        }
        return Const.ofLongs(new long[] {rows, cols}, keep);
    }

    private static void equal(OnnxImporter m) {
        Const a = known(m, 0), b = known(m, 1);
        long[] shape = ShapeOps.broadcastDims(m, a.dims(), b.dims());
        Const x = a.expanded(shape), y = b.expanded(shape);
        long[] out = new long[x.size()];
        for (int i = 0; i < out.length; i++) out[i] = x.at(i) == y.at(i) ? 1 : 0;
        m.alias(0, new Value.Known(Const.ofLongs(shape, out)));
    }

    private static void not(OnnxImporter m) {
        Const a = known(m, 0);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.at(i) == 0 ? 1 : 0;
        m.alias(0, new Value.Known(Const.ofLongs(a.dims(), out)));
    }

    private static void where(OnnxImporter m) {
        Const c = known(m, 0);
        Value a = m.in(1), b = m.in(2);
        if (a instanceof Value.Known x && b instanceof Value.Known y) {
            m.alias(0, new Value.Known(select(m, c, x.c(), y.c())));
            return;
        }
        List<Dim> p = ShapeOps.sizes(a), q = ShapeOps.sizes(b);
        if (p != null && q != null && c.rank() <= 1) {
            // sizes chosen element by element: a shape with symbolic sizes, as exporters compute expand(-1, n, -1)
            int len = Math.max(c.size(), Math.max(p.size(), q.size()));
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < len; i++) out.add(c.at(c.size() == 1 ? 0 : i) != 0 ? p.get(p.size() == 1 ? 0 : i) : q.get(q.size() == 1 ? 0 : i));
            m.alias(0, ShapeOps.dims(out, false));
            return;
        }
        boolean all = true, none = true;
        for (int i = 0; i < c.size(); i++) {
            all &= c.at(i) != 0;
            none &= c.at(i) == 0;
        }
        if (b instanceof Value.Net && !(a instanceof Value.Net)) {
            // the known side second: Where(c, k, x) = Where(not c, x, k)
            long[] flipped = new long[c.size()];
            for (int i = 0; i < flipped.length; i++) flipped[i] = c.at(i) == 0 ? 1 : 0;
            whereNet(m, Const.ofLongs(c.dims(), flipped), m.net(2), 1, none, all);
        } else {
            whereNet(m, c, m.net(1), 2, all, none);
        }
    }

    /**
     * {@code Where(c, x, other)} with x a value of the model: x itself where c holds everywhere, and otherwise
     * {@code x * mask + other'}, where other' is the other side's part where c does not hold (a known side folded into
     * one constant, −∞ as {@code log(mask)}).
     */
    private static void whereNet(OnnxImporter m, Const c, Value.Net x, int otherInput, boolean all, boolean none) {
        List<Dim> cShape = dimsOf(c.dims());
        Value other = m.in(otherInput) instanceof Value.Known k ? k : m.net(otherInput);
        List<Dim> shape = OnnxOps.broadcast(m, OnnxOps.broadcast(m, x.shape(), cShape), other instanceof Value.Net o ? o.shape() : dimsOf(((Value.Known) other).c().dims()));
        if (all && shape.equals(x.shape())) {
            m.alias(0, x);
            return;
        }
        if (none && other instanceof Value.Net o && shape.equals(o.shape())) {
            m.alias(0, o);
            return;
        }
        Value.Net keep = mask(m, "mask", flags(c));
        String kept = x.id() + " * " + keep.id();
        if (other instanceof Value.Net o) {
            m.define(0, kept + " + " + o.id() + " * (1 - " + keep.id() + ")", shape, false);
            return;
        }
        Const k = ((Value.Known) other).c();
        long[] full = ShapeOps.broadcastDims(m, c.dims(), k.dims());
        Const cc = c.expanded(full), kk = k.expanded(full);
        boolean minusInf = true, finite = true;
        float[] rest = new float[cc.size()];
        for (int i = 0; i < rest.length; i++) {
            if (cc.at(i) != 0) continue;
            double v = kk.at(i);
            minusInf &= v == Double.NEGATIVE_INFINITY;
            finite &= Double.isFinite(v);
            rest[i] = (float) v;
        }
        if (finite) {
            Value.Net r = m.constant(m.node.getInput(otherInput) + "_where", Const.ofFloats(full, rest));
            m.define(0, kept + " + " + r.id(), shape, false);
        } else if (minusInf) {
            m.define(0, kept + " + log(" + keep.id() + ")", shape, false);
        } else {
            throw m.problem("selects infinities other than −∞ or NaN from '" + m.node.getInput(otherInput) + "', which netc does not");
        }
    }

    /** A 0/1 (or zero) constant of the model as a value read through {@code stop_gradient}: fine-tuning does not change it. */
    private static Value.Net mask(OnnxImporter m, String what, Const c) {
        if (c.rank() == 0) return m.constant(m.stem() + "_" + what, c);
        Value.Net p = m.constant(m.stem() + "_" + what, c);
        return m.let(m.stem() + "_" + what + "_fixed", "stop_gradient(" + p.id() + ")", p.shape(), false);
    }

    /** Where c is not 0, a's element, else b's; broadcast together. */
    private static Const select(OnnxImporter m, Const c, Const a, Const b) {
        long[] shape = ShapeOps.broadcastDims(m, ShapeOps.broadcastDims(m, c.dims(), a.dims()), b.dims());
        m.checkFolded(shape);
        Const cc = c.expanded(shape), aa = a.expanded(shape), bb = b.expanded(shape);
        boolean f = a.isFloat() || b.isFloat();
        float[] fo = f ? new float[cc.size()] : null;
        long[] lo = f ? null : new long[cc.size()];
        for (int i = 0; i < cc.size(); i++) {
            Const from = cc.at(i) != 0 ? aa : bb;
            if (f) fo[i] = (float) from.at(i);
            else lo[i] = from.longAt(i);
        }
        return f ? Const.ofFloats(shape, fo) : Const.ofLongs(shape, lo);
    }

    private static Const known(OnnxImporter m, int i) {
        Value v = m.in(i);
        if (v instanceof Value.Known k) return k.c();
        if (v == null) throw m.problem("lacks its input " + (i + 1));
        throw m.problem("computes a condition from values of the model, which netc does not; it takes conditions known at import (masks)");
    }

    /** 1 where c is not 0, else 0, as floats. */
    private static Const flags(Const c) {
        float[] f = new float[c.size()];
        for (int i = 0; i < f.length; i++) f[i] = c.at(i) != 0 ? 1 : 0;
        return Const.ofFloats(c.dims(), f);
    }

    private static Const zeroLike(Const c) {
        return c.isFloat() ? Const.ofFloats(new long[0], new float[1]) : Const.scalar(0);
    }

    private static List<Dim> dimsOf(long[] dims) {
        List<Dim> out = new ArrayList<>();
        for (long d : dims) out.add(Dim.of((int) d));
        return out;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
