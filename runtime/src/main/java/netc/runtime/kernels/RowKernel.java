package netc.runtime.kernels;

/**
 * Row operations of {@link Conv}'s im2col and col2im on {@code count} rows of {@code len} values, at least
 * {@link #MIN_LENGTH}, each value copied or added on its own (the same results as the scalar loops). Rows r of the
 * source start at {@code from + r·srcStride}, of the destination at {@code to + r·dstStride}. And {@link Pool}'s
 * 2×2 max pooling, a row of windows at a time, and {@link Sums}' runs and column sums.
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

    /**
     * Max pooling's gradient over 2×2 windows with stride 2 that cover x ([planes, 2·oh, 2·ow]) of planes {@code [from,
     * to)}: dx (x's shape) holds each window's dy ([planes, oh, ow]) at the window's first maximum in row-major order, a
     * NaN counting as the maximum (as {@link Pool#maxIndex}), and zeros elsewhere. The loads may reach a vector past a
     * plane, and rows shorter than half a vector write into the planes after: it stops before the planes where the
     * loads would leave x or dy or the stores the planes {@code [from, to)}, and returns the first plane it left to the
     * caller.
     */
    int maxGrad2x2(float[] dy, float[] x, float[] dx, int from, int to, int h, int w, int oh, int ow);

    /**
     * Max pooling's values over 2×2 windows with stride 2 of planes {@code [from, to)} of x into y ([planes, oh, ow]),
     * by {@link Math#max} (NaN if any value is NaN, +0 over −0), as {@link Pool#max}. The loads reach past the planes
     * as above, and it returns the first plane it left to the caller likewise.
     */
    int max2x2(float[] x, float[] y, int from, int to, int h, int w, int oh, int ow);

    /**
     * {@code a[from] + … + a[from + n − 1]} for any n ({@link Sums#sum} calls it from 32 values on): whole vectors
     * added into four vector sums in turn (then into the first alone), those added (the first two, the last two, the
     * pair), their lanes (halves added pairwise: lane i + L/2 into lane i, and so on) and the values past the last
     * whole vector one by one.
     */
    float sum(float[] a, int from, int n);

    /**
     * {@code out[c] = x[c] + x[stride + c] + … + x[(rows − 1)·stride + c]} for c in {@code [from, to)}, each column
     * summed from 0 row after row ({@link Sums#columns}): whole vectors of columns into vector sums held over the rows,
     * four at a time, and the columns past the last whole vector as the scalar loop sums them.
     */
    void sumColumns(float[] x, int rows, int stride, float[] out, int from, int to);
}
