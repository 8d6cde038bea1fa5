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

    @Override
    public void update(int index, float[] p, float[] g, float scale) {
        int n = p.length;
        float lr = (float) this.lr, wd = (float) weightDecay;
        if (momentum == 0) {
            for (int i = 0; i < n; i++) p[i] -= lr * (g[i] * scale + wd * p[i]);
            return;
        }
        boolean first = !hasState(index);
        float[] buf = state(index, n, 1)[0];
        float mu = (float) momentum, damp = (float) (1 - dampening);
        for (int i = 0; i < n; i++) {
            float d = g[i] * scale + wd * p[i];
            float b = first ? d : mu * buf[i] + damp * d;
            buf[i] = b;
            p[i] -= lr * (nesterov ? d + mu * b : b);
        }
    }
}
