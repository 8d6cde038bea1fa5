package netc.runtime.kernels;

/**
 * Row operations of {@link Conv}'s im2col and col2im on {@code count} rows of {@code len} values, at least
 * {@link #MIN_LENGTH}, each value copied or added on its own (the same results as the scalar loops). Rows r of the
 * source start at {@code from + r·srcStride}, of the destination at {@code to + r·dstStride}.
 */
interface RowKernel {
    int MIN_LENGTH = 8;

    /**
     * {@code dst[to + r·dstStride + j] = src[from + r·srcStride + j]} for r < count, j < len. Between one row's values
     * and the next row's, dst may be overwritten (the kernel may copy a row longer than it is; never past the last
     * row's values): the caller writes what lies there afterwards.
     */
    void copy(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count);

    /** {@code dst[to + r·dstStride + j] += src[from + r·srcStride + j]} for r < count, j < len. */
    void add(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count);
}
