package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Conv}'s row copies (im2col) and row sums (col2im) with the Vector API, all the rows of one im2col matrix
 * row in one call: the rows of a convolution are short (LeNet's second layer: 10 values), so a call of
 * {@code System.arraycopy} or a scalar loop per row costs more than the values it moves. A copy ends with a vector
 * that overlaps the previous one (the same values written twice); a sum adds its last values one by one. A row
 * shorter than a vector (16-float vectors and 8 to 15 values) is copied as one whole vector, whose extra values land
 * at the start of the next row, before that row is written (the last row is copied one value at a time), and added
 * one value at a time. And {@link Pool}'s 2×2 max pooling and its gradient, half a vector of windows at a time, and
 * {@link Sums}' runs and column sums.
 * Loaded by {@link VectorKernels} only when the module is present.
 */
final class VectorRows implements RowKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;

    static boolean supported() {
        return F != null;
    }

    // Every vector here is of the kernels' one species: a second species (8-float vectors for the short rows of a
    // 16-float machine) makes C2 see two vector classes where the Vector API's shared code is inlined, and box
    // every vector of every kernel on the heap; masked loads and stores box on JDK 17 as well.

    @Override
    public void copy(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count) {
        for (int r = 0; r < count; r++, from += srcStride, to += dstStride) {
            if (len < L) {
                // one whole vector, its values past len spilling into the next row, which is written after this one
                if (r < count - 1 && from + L <= src.length) {
                    FloatVector.fromArray(F, src, from).intoArray(dst, to);
                } else {
                    for (int j = 0; j < len; j++) dst[to + j] = src[from + j];
                }
                continue;
            }
            int j = 0;
            for (; j + L <= len; j += L) FloatVector.fromArray(F, src, from + j).intoArray(dst, to + j);
            if (j < len) FloatVector.fromArray(F, src, from + len - L).intoArray(dst, to + len - L);
        }
    }

    @Override
    public void add(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count) {
        for (int r = 0; r < count; r++, from += srcStride, to += dstStride) {
            int j = 0;
            for (; j + L <= len; j += L) {
                FloatVector.fromArray(F, dst, to + j).add(FloatVector.fromArray(F, src, from + j)).intoArray(dst, to + j);
            }
            for (; j < len; j++) dst[to + j] += src[from + j];
        }
    }

    /**
     * L/2 windows per vector, as {@link #max2x2}: lanes 2t of the four corner loads are window t's values, and lane 2t
     * of their maximum m (by MAX: NaN if any is NaN) its maximum. The window's dy, spread to lanes 2t and 2t + 1, goes
     * to the first corner equal to m or NaN: a chain of blends takes it from the rest for each corner in turn, and the
     * top row's two corners (lanes 2t and 2t + 1) are stored as one vector, the bottom row's as another. A row's last
     * vector overlaps the one before it; a row of fewer windows is one vector whose lanes past it land on the rows after
     * it, which are written afterwards. Each value is written, not added (the windows do not overlap), plus 0 so that a
     * −0 is stored as +0, as adding into zeros would.
     */
    @Override
    public int maxGrad2x2(float[] dy, float[] x, float[] dx, int from, int to, int h, int w, int oh, int ow) {
        int half = L / 2, plane = h * w;
        // the planes whose loads stay inside x and dy, and whose stores (reaching L − 1 values past the plane for
        // short rows) stay inside [from, to)
        int end = Math.min(to, Math.min((x.length - L) / plane, (dy.length - L) / (oh * ow)));
        if (ow < half) end = Math.min(end, to - (L + plane - 1) / plane);
        FloatVector zero = FloatVector.zero(F);
        for (int p = from; p < end; p++) {
            for (int i = 0; i < oh; i++) {
                int out = (p * oh + i) * ow, top = (p * h + 2 * i) * w;
                for (int j0 = 0; j0 < ow; j0 += half) {
                    int j = Math.max(0, Math.min(j0, ow - half)), a = top + 2 * j;
                    FloatVector v0 = FloatVector.fromArray(F, x, a), v1 = FloatVector.fromArray(F, x, a + 1);
                    FloatVector v2 = FloatVector.fromArray(F, x, a + w), v3 = FloatVector.fromArray(F, x, a + w + 1);
                    FloatVector m = v0.lanewise(VectorOperators.MAX, v1)
                            .lanewise(VectorOperators.MAX, v2.lanewise(VectorOperators.MAX, v3));
                    FloatVector rest = FloatVector.fromArray(F, dy, out + j).rearrange(HALVES);
                    VectorMask<Float> here = first(v0, m);
                    FloatVector c0 = zero.blend(rest, here);
                    rest = rest.blend(zero, here);
                    here = first(v1, m);
                    FloatVector c1 = zero.blend(rest, here);
                    rest = rest.blend(zero, here);
                    here = first(v2, m);
                    FloatVector c2 = zero.blend(rest, here), c3 = rest.blend(zero, here);
                    c0.blend(c1.rearrange(PAIRS), ODD).add(zero).intoArray(dx, a);
                    c2.blend(c3.rearrange(PAIRS), ODD).add(zero).intoArray(dx, a + w);
                }
            }
        }
        return Math.max(from, end);
    }

    /**
     * Half a vector of windows at a time: the maximum of the four corner loads in lanes 2t,
     * those lanes moved to the vector's first half and the whole vector stored, its second half landing on the
     * windows that the row's next vector (or the next rows' first) writes afterwards. A row of fewer windows (LeNet's
     * second pooling: 5) is one vector whose lanes past it are dropped the same way (up to the plane whose loads
     * would leave x). The windows whose vector would reach past the planes' last output are done one by one.
     */
    @Override
    public int max2x2(float[] x, float[] y, int from, int to, int h, int w, int oh, int ow) {
        int half = L / 2, end = to * oh * ow;
        to = loadsInside(x, from, to, h, w, ow);
        for (int p = from; p < to; p++) {
            for (int i = 0; i < oh; i++) {
                int out = (p * oh + i) * ow, top = (p * h + 2 * i) * w;
                for (int j0 = 0; j0 < ow; j0 += half) {
                    int j = Math.max(0, Math.min(j0, ow - half)), a = top + 2 * j;
                    if (out + j + L > end) {
                        for (int t = j; t < ow; t++, a += 2) {
                            y[out + t] = Math.max(Math.max(x[a], x[a + 1]), Math.max(x[a + w], x[a + w + 1]));
                        }
                        break;
                    }
                    FloatVector v0 = FloatVector.fromArray(F, x, a), v1 = FloatVector.fromArray(F, x, a + 1);
                    FloatVector v2 = FloatVector.fromArray(F, x, a + w), v3 = FloatVector.fromArray(F, x, a + w + 1);
                    v0.max(v1).max(v2.max(v3)).rearrange(EVENS).intoArray(y, out + j);
                }
            }
        }
        return to;
    }

    @Override
    public float sum(float[] a, int from, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(F, a, from + j));
            s1 = s1.add(FloatVector.fromArray(F, a, from + j + L));
            s2 = s2.add(FloatVector.fromArray(F, a, from + j + 2 * L));
            s3 = s3.add(FloatVector.fromArray(F, a, from + j + 3 * L));
        }
        for (; j + L <= n; j += L) s0 = s0.add(FloatVector.fromArray(F, a, from + j));
        // the lanes added in a fixed order (reduceLanes leaves it open: compiled and interpreted could differ)
        float[] lanes = LANES.get();
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
        for (int half = L / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++) lanes[i] += lanes[i + half];
        }
        float s = lanes[0];
        for (; j < n; j++) s += a[from + j];
        return s;
    }

    @Override
    public void sumColumns(float[] x, int rows, int stride, float[] out, int from, int to) {
        int c = from;
        for (; c + 4 * L <= to; c += 4 * L) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int r = 0, at = c; r < rows; r++, at += stride) {
                s0 = s0.add(FloatVector.fromArray(F, x, at));
                s1 = s1.add(FloatVector.fromArray(F, x, at + L));
                s2 = s2.add(FloatVector.fromArray(F, x, at + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, at + 3 * L));
            }
            s0.intoArray(out, c);
            s1.intoArray(out, c + L);
            s2.intoArray(out, c + 2 * L);
            s3.intoArray(out, c + 3 * L);
        }
        for (; c + L <= to; c += L) {
            FloatVector s = FloatVector.zero(F);
            for (int r = 0, at = c; r < rows; r++, at += stride) s = s.add(FloatVector.fromArray(F, x, at));
            s.intoArray(out, c);
        }
        if (c < to) Sums.columnsInLoops(x, rows, stride, out, c, to);
    }

    /**
     * The end of the planes of [from, to) whose vector loads stay inside x: a row shorter than half a vector's lanes
     * is read a whole vector at a time, which may reach past the next plane.
     */
    private static int loadsInside(float[] x, int from, int to, int h, int w, int ow) {
        return ow < L / 2 ? Math.max(from, Math.min(to, (x.length - L) / (h * w))) : to;
    }

    /** Lane 2i to lane i (the second half repeats the first). */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(F, i -> 2 * i % L);
    /** Lane i to lanes 2i and 2i + 1 (of the first half). */
    private static final VectorShuffle<Float> HALVES = VectorShuffle.fromOp(F, i -> i / 2);
    /** Lane 2i to lanes 2i and 2i + 1. */
    private static final VectorShuffle<Float> PAIRS = VectorShuffle.fromOp(F, i -> i & ~1);
    /** The odd lanes. */
    private static final VectorMask<Float> ODD = VectorMask.fromLong(F, 0xAAAA_AAAAL & ((1L << L) - 1));

    /**
     * Lanes where v is the maximum m or a NaN: the corners that may hold the window's first maximum. (A NaN is found
     * by {@code v != v}: the IS_NAN test boxes its vectors on JDK 17.)
     */
    private static VectorMask<Float> first(FloatVector v, FloatVector m) {
        return v.compare(VectorOperators.EQ, m).or(v.compare(VectorOperators.NE, v));
    }

    /** A vector's lanes, per thread: {@link #sum}'s last sums. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);
}
