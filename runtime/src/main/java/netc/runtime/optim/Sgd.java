package netc.runtime.optim;

/** torch.optim.SGD: weight decay, momentum with dampening, Nesterov momentum. */
public final class Sgd extends Optimizer {
    private final double momentum, dampening;
    private final boolean nesterov;

    public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(lr, weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new netc.runtime.UserError("sgd: nesterov momentum needs momentum > 0 and dampening = 0");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    /** Per parameter index, whether this step is its first (its momentum buffer starts as the gradient). */
    private boolean[] first = new boolean[0];

    @Override
    public int stateArrays() {
        return momentum == 0 ? 0 : 1;
    }

    @Override
    protected void prepare(int index, int size) {
        if (momentum == 0) return;
        if (index >= first.length) first = java.util.Arrays.copyOf(first, index + 1);
        first[index] = !hasState(index);
        state(index, size, stateArrays());
    }

    @Override
    protected void updateRange(int index, float[] p, float[] g, float scale, int from, int to) {
        float lr = (float) this.lr, wd = (float) weightDecay;
        if (momentum == 0) {
            for (int i = from; i < to; i++) p[i] -= lr * (g[i] * scale + wd * p[i]);
            return;
        }
        float[] buf = state(index)[0];
        boolean first = this.first[index];
        float mu = (float) momentum, damp = (float) (1 - dampening);
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            float b = first ? d : mu * buf[i] + damp * d;
            buf[i] = b;
            p[i] -= lr * (nesterov ? d + mu * b : b);
        }
    }
}
