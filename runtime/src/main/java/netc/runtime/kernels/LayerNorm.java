package netc.runtime.kernels;

/**
 * Layer normalisation over the rows of x [rows, d], as PyTorch's {@code nn.LayerNorm(d)}: each row's mean and biased
 * variance, {@code x̂ = (x − mean)·rstd} with {@code rstd = 1/√(var + eps)}, and {@code y = x̂·w + b}. Each method
 * handles rows {@code [from, to)} (which the generated code spreads over {@link Parallel}'s threads), reading a row
 * three or four times while it is in the L1 cache. The gradients compute the row statistics again rather than keep
 * them. Float rows run a vector at a time where the Vector API does ({@link VectorNorm}); the double overloads serve
 * gradient checks.
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
     * The gradients in w and b, summed over all {@code rows}: {@code out = [Σ dy·x̂ | Σ dy]} ([2d], w's then b's), the
     * rows added in order (one thread: every row adds into every column).
     */
    public static void paramGradient(float[] dy, float[] x, float[] out, int d, float eps, int rows) {
        java.util.Arrays.fill(out, 0, 2 * d, 0f);
        NormKernel k = VectorKernels.norm();
        if (k != null) {
            k.paramGradient(dy, x, out, d, eps, rows);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            float mean = (float) mean(x, o, d), rstd = (float) rstd(x, o, d, mean, eps);
            for (int j = 0; j < d; j++) {
                out[j] += dy[o + j] * (x[o + j] - mean) * rstd;
                out[d + j] += dy[o + j];
            }
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
