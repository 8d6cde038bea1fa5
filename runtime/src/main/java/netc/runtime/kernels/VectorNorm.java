package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LayerNorm}'s float rows a vector at a time: the row sums in vector accumulators (one partial sum per lane,
 * added across the lanes at the end, then the elements past the last whole vector), the row's results a vector at a
 * time. A transformer's rows are short (d = 128: eight 16-float vectors), so the row statistics are scalars
 * returned from small methods and no vector crosses a call. Loaded by {@link VectorKernels} only when the module is
 * present.
 */
final class VectorNorm implements NormKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;

    static boolean supported() {
        return F != null;
    }

    @Override
    public void forward(float[] x, float[] w, float[] b, float[] y, int d, float eps, int from, int to) {
        int end = d / L * L;
        for (int r = from; r < to; r++) {
            int o = r * d;
            float mean = mean(x, o, d), rstd = rstd(x, o, d, mean, eps);
            FloatVector m = FloatVector.broadcast(F, mean), s = FloatVector.broadcast(F, rstd);
            int j = 0;
            for (; j < end; j += L) {
                FloatVector xh = FloatVector.fromArray(F, x, o + j).sub(m).mul(s);
                xh.fma(FloatVector.fromArray(F, w, j), FloatVector.fromArray(F, b, j)).intoArray(y, o + j);
            }
            for (; j < d; j++) y[o + j] = (x[o + j] - mean) * rstd * w[j] + b[j];
        }
    }

    @Override
    public void gradient(float[] dy, float[] x, float[] w, float[] dx, int d, float eps, int from, int to) {
        int end = d / L * L;
        for (int r = from; r < to; r++) {
            int o = r * d;
            float mean = mean(x, o, d), rstd = rstd(x, o, d, mean, eps);
            FloatVector m = FloatVector.broadcast(F, mean);
            FloatVector sg = FloatVector.zero(F), sgc = FloatVector.zero(F);
            int j = 0;
            for (; j < end; j += L) {
                FloatVector g = FloatVector.fromArray(F, dy, o + j).mul(FloatVector.fromArray(F, w, j));
                sg = sg.add(g);
                sgc = g.fma(FloatVector.fromArray(F, x, o + j).sub(m), sgc);
            }
            float sumG = sg.reduceLanes(VectorOperators.ADD), sumGc = sgc.reduceLanes(VectorOperators.ADD);
            for (; j < d; j++) {
                float g = dy[o + j] * w[j];
                sumG += g;
                sumGc += g * (x[o + j] - mean);
            }
            float mg = sumG / d, mgx = sumGc * rstd / d;
            // dx = rstd·(g − mg) − (x − mean)·rstd²·mgx
            FloatVector s = FloatVector.broadcast(F, rstd), shift = FloatVector.broadcast(F, -rstd * mg);
            FloatVector slope = FloatVector.broadcast(F, -rstd * rstd * mgx);
            for (j = 0; j < end; j += L) {
                FloatVector g = FloatVector.fromArray(F, dy, o + j).mul(FloatVector.fromArray(F, w, j));
                FloatVector c = FloatVector.fromArray(F, x, o + j).sub(m);
                c.fma(slope, g.fma(s, shift)).intoArray(dx, o + j);
            }
            for (; j < d; j++) dx[o + j] = rstd * (dy[o + j] * w[j] - mg - (x[o + j] - mean) * rstd * mgx);
        }
    }

    @Override
    public void rowStats(float[] x, int d, float eps, float[] stats, int from, int to) {
        for (int r = from; r < to; r++) {
            float mean = mean(x, r * d, d);
            stats[2 * r] = mean;
            stats[2 * r + 1] = rstd(x, r * d, d, mean, eps);
        }
    }

    @Override
    public void paramGradient(float[] dy, float[] x, float[] stats, float[] out, int d, int rows, int from, int to) {
        int j = from;
        for (; j + L <= to; j += L) {
            FloatVector w = FloatVector.zero(F), b = w;
            for (int r = 0, o = j; r < rows; r++, o += d) {
                FloatVector g = FloatVector.fromArray(F, dy, o);
                FloatVector xh = FloatVector.fromArray(F, x, o).sub(stats[2 * r]).mul(stats[2 * r + 1]);
                w = g.fma(xh, w);
                b = b.add(g);
            }
            w.intoArray(out, j);
            b.intoArray(out, d + j);
        }
        if (j < to) LayerNorm.paramGradientInLoops(dy, x, stats, out, d, rows, j, to);
    }

    private static float mean(float[] x, int o, int d) {
        int end = d / L * L, j = 0;
        FloatVector acc = FloatVector.zero(F);
        for (; j < end; j += L) acc = acc.add(FloatVector.fromArray(F, x, o + j));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; j < d; j++) sum += x[o + j];
        return sum / d;
    }

    private static float rstd(float[] x, int o, int d, float mean, float eps) {
        int end = d / L * L, j = 0;
        FloatVector m = FloatVector.broadcast(F, mean), acc = FloatVector.zero(F);
        for (; j < end; j += L) {
            FloatVector c = FloatVector.fromArray(F, x, o + j).sub(m);
            acc = c.fma(c, acc);
        }
        float squares = acc.reduceLanes(VectorOperators.ADD);
        for (; j < d; j++) {
            float c = x[o + j] - mean;
            squares += c * c;
        }
        return (float) (1 / Math.sqrt(squares / d + eps));
    }
}
