package netc.runtime.optim;

/**
 * torch.optim.Adadelta: running means (smoothing {@code rho}) of squared gradients and of squared updates; the update
 * is the gradient scaled by √(mean update² + eps) / √(mean gradient² + eps), times lr.
 */
public final class Adadelta extends Optimizer {
    private final double rho, eps;

    public Adadelta(double lr, double rho, double eps, double weightDecay) {
        super(lr, weightDecay);
        this.rho = rho;
        this.eps = eps;
    }

    @Override
    public int stateArrays() {
        return 2;
    }

    @Override
    protected void prepare(int index, int size) {
        state(index, size, stateArrays());
    }

    @Override
    protected void updateRange(int index, float[] p, float[] g, float scale, int from, int to) {
        float[][] s = state(index);
        float[] sq = s[0], acc = s[1];
        float r = (float) rho, oneMinusR = (float) (1 - rho), e = (float) eps, wd = (float) weightDecay, negLr = (float) -lr;
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            sq[i] = sq[i] * r + oneMinusR * d * d;
            float std = (float) Math.sqrt(sq[i] + e);
            float delta = (float) Math.sqrt(acc[i] + e) / std * d;
            acc[i] = acc[i] * r + oneMinusR * delta * delta;
            p[i] += negLr * delta;
        }
    }
}
