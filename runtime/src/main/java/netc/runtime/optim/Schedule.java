package netc.runtime.optim;

import java.util.Map;
import netc.runtime.UserError;

/**
 * A learning-rate schedule stepped once per epoch, as torch.optim.lr_scheduler's StepLR, ExponentialLR and
 * CosineAnnealingLR are in the usual training loop.
 */
public interface Schedule {
    /** The learning rate for 0-based {@code epoch} given the base rate and the run's epoch count. */
    double lr(int epoch, double base, int epochs);

    Schedule CONSTANT = (e, base, n) -> base;

    /** Makes a schedule by name: step_decay(step_size=10, gamma=0.1), exponential_decay(gamma=0.95), cosine(t_max=epochs, eta_min=0). */
    static Schedule create(String name, Map<String, ?> args) {
        return switch (name) {
            case "step_decay" -> {
                int step = (int) num(args, "step_size", 10);
                double gamma = num(args, "gamma", 0.1);
                yield (e, base, n) -> base * Math.pow(gamma, Math.floorDiv(e, step));
            }
            case "exponential_decay" -> {
                double gamma = num(args, "gamma", 0.95);
                yield (e, base, n) -> base * Math.pow(gamma, e);
            }
            case "cosine" -> {
                double etaMin = num(args, "eta_min", 0);
                Object tmax = args.get("t_max");
                yield (e, base, n) -> {
                    double t = tmax instanceof Number x ? x.doubleValue() : n;
                    return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * e / t)) / 2;
                };
            }
            case "constant" -> CONSTANT;
            default -> throw new UserError("unknown learning-rate schedule '" + name + "'");
        };
    }

    private static double num(Map<String, ?> args, String k, double dflt) {
        Object v = args.get(k);
        return v instanceof Number n ? n.doubleValue() : dflt;
    }
}
