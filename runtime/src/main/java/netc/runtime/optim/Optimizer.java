package netc.runtime.optim;

import netc.runtime.kernels.Parallel;

/**
 * Updates parameters from their gradients with torch.optim's definitions. A generated model's {@code step()} calls
 * {@link #step} once with all its parameters and gradients: one fused update over every element of every parameter,
 * as if they were one array, split over {@link Parallel}'s threads (the biases and small matrices of a model cost no
 * call or hand-off of their own). State (momentum, moments) is kept per parameter index. The update reads each
 * gradient, state and weight once and writes it once: gradient clipping's scale and weight decay are applied inside
 * it, not in passes of their own. Every element is updated on its own, so the result does not depend on the split.
 */
public abstract class Optimizer {
    /**
     * Fewest elements per chunk of a split step; steps over fewer than twice this many run on the calling thread. A
     * chunk of 16K elements moves 256–450 KB of weights, gradients and state (10–20 µs), well above a hand-off's cost:
     * LeNet's 62K parameters take two threads (Adam 55–64 → 27–32 µs of a 600–850 µs step at batch 16 on a 2-core
     * Zen 4; at 32K they stayed on one), and the MLP's 235K up to 14.
     */
    private static final int PARALLEL_GRAIN = 1 << 14;
    protected double lr;
    protected final double weightDecay;
    private Object[] state = new Object[0];
    /** The number of steps taken (calls of {@link #step}). */
    private int steps;
    /** The step in progress, for the parallel body (made once, so a step allocates nothing). */
    private Object[] params, grads;
    private float gradScale;
    /** Where each parameter's elements start in the step's index space (a parameter without gradient has none). */
    private int[] starts = new int[1];
    private final Parallel.Body body = this::updateElements;

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

    /** The number of steps taken so far: 1 during the first step's updates. */
    protected final int steps() {
        return steps;
    }

    /** The arrays of state this optimizer keeps per parameter, each of the parameter's size (Adam: 2, plain SGD: 0). */
    public abstract int stateArrays();

    /** Whether parameter {@code index} has state yet (before its first update it has none). */
    protected final boolean hasState(int index) {
        return index < state.length && state[index] != null;
    }

    /**
     * The optimizer's state as tensors, for checkpoints: {@code optimizer.steps} and each parameter's state arrays as
     * {@code optimizer.<index>.<k>}.
     */
    public java.util.Map<String, netc.runtime.Tensor> exportState() {
        java.util.Map<String, netc.runtime.Tensor> m = new java.util.LinkedHashMap<>();
        m.put("optimizer.steps", netc.runtime.Tensor.ofInts(new int[0], new int[] {steps}));
        for (int i = 0; i < state.length; i++) {
            float[][] s = (float[][]) state[i];
            if (s == null) continue;
            for (int k = 0; k < s.length; k++) m.put("optimizer." + i + "." + k, netc.runtime.Tensor.of(new int[] {s[k].length}, s[k].clone()));
        }
        return m;
    }

    /** Restores what {@link #exportState()} wrote; other tensors of the map are ignored. */
    public void importState(java.util.Map<String, netc.runtime.Tensor> m) {
        netc.runtime.Tensor st = m.get("optimizer.steps");
        steps = st == null ? 0 : st.ints()[0];
        java.util.Map<Integer, java.util.TreeMap<Integer, float[]>> byIndex = new java.util.TreeMap<>();
        for (var e : m.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            if (parts.length != 3 || !parts[0].equals("optimizer")) continue;
            try {
                byIndex.computeIfAbsent(Integer.parseInt(parts[1]), x -> new java.util.TreeMap<>()).put(Integer.parseInt(parts[2]), e.getValue().floats().clone());
            } catch (NumberFormatException ex) {
                throw new netc.runtime.UserError("checkpoint: unexpected tensor " + e.getKey());
            }
        }
        state = new Object[byIndex.isEmpty() ? 0 : java.util.Collections.max(byIndex.keySet()) + 1];
        byIndex.forEach((i, arrays) -> state[i] = arrays.values().toArray(new float[0][]));
    }

    /**
     * One step: updates in place every parameter {@code params[i]} ({@code float[]}) whose gradient {@code grads[i]}
     * is not null, from that gradient times {@code gradScale} (the clipping coefficient of
     * {@link netc.runtime.Model#clipScale()}, 1 without clipping), rounded to float as PyTorch's in-place scaling does.
     * A gradient array may be longer than its parameter; the parameter's length counts.
     */
    public final void step(Object[] params, Object[] grads, float gradScale) {
        steps++;
        beginStep();
        if (starts.length < params.length + 1) starts = new int[params.length + 1];
        int total = 0;
        for (int i = 0; i < params.length; i++) {
            starts[i] = total;
            if (grads[i] == null) continue;
            int size = ((float[]) params[i]).length;
            prepare(i, size);
            total = Math.addExact(total, size);
        }
        starts[params.length] = total;
        this.params = params;
        this.grads = grads;
        this.gradScale = gradScale;
        try {
            Parallel.forRange(total, PARALLEL_GRAIN, body);
        } finally {
            this.params = this.grads = null;
        }
    }

    /** Elements [from, to) of the step's index space: the parts of each parameter they cover. */
    private void updateElements(int from, int to) {
        int i = 0;
        while (starts[i + 1] <= from) i++;
        for (; from < to; i++) {
            int end = Math.min(to, starts[i + 1]);
            if (end > from) updateRange(i, (float[]) params[i], (float[]) grads[i], gradScale, from - starts[i], end - starts[i]);
            from = Math.max(from, end);
        }
    }

    /** This step's constants, once per step before the parameters' {@link #prepare} (steps() is already this step's). */
    protected void beginStep() {
    }

    /** Makes parameter {@code index}'s state (of {@code size} values) ready for this step's updateRange calls. */
    protected abstract void prepare(int index, int size);

    /** The update of elements [from, to) of parameter {@code index}, each element on its own. */
    protected abstract void updateRange(int index, float[] p, float[] g, float scale, int from, int to);

    /** The state buffers of parameter {@code index}, made by {@link #state(int, int, int)} in this step's prepare. */
    protected final float[][] state(int index) {
        return (float[][]) state[index];
    }

    /** The state buffers of a parameter, created on first use with {@code count} arrays of its size. */
    protected final float[][] state(int index, int size, int count) {
        return state(index, size, count, 0f);
    }

    /** As {@link #state(int, int, int)}, the arrays filled with {@code initial} when created. */
    protected final float[][] state(int index, int size, int count, float initial) {
        if (index >= state.length) state = java.util.Arrays.copyOf(state, index + 1);
        float[][] s = (float[][]) state[index];
        if (s == null) {
            s = new float[count][size];
            if (initial != 0) for (float[] a : s) java.util.Arrays.fill(a, initial);
            state[index] = s;
        } else if (s.length < count || s[0].length != size) {
            // state imported from a checkpoint that another optimizer or model wrote
            throw new netc.runtime.UserError("the optimizer state restored for parameter " + index + " is " + s.length + " array"
                    + (s.length == 1 ? "" : "s") + " of " + s[0].length + " values, but " + getClass().getSimpleName() + " keeps "
                    + count + " of " + size);
        }
        return s;
    }

    /** torch.optim's default learning rate of an optimizer (netc's sgd and gd: 0.01). */
    public static double defaultLearningRate(String name) {
        return switch (name) {
            case "adam", "adamw" -> 1e-3;
            case "adadelta" -> 1.0;
            default -> 0.01;
        };
    }

    /**
     * Makes an optimizer by name with torch.optim's argument names and defaults ({@code beta1}, {@code beta2} for the
     * betas of Adam and AdamW, {@code alpha} for RMSprop's smoothing, {@code rho} for Adadelta's).
     */
    public static Optimizer create(String name, java.util.Map<String, ?> args) {
        double lr = num(args, "lr", defaultLearningRate(name));
        double wd = num(args, "weight_decay", name.equals("adamw") ? 0.01 : 0);
        return switch (name) {
            case "sgd", "gd" -> new Sgd(lr, num(args, "momentum", 0), num(args, "dampening", 0), wd,
                    Boolean.TRUE.equals(args.get("nesterov")));
            case "adam", "adamw" -> new Adam(lr, num(args, "beta1", 0.9), num(args, "beta2", 0.999), num(args, "eps", 1e-8), wd,
                    name.equals("adamw"));
            case "adagrad" -> new Adagrad(lr, num(args, "lr_decay", 0), wd, num(args, "initial_accumulator_value", 0), num(args, "eps", 1e-10));
            case "rmsprop" -> new RmsProp(lr, num(args, "alpha", 0.99), num(args, "eps", 1e-8), wd, num(args, "momentum", 0),
                    Boolean.TRUE.equals(args.get("centered")));
            case "adadelta" -> new Adadelta(lr, num(args, "rho", 0.9), num(args, "eps", 1e-6), wd);
            default -> throw new netc.runtime.UserError("unknown optimizer '" + name + "'");
        };
    }

    private static double num(java.util.Map<String, ?> args, String k, double dflt) {
        Object v = args.get(k);
        return v instanceof Number n ? n.doubleValue() : dflt;
    }
}
