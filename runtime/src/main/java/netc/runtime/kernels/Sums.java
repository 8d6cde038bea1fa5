package netc.runtime.kernels;

/**
 * The sum of a run of consecutive elements of an array, in a fixed order: a reduction's innermost loop (a
 * convolution's bias gradient sums each channel's H·W values of every sample). A chain of scalar additions sums one
 * value every few cycles, a third of the speed of whole vectors at LeNet's runs of 784 values from L2; so where the
 * Vector API runs, {@link RowKernel#sum} adds whole vectors into four vector sums and their lanes at the end, and
 * elsewhere four interleaved scalar sums run. Either way a result depends only on the values, never on the thread
 * count. In double precision (gradient checks) one sum in order.
 */
public final class Sums {
    private Sums() {
    }

    /** {@code a[from] + … + a[from + n − 1]}, 0 for n = 0. */
    public static float sum(float[] a, int from, int n) {
        RowKernel rows = n >= 4 * RowKernel.MIN_LENGTH ? VectorKernels.rows() : null;
        if (rows != null) return rows.sum(a, from, n);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[from + j];
            s1 += a[from + j + 1];
            s2 += a[from + j + 2];
            s3 += a[from + j + 3];
        }
        for (; j < n; j++) s0 += a[from + j];
        return (s0 + s1) + (s2 + s3);
    }

    /** As {@link #sum(float[], int, int)} in double precision (gradient checks), one value after another. */
    public static double sum(double[] a, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += a[i];
        return s;
    }
}
