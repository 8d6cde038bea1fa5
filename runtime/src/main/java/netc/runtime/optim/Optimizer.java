package netc.runtime.optim;

/**
 * Updates parameters from their gradients, one parameter at a time, with torch.optim's definitions.
 * A generated model's {@code step()} calls {@link #begin()} once, then {@link #update} for each parameter
 * that has a gradient. State (momentum, moments) is kept per parameter index.
 */
public abstract class Optimizer {
    protected double lr;
    protected final double weightDecay;
    private Object[] state = new Object[0];

    protected Optimizer(double lr, double weightDecay) {
        this.lr = lr;
        this.weightDecay = weightDecay;
    }

    public double learningRate() {
        return lr;
    }

    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    /** Called once per step before the updates. */
    public void begin() {
    }

    /** Updates parameter {@code index} in place from its gradient. */
    public abstract void update(int index, float[] param, float[] grad);

    /** The state buffers of a parameter, created on first use with {@code count} arrays of its size. */
    protected final float[][] state(int index, int size, int count) {
        if (index >= state.length) state = java.util.Arrays.copyOf(state, index + 1);
        float[][] s = (float[][]) state[index];
        if (s == null) {
            s = new float[count][size];
            state[index] = s;
        }
        return s;
    }

    /** Makes an optimizer by name with torch.optim's argument names ({@code beta1}, {@code beta2} for Adam's betas). */
    public static Optimizer create(String name, java.util.Map<String, ?> args) {
        double lr = num(args, "lr", name.equals("adam") ? 1e-3 : 0.01);
        double wd = num(args, "weight_decay", 0);
        return switch (name) {
            case "sgd", "gd" -> new Sgd(lr, num(args, "momentum", 0), num(args, "dampening", 0), wd,
                    Boolean.TRUE.equals(args.get("nesterov")));
            case "adam" -> new Adam(lr, num(args, "beta1", 0.9), num(args, "beta2", 0.999), num(args, "eps", 1e-8), wd);
            default -> throw new netc.runtime.UserError("unknown optimizer '" + name + "'");
        };
    }

    private static double num(java.util.Map<String, ?> args, String k, double dflt) {
        Object v = args.get(k);
        return v instanceof Number n ? n.doubleValue() : dflt;
    }
}
