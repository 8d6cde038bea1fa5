package netc.compiler.onnx;

import java.util.Arrays;

/**
 * A tensor known at import time: an initializer, a {@code Constant} node's value or a folded result. Float types
 * (float, double, float16, bfloat16) are held as floats, integer and bool types as longs; {@code dims} is the shape
 * (empty for a scalar).
 */
record Const(long[] dims, float[] floats, long[] longs) {
    static Const ofFloats(long[] dims, float[] values) {
        return new Const(dims, values, null);
    }

    static Const ofLongs(long[] dims, long[] values) {
        return new Const(dims, null, values);
    }

    static Const scalar(long v) {
        return ofLongs(new long[0], new long[] {v});
    }

    static Const vector(long... v) {
        return ofLongs(new long[] {v.length}, v);
    }

    boolean isFloat() {
        return floats != null;
    }

    int size() {
        return isFloat() ? floats.length : longs.length;
    }

    int rank() {
        return dims.length;
    }

    /** Element i as a double. */
    double at(int i) {
        return isFloat() ? floats[i] : longs[i];
    }

    /** Element i as a long (a float is truncated). */
    long longAt(int i) {
        return isFloat() ? (long) floats[i] : longs[i];
    }

    /** The elements as longs: shapes, axes, indices. */
    long[] asLongs() {
        if (!isFloat()) return longs;
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) floats[i];
        return out;
    }

    /** The elements as floats: weights. */
    float[] asFloats() {
        if (isFloat()) return floats;
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) out[i] = longs[i];
        return out;
    }

    /** The same elements under another shape (of as many elements). */
    Const reshaped(long... newDims) {
        return new Const(newDims, floats, longs);
    }

    /** The dims as ints (they are checked to fit when the tensor is read). */
    int[] intDims() {
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) d[i] = (int) dims[i];
        return d;
    }

    /** Every element times {@code k} (floats). */
    Const scaled(float k) {
        float[] src = asFloats(), out = new float[src.length];
        for (int i = 0; i < out.length; i++) out[i] = src[i] * k;
        return ofFloats(dims, out);
    }

    @Override
    public String toString() {
        return "Const" + Arrays.toString(dims);
    }

    /** Element i's coordinates in this shape. */
    long[] coords(long i) {
        long[] c = new long[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            c[d] = i % dims[d];
            i /= dims[d];
        }
        return c;
    }

    private int flat(long[] c) {
        long idx = 0;
        for (int d = 0; d < dims.length; d++) idx = idx * dims[d] + c[d];
        return (int) idx;
    }

    /** A tensor of shape {@code shape} whose element at each coordinate c is this one's at {@code from(c)}. */
    private Const gather(long[] shape, java.util.function.UnaryOperator<long[]> from) {
        long n = 1;
        for (long d : shape) n *= d;
        Const probe = new Const(shape, null, null);
        float[] f = isFloat() ? new float[(int) n] : null;
        long[] l = isFloat() ? null : new long[(int) n];
        for (int i = 0; i < n; i++) {
            int src = flat(from.apply(probe.coords(i)));
            if (f != null) f[i] = floats[src];
            else l[i] = longs[src];
        }
        return new Const(shape, f, l);
    }

    /** Axis {@code perm[d]} of this tensor as axis d. */
    Const permuted(int[] perm) {
        long[] shape = new long[perm.length];
        for (int d = 0; d < perm.length; d++) shape[d] = dims[perm[d]];
        return gather(shape, c -> {
            long[] src = new long[c.length];
            for (int d = 0; d < c.length; d++) src[perm[d]] = c[d];
            return src;
        });
    }

    /** This tensor broadcast to {@code shape} (NumPy's rule: dimensions lined up at the end, a dimension of 1 repeated). */
    Const expanded(long[] shape) {
        int lead = shape.length - dims.length;
        return gather(shape, c -> {
            long[] src = new long[dims.length];
            for (int d = 0; d < src.length; d++) src[d] = dims[d] == 1 ? 0 : c[d + lead];
            return src;
        });
    }

    /** Along each axis a, {@code len[a]} elements from {@code start[a]} by {@code step[a]}. */
    Const sliced(long[] start, long[] step, long[] len) {
        return gather(len, c -> {
            long[] src = new long[c.length];
            for (int d = 0; d < c.length; d++) src[d] = start[d] + c[d] * step[d];
            return src;
        });
    }

    /** Tensors joined along an axis (the same kind of elements, the same other dimensions). */
    static Const concat(java.util.List<Const> parts, int axis) {
        long[] shape = parts.get(0).dims().clone();
        shape[axis] = 0;
        for (Const p : parts) shape[axis] += p.dims()[axis];
        long[] offsets = new long[parts.size()];
        for (int i = 1; i < offsets.length; i++) offsets[i] = offsets[i - 1] + parts.get(i - 1).dims()[axis];
        long n = 1;
        for (long d : shape) n *= d;
        boolean f = parts.get(0).isFloat();
        float[] fo = f ? new float[(int) n] : null;
        long[] lo = f ? null : new long[(int) n];
        Const probe = new Const(shape, null, null);
        for (int i = 0; i < n; i++) {
            long[] c = probe.coords(i);
            int k = offsets.length - 1;
            while (offsets[k] > c[axis]) k--;
            c[axis] -= offsets[k];
            Const p = parts.get(k);
            if (f) fo[i] = (float) p.at(p.flat(c));
            else lo[i] = p.longAt(p.flat(c));
        }
        return new Const(shape, fo, lo);
    }
}
