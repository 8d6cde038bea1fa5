package netc.runtime.optim;

/**
 * torch.optim.Adam (L2 weight decay added to the gradient) or, when {@code decoupled}, torch.optim.AdamW (the weights
 * shrink by lr·weight_decay before the step), in PyTorch's arithmetic order.
 */
public final class Adam extends Optimizer {
    private final double beta1, beta2, eps;
    private final boolean decoupled;

    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, false);
    }

    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(lr, weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.decoupled = decoupled;
    }


    /** This step's constants (see {@link #beginStep}). */
    private float stepSize, sqrtBc2, b1, b2, e, wd, shrink;

    @Override
    public int stateArrays() {
        return 2;
    }

    @Override
    protected void prepare(int index, int size) {
        state(index, size, stateArrays());
    }

    @Override
    protected void beginStep() {
        double bc1 = 1 - Math.pow(beta1, steps()), bc2 = 1 - Math.pow(beta2, steps());
        stepSize = (float) (lr / bc1);
        sqrtBc2 = (float) Math.sqrt(bc2);
        b1 = (float) beta1;
        b2 = (float) beta2;
        e = (float) eps;
        wd = decoupled ? 0 : (float) weightDecay;
        shrink = (float) (1 - lr * weightDecay);
    }

    @Override
    protected void updateRange(int index, float[] p, float[] g, float scale, int from, int to) {
        float[][] s = state(index);
        float[] m = s[0], v = s[1];
        float stepSize = this.stepSize, sqrtBc2 = this.sqrtBc2, b1 = this.b1, b2 = this.b2, e = this.e, wd = this.wd;
        float shrink = this.shrink;
        for (int i = from; i < to; i++) {
            if (decoupled) p[i] *= shrink;
            float d = g[i] * scale + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * d;
            v[i] = b2 * v[i] + (1 - b2) * d * d;
            float denom = (float) Math.sqrt(v[i]) / sqrtBc2 + e;
            p[i] -= stepSize * m[i] / denom;
        }
    }
}
