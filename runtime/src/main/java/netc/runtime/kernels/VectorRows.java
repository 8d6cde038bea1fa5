package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Conv}'s row copies (im2col) and row sums (col2im) with the Vector API, all the rows of one im2col matrix
 * row in one call: the rows of a convolution are short (LeNet's second layer: 10 values), so a call of
 * {@code System.arraycopy} or a scalar loop per row costs more than the values it moves. A copy ends with a vector
 * that overlaps the previous one (the same values written twice); a sum adds its last values one by one. A row
 * shorter than a vector (16-float vectors and 8 to 15 values) is copied as one whole vector, whose extra values land
 * at the start of the next row, before that row is written (the last row is copied one value at a time), and added
 * one value at a time. Loaded by
 * {@link VectorKernels} only when the module is present.
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
}
