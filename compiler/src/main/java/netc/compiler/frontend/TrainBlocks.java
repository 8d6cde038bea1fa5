package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import netc.compiler.frontend.Ast.*;
import netc.compiler.ir.TrainConfig;

/** Reads a {@code train { }} block into a {@link TrainConfig}, checking each setting. */
final class TrainBlocks {
    private static final Set<String> KEYS = Set.of("optimizer", "batch", "epochs", "metrics", "shuffle", "seed", "data", "test",
            "lr_schedule", "clip_norm", "validation_split", "early_stopping");
    private static final Set<String> METRICS = Set.of("accuracy", "loss");
    /** Each optimizer's arguments in positional order (torch.optim's names and defaults). */
    static final Map<String, List<String>> OPTIMIZERS = Map.of(
            "sgd", List.of("lr", "momentum", "dampening", "weight_decay", "nesterov"),
            "gd", List.of("lr", "weight_decay"),
            "adam", List.of("lr", "beta1", "beta2", "eps", "weight_decay"),
            "adamw", List.of("lr", "beta1", "beta2", "eps", "weight_decay"),
            "adagrad", List.of("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
            "rmsprop", List.of("lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
            "adadelta", List.of("lr", "rho", "eps", "weight_decay"));
    /** Arguments that are true or false; all others are numbers. */
    private static final Set<String> FLAGS = Set.of("nesterov", "centered");
    /** Each learning-rate schedule's arguments (torch.optim.lr_scheduler's names). */
    static final Map<String, List<String>> SCHEDULES = Map.of(
            "constant", List.of(),
            "step_decay", List.of("step_size", "gamma"),
            "exponential_decay", List.of("gamma"),
            "cosine", List.of("t_max", "eta_min"));

    private TrainBlocks() {
    }

    static TrainConfig read(TrainBlock t, ModelBuilder b) {
        TrainConfig d = TrainConfig.defaults();
        String opt = d.optimizer();
        Map<String, Object> optArgs = d.optimizerArgs();
        int batch = d.batch(), epochs = d.epochs();
        List<String> metrics = d.metrics();
        boolean shuffle = d.shuffle();
        long seed = d.seed();
        String data = null, test = null;
        String schedule = d.schedule();
        Map<String, Object> scheduleArgs = d.scheduleArgs();
        double clipNorm = d.clipNorm(), validationSplit = d.validationSplit();
        int earlyStopping = d.earlyStopping();
        Map<String, Integer> dims = new LinkedHashMap<>();
        Set<String> symbols = b.dimensionSymbols();
        netc.compiler.ir.Span batchSpan = null;
        Set<String> seen = new HashSet<>();
        for (TrainItem it : t.items()) {
            // each setting is checked on its own, so that every wrong one is reported
            try {
                String k = it.key();
                if (!KEYS.contains(k) && !symbols.contains(k)) {
                    Set<String> known = new TreeSet<>(KEYS);
                    known.addAll(symbols);
                    throw new BuildError(it.keySpan(), "unknown training setting '" + k + "'" + Names.suggestion(k, known)
                            + "; settings are " + String.join(", ", known));
                }
                if (!seen.add(k)) throw new BuildError(it.keySpan(), "'" + k + "' is set twice");
                Expr v = it.value();
                if (symbols.contains(k)) {
                    dims.put(k, positive(b.eval(v), v, k));
                    continue;
                }
                switch (k) {
                    case "optimizer" -> {
                        Call c = asCall(v, "expected an optimizer such as sgd(lr=0.1) or adam(lr=1e-3)");
                        opt = c.callee();
                        optArgs = arguments(c, b, OPTIMIZERS, "optimizer");
                    }
                    case "lr_schedule" -> {
                        Call c = asCall(v, "expected a schedule such as cosine or step_decay(step_size=10, gamma=0.1)");
                        schedule = c.callee();
                        scheduleArgs = arguments(c, b, SCHEDULES, "learning-rate schedule");
                    }
                    case "batch" -> {
                        batch = positive(b.eval(v), v, k);
                        batchSpan = it.keySpan();
                    }
                    case "clip_norm" -> {
                        Object o = b.eval(v);
                        if (!(o instanceof NumVal n) || !(n.value() > 0) || Double.isInfinite(n.value())) {
                            throw new BuildError(v.span(), "clip_norm must be a positive number (the largest gradient norm), got " + show(o));
                        }
                        clipNorm = n.value();
                    }
                    case "epochs" -> epochs = positive(b.eval(v), v, k);
                    case "early_stopping" -> earlyStopping = positive(b.eval(v), v, k);
                    case "validation_split" -> {
                        Object o = b.eval(v);
                        if (!(o instanceof NumVal n) || !(n.value() > 0 && n.value() < 1)) {
                            throw new BuildError(v.span(), "validation_split must be a fraction between 0 and 1, such as 0.1, got " + show(o));
                        }
                        validationSplit = n.value();
                    }
                    case "seed" -> seed = integer(b.eval(v), v, k);
                    case "shuffle" -> {
                        Object o = b.eval(v);
                        if (!(o instanceof Boolean bo)) throw new BuildError(v.span(), "shuffle must be true or false");
                        shuffle = bo;
                    }
                    case "data", "test" -> {
                        Object o = b.eval(v);
                        if (!(o instanceof String s)) throw new BuildError(v.span(), k + " must be a string such as \"fashion-mnist\"");
                        if (k.equals("data")) data = s;
                        else test = s;
                    }
                    case "metrics" -> {
                        if (!(v instanceof ListExpr l)) throw new BuildError(v.span(), "metrics must be a list such as [accuracy]");
                        List<String> m = new ArrayList<>();
                        for (Expr x : l.items()) {
                            if (!(x instanceof Name n)) throw new BuildError(x.span(), "expected the name of a metric: accuracy or loss");
                            if (!METRICS.contains(n.name())) {
                                throw new BuildError(x.span(), "unknown metric '" + n.name() + "'" + Names.suggestion(n.name(), METRICS)
                                        + "; metrics are accuracy, loss");
                            }
                            m.add(n.name());
                        }
                        metrics = m;
                    }
                    default -> throw new BuildError(it.keySpan(), "'" + k + "' is not supported yet");
                }
            } catch (BuildError e) {
                b.report(e);
            }
        }
        if (opt.equals("gd") && batchSpan != null) {
            b.report(new BuildError(batchSpan, "gd is full-batch gradient descent: every step uses the whole training set, so it takes no "
                    + "'batch' (use sgd for mini-batches; --batch still overrides)"));
        }
        return new TrainConfig(opt, optArgs, batch, epochs, metrics, shuffle, seed, data, test, schedule, scheduleArgs, clipNorm,
                validationSplit, earlyStopping, Collections.unmodifiableMap(dims));
    }

    /** A call, or a bare name read as a call without arguments ({@code adam} as {@code adam()}). */
    private static Call asCall(Expr v, String expected) {
        if (v instanceof Call call) return call;
        if (v instanceof Name n) return new Call(n.name(), List.of(), false, n.span(), n.span());
        throw new BuildError(v.span(), expected);
    }

    /** The named arguments of an optimizer or schedule call, checked against its known argument list. */
    private static Map<String, Object> arguments(Call c, ModelBuilder b, Map<String, List<String>> known, String what) {
        List<String> names = known.get(c.callee());
        if (names == null) {
            throw new BuildError(c.calleeSpan(), "unknown " + what + " '" + c.callee() + "'" + Names.suggestion(c.callee(), known.keySet())
                    + "; known: " + String.join(", ", new TreeSet<>(known.keySet())));
        }
        CallSite cs = new CallSite(c, b, c.args().stream().map(a -> b.eval(a.value())).toList());
        cs.expect(0, names.toArray(new String[0]));
        Map<String, Object> args = new LinkedHashMap<>();
        Map<String, netc.compiler.ir.Span> spans = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (!cs.has(i, n)) continue;
            Object o = cs.raw(i, n);
            netc.compiler.ir.Span at = cs.spanOf(i, n);
            if (FLAGS.contains(n)) {
                if (!(o instanceof Boolean bo)) throw new BuildError(at, c.callee() + ": '" + n + "' must be true or false, got " + show(o));
                args.put(n, bo);
            } else {
                if (!(o instanceof NumVal v) || !Double.isFinite(v.value())) {
                    throw new BuildError(at, c.callee() + ": '" + n + "' must be a number, got " + show(o));
                }
                String problem = check(n, v);
                if (problem != null) throw new BuildError(at, c.callee() + ": '" + n + "' " + problem + ", got " + show(o));
                args.put(n, v.value());
            }
            spans.put(n, at);
        }
        if (Boolean.TRUE.equals(args.get("nesterov"))) {
            double momentum = ((Number) args.getOrDefault("momentum", 0.0)).doubleValue();
            double dampening = ((Number) args.getOrDefault("dampening", 0.0)).doubleValue();
            if (momentum <= 0) throw new BuildError(spans.get("nesterov"), c.callee() + ": nesterov momentum needs momentum > 0");
            if (dampening != 0) throw new BuildError(spans.get("dampening"), c.callee() + ": nesterov momentum needs dampening = 0");
        }
        return args;
    }

    /** What is wrong with value {@code v} of optimizer or schedule argument {@code name}, or null (torch.optim's checks and a few more). */
    private static String check(String name, NumVal v) {
        double x = v.value();
        return switch (name) {
            case "lr" -> x > 0 ? null : "must be positive";
            case "weight_decay", "momentum", "eps", "lr_decay", "initial_accumulator_value", "eta_min" -> x >= 0 ? null : "must be at least 0";
            case "dampening", "alpha", "rho" -> x >= 0 && x <= 1 ? null : "must be between 0 and 1";
            case "beta1", "beta2" -> x >= 0 && x < 1 ? null : "must be at least 0 and below 1";
            case "gamma" -> x > 0 ? null : "must be positive";
            case "step_size", "t_max" -> v.integral() && x > 0 ? null : "must be a positive integer";
            default -> null;
        };
    }

    private static String show(Object o) {
        if (o instanceof NumVal n) return n.integral() ? Long.toString((long) n.value()) : Double.toString(n.value());
        if (o instanceof String str) return "\"" + str + "\"";
        if (o instanceof Boolean bo) return bo.toString();
        if (o instanceof List<?>) return "a list";
        return "a tensor";
    }

    private static long integer(Object o, Expr v, String k) {
        if (o instanceof NumVal n && n.integral()) return (long) n.value();
        throw new BuildError(v.span(), k + " must be an integer");
    }

    private static int positive(Object o, Expr v, String k) {
        long n = integer(o, v, k);
        if (n <= 0 || n > Integer.MAX_VALUE) throw new BuildError(v.span(), k + " must be a positive integer, got " + n);
        return (int) n;
    }
}
