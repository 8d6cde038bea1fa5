package netc.runtime;

import java.util.Arrays;

/**
 * A dense row-major tensor as it crosses the runtime's boundary (files, data sets, model inputs and outputs).
 * Exactly one of {@code floats} and {@code ints} is non-null: float tensors hold values, int tensors hold
 * class indices or tokens (read from I64/I32 files).
 */
public final class Tensor {
    private final int[] shape;
    private final float[] floats;
    private final int[] ints;

    private Tensor(int[] shape, float[] floats, int[] ints) {
        this.shape = shape.clone();
        this.floats = floats;
        this.ints = ints;
        long n = numel(shape);
        long len = floats != null ? floats.length : ints.length;
        if (n != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + len);
        }
    }

    public static Tensor of(int[] shape, float[] data) {
        return new Tensor(shape, data, null);
    }

    public static Tensor ofInts(int[] shape, int[] data) {
        return new Tensor(shape, null, data);
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    public int size() {
        return floats != null ? floats.length : ints.length;
    }

    public boolean isInt() {
        return ints != null;
    }

    /** The float values; for an int tensor, a float copy of them. */
    public float[] floats() {
        if (floats != null) return floats;
        float[] f = new float[ints.length];
        for (int i = 0; i < f.length; i++) f[i] = ints[i];
        return f;
    }

    /** The int values; for a float tensor, a rounded copy of them. */
    public int[] ints() {
        if (ints != null) return ints;
        int[] r = new int[floats.length];
        for (int i = 0; i < r.length; i++) r[i] = Math.round(floats[i]);
        return r;
    }

    /**
     * Where the first NaN or infinity is, as "NaN at [3, 17]", or null when every value is finite (always, for an int
     * tensor).
     */
    public String firstNonFinite() {
        if (floats == null) return null;
        for (int i = 0; i < floats.length; i++) {
            if (Float.isFinite(floats[i])) continue;
            int[] at = new int[shape.length];
            for (int d = shape.length - 1, rest = i; d >= 0; d--) {
                at[d] = rest % shape[d];
                rest /= shape[d];
            }
            return floats[i] + " at " + shapeString(at);
        }
        return null;
    }

    public static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return (isInt() ? "int" : "float") + shapeString(shape);
    }
}
