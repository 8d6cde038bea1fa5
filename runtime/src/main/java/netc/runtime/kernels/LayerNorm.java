package netc.runtime.kernels;

/**
 * Layer normalisation over the rows of x [rows, d], as PyTorch's {@code nn.LayerNorm(d)}: each row's mean and biased
 * variance, {@code x̂ = (x − mean)·rstd} with {@code rstd = 1/√(var + eps)}, and {@code y = x̂·w + b}. The forward
 * pass and the input gradient handle rows {@code [from, to)} (which the generated code spreads over {@link Parallel}'s
 * threads), reading a row three or four times while it is in the L1 cache, and compute the row statistics again
 * rather than keep them; the weight and bias gradients ({@link ParamGradient}) split their work over the threads
 * themselves and keep the statistics in a working array between their two passes. Float rows run a vector at a time
 * where the Vector API does ({@link VectorNorm}); the double overloads serve gradient checks.
 */
public final class LayerNorm {
    private LayerNorm() {
    }

    /** {@code y = (x − mean)·rstd·w + b} for rows [from, to); y must not be x. */
    public static void forward(float[] x, float[] w, float[] b, float[] y, int d, float eps, int from, int to) {
        NormKernel k = VectorKernels.norm();
        if (k != null) {
            k.forward(x, w, b, y, d, eps, from, to);
            return;
        }
        for (int r = from; r < to; r++) {
            int o = r * d;
            float mean = (float) mean(x, o, d), rstd = (float) rstd(x, o, d, mean, eps);
            for (int j = 0; j < d; j++) y[o + j] = (x[o + j] - mean) * rstd * w[j] + b[j];
        }
    }

    public static void forward(double[] x, double[] w, double[] b, double[] y, int d, double eps, int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * d;
            double mean = mean(x, o, d), rstd = rstd(x, o, d, mean, eps);
            for (int j = 0; j < d; j++) y[o + j] = (x[o + j] - mean) * rstd * w[j] + b[j];
        }
    }

    /**
     * The gradient in x, from dy: per row, with {@code g = dy·w},
     * {@code dx = rstd·(g − mean(g) − x̂·mean(g·x̂))}, for rows [from, to); dx must not be dy or x.
     */
    public static void gradient(float[] dy, float[] x, float[] w, float[] dx, int d, float eps, int from, int to) {
        NormKernel k = VectorKernels.norm();
        if (k != null) {
            k.gradient(dy, x, w, dx, d, eps, from, to);
            return;
        }
        for (int r = from; r < to; r++) {
            int o = r * d;
            float mean = (float) mean(x, o, d), rstd = (float) rstd(x, o, d, mean, eps);
            double sg = 0, sgx = 0;
            for (int j = 0; j < d; j++) {
                float g = dy[o + j] * w[j];
                sg += g;
                sgx += g * (x[o + j] - mean) * rstd;
            }
            float mg = (float) (sg / d), mgx = (float) (sgx / d);
            for (int j = 0; j < d; j++) dx[o + j] = rstd * (dy[o + j] * w[j] - mg - (x[o + j] - mean) * rstd * mgx);
        }
    }

    public static void gradient(double[] dy, double[] x, double[] w, double[] dx, int d, double eps, int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * d;
            double mean = mean(x, o, d), rstd = rstd(x, o, d, mean, eps), sg = 0, sgx = 0;
            for (int j = 0; j < d; j++) {
                double g = dy[o + j] * w[j];
                sg += g;
                sgx += g * (x[o + j] - mean) * rstd;
            }
            double mg = sg / d, mgx = sgx / d;
            for (int j = 0; j < d; j++) dx[o + j] = rstd * (dy[o + j] * w[j] - mg - (x[o + j] - mean) * rstd * mgx);
        }
    }

    /**
     * The gradients in w and b, summed over all rows of x [rows, d]: {@code out = [Σ dy·x̂ | Σ dy]} ([2d], w's then
     * b's), one object per kernel of a model. Every row adds into every column, so the threads take columns, a vector
     * of them at a time, each summed over the rows in order in registers; the rows' statistics are computed first, the
     * threads taking rows, into {@code stats} [rows, 2]. Each column is the same sum at every thread count.
     */
    public static final class ParamGradient {
        /** Fewest values a thread reads in either pass (a few µs). */
        private static final int GRAIN = 1 << 13;
        private final Parallel.Body statsBody = this::stats, sumsBody = this::sums;
        private float[] dy, x, out, stats;
        private int d, rows, unit;
        private float eps;

        public void compute(float[] dy, float[] x, float[] out, int d, float eps, int rows, float[] stats) {
            this.dy = dy;
            this.x = x;
            this.out = out;
            this.stats = stats;
            this.d = d;
            this.eps = eps;
            this.rows = rows;
            NormKernel k = VectorKernels.norm();
            unit = k != null ? VectorWidth.L : 1;
            try {
                Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, d)), statsBody);
                Parallel.forRange((d + unit - 1) / unit, Math.max(1, GRAIN / Math.max(1, 2 * rows * unit)), sumsBody);
            } finally {
                this.dy = this.x = this.out = this.stats = null;
            }
        }

        /** Parallel body: the statistics of rows [from, to). */
        private void stats(int from, int to) {
            NormKernel k = VectorKernels.norm();
            if (k != null) {
                k.rowStats(x, d, eps, stats, from, to);
                return;
            }
            for (int r = from; r < to; r++) {
                float mean = (float) mean(x, r * d, d);
                stats[2 * r] = mean;
                stats[2 * r + 1] = (float) rstd(x, r * d, d, mean, eps);
            }
        }

        /** Parallel body: the sums of column units [from, to) (vectors of columns, or single ones). */
        private void sums(int from, int to) {
            int j0 = from * unit, j1 = Math.min(d, to * unit);
            NormKernel k = VectorKernels.norm();
            if (k != null) k.paramGradient(dy, x, stats, out, d, rows, j0, j1);
            else paramGradientInLoops(dy, x, stats, out, d, rows, j0, j1);
        }
    }

    /** {@link ParamGradient}'s sums of columns [from, to), one column at a time over the rows. */
    static void paramGradientInLoops(float[] dy, float[] x, float[] stats, float[] out, int d, int rows, int from, int to) {
        for (int j = from; j < to; j++) {
            float w = 0, b = 0;
            for (int r = 0, o = j; r < rows; r++, o += d) {
                w += dy[o] * ((x[o] - stats[2 * r]) * stats[2 * r + 1]);
                b += dy[o];
            }
            out[j] = w;
            out[d + j] = b;
        }
    }

    public static void paramGradient(double[] dy, double[] x, double[] out, int d, double eps, int rows) {
        java.util.Arrays.fill(out, 0, 2 * d, 0);
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double mean = mean(x, o, d), rstd = rstd(x, o, d, mean, eps);
            for (int j = 0; j < d; j++) {
                out[j] += dy[o + j] * (x[o + j] - mean) * rstd;
                out[d + j] += dy[o + j];
            }
        }
    }

    private static double mean(float[] x, int o, int d) {
        double sum = 0;
        for (int j = 0; j < d; j++) sum += x[o + j];
        return sum / d;
    }

    private static double rstd(float[] x, int o, int d, float mean, float eps) {
        double squares = 0;
        for (int j = 0; j < d; j++) {
            float c = x[o + j] - mean;
            squares += c * c;
        }
        return 1 / Math.sqrt(squares / d + eps);
    }

    private static double mean(double[] x, int o, int d) {
        double sum = 0;
        for (int j = 0; j < d; j++) sum += x[o + j];
        return sum / d;
    }

    private static double rstd(double[] x, int o, int d, double mean, double eps) {
        double squares = 0;
        for (int j = 0; j < d; j++) {
            double c = x[o + j] - mean;
            squares += c * c;
        }
        return 1 / Math.sqrt(squares / d + eps);
    }
}
