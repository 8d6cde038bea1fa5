package netc.runtime.optim;

/** torch.optim.Adagrad: a per-element sum of squared gradients scales each step; the rate decays as lr / (1 + (t − 1)·lr_decay). */
public final class Adagrad extends Optimizer {
    private final double lrDecay, initialAccumulator, eps;

    public Adagrad(double lr, double lrDecay, double weightDecay, double initialAccumulator, double eps) {
        super(lr, weightDecay);
        this.lrDecay = lrDecay;
        this.initialAccumulator = initialAccumulator;
        this.eps = eps;
    }

    @Override
    public int stateArrays() {
        return 1;
    }

    @Override
    protected void prepare(int index, int size) {
        state(index, size, stateArrays(), (float) initialAccumulator);
    }

    @Override
    protected void updateRange(int index, float[] p, float[] g, float scale, int from, int to) {
        float[] sum = state(index)[0];
        float clr = (float) -(lr / (1 + (steps() - 1) * lrDecay));
        float wd = (float) weightDecay, e = (float) eps;
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            sum[i] += d * d;
            float std = (float) Math.sqrt(sum[i]) + e;
            p[i] += clr * d / std;
        }
    }
}
