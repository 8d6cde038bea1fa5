package netc.runtime.optim;

/**
 * torch.optim.RMSprop: a running mean of squared gradients (smoothing {@code alpha}) scales each step; {@code centered}
 * subtracts the square of the running mean gradient; {@code momentum} accumulates the scaled steps.
 */
public final class RmsProp extends Optimizer {
    private final double alpha, eps, momentum;
    private final boolean centered;

    public RmsProp(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        super(lr, weightDecay);
        this.alpha = alpha;
        this.eps = eps;
        this.momentum = momentum;
        this.centered = centered;
    }

    @Override
    public int stateArrays() {
        return 3;
    }

    @Override
    protected void prepare(int index, int size) {
        state(index, size, stateArrays());
    }

    @Override
    protected void updateRange(int index, float[] p, float[] g, float scale, int from, int to) {
        float[][] s = state(index);
        float[] sq = s[0], avgGrad = s[1], buf = s[2];
        float a = (float) alpha, oneMinusA = (float) (1 - alpha), e = (float) eps, wd = (float) weightDecay;
        float mu = (float) momentum, negLr = (float) -lr;
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            sq[i] = sq[i] * a + oneMinusA * d * d;
            float avg;
            if (centered) {
                avgGrad[i] = avgGrad[i] * a + oneMinusA * d;
                avg = (float) Math.sqrt(sq[i] - avgGrad[i] * avgGrad[i]);
            } else {
                avg = (float) Math.sqrt(sq[i]);
            }
            avg += e;
            if (momentum > 0) {
                buf[i] = buf[i] * mu + d / avg;
                p[i] += negLr * buf[i];
            } else {
                p[i] += negLr * d / avg;
            }
        }
    }
}
