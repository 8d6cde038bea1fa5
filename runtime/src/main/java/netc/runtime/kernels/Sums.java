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

    /**
     * The sums of columns {@code [from, to)} of x viewed as {@code rows} rows {@code stride} apart (a dense layer's bias
     * gradient: [batch, units] to [units]): {@code out[c] = x[c] + x[stride + c] + …}, each column from 0, row after
     * row. Where the Vector API runs, {@link RowKernel#sumColumns} holds a vector of columns in a register over the
     * rows; the loop below reads and writes {@code out[c]} for every value, a chain through memory of several cycles
     * an add (128 rows of 256: 11 µs against about 1). Either way the same additions in the same order: the same bits.
     */
    public static void columns(float[] x, int rows, int stride, float[] out, int from, int to) {
        RowKernel kernel = VectorKernels.rows();
        if (kernel != null) kernel.sumColumns(x, rows, stride, out, from, to);
        else columnsInLoops(x, rows, stride, out, from, to);
    }

    /** {@link #columns} in scalar loops, a row at a time. */
    static void columnsInLoops(float[] x, int rows, int stride, float[] out, int from, int to) {
        java.util.Arrays.fill(out, from, to, 0f);
        for (int r = 0, at = 0; r < rows; r++, at += stride) {
            for (int c = from; c < to; c++) out[c] += x[at + c];
        }
    }

    /**
     * A kernel's sums of x viewed as [outer, kept, inner] over outer and inner (a convolution's bias gradient: [batch,
     * C, H·W] to [C]), one object per kernel of a model. The threads take samples: each sums its samples' runs, which
     * the elementwise kernel before it has just written in its own cache, into {@code partial} [outer, kept]; the
     * partial sums are then added sample after sample, as one thread adds them, so the result does not depend on the
     * thread count. (Split by kept element instead, each thread read half its runs from the other core: LeNet's two
     * bias gradients at batch 128 took 56 and 40 µs on one thread, 115 and 84 on two.)
     */
    public static final class OverOuterAndInner {
        /** Fewest values a thread sums (a few µs; LeNet's second bias gradient, 51K values, stayed on one thread at 32K). */
        private static final int GRAIN = 1 << 13;
        private final Parallel.Body body = this::partials;
        private float[] x, partial;
        private int kept, inner;

        /** {@code out[c] = Σ over a and i of x[(a·kept + c)·inner + i]}, with {@code partial} holding outer·kept values. */
        public void sum(float[] x, int outer, int kept, int inner, float[] partial, float[] out) {
            this.x = x;
            this.partial = partial;
            this.kept = kept;
            this.inner = inner;
            try {
                Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, kept * inner)), body);
            } finally {
                this.x = this.partial = null;
            }
            for (int c = 0; c < kept; c++) {
                float s = 0;
                for (int a = 0; a < outer; a++) s += partial[a * kept + c];
                out[c] = s;
            }
        }

        /** Parallel body: the runs of samples [from, to). */
        private void partials(int from, int to) {
            for (int a = from; a < to; a++) {
                for (int c = 0; c < kept; c++) partial[a * kept + c] = Sums.sum(x, (a * kept + c) * inner, inner);
            }
        }
    }

    /** As {@link #sum(float[], int, int)} in double precision (gradient checks), one value after another. */
    public static double sum(double[] a, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += a[i];
        return s;
    }
}
