package netc.compiler.frontend;

import java.util.List;
import java.util.Set;
import netc.compiler.frontend.Ast.*;

/** Reads a parameter's initializer: {@code zeros ones constant(v) uniform(a, b) normal(mean, std) xavier he}. */
final class Initializers {
    record Spec(String kind, List<Double> args) {
    }

    private static final Set<String> BARE = Set.of("zeros", "ones", "xavier", "he");
    private static final Set<String> ALL = Set.of("zeros", "ones", "xavier", "he", "constant", "uniform", "normal");

    private Initializers() {
    }

    /** Without an initializer: zeros for scalars and vectors (biases), xavier for matrices and up. */
    static Spec defaultFor(int[] shape) {
        return new Spec(shape.length <= 1 ? "zeros" : "xavier", List.of());
    }

    /** Other libraries' names for the same initializers. */
    private static final java.util.Map<String, String> ALIASES = java.util.Map.of("glorot", "xavier", "glorot_uniform", "xavier",
            "xavier_uniform", "xavier", "kaiming", "he", "kaiming_normal", "he", "he_normal", "he", "zero", "zeros", "one", "ones");

    private static String suggestion(String name) {
        String alias = ALIASES.get(name.toLowerCase());
        return alias != null ? " (did you mean '" + alias + "'?)" : Names.suggestion(name, ALL);
    }

    private static Spec constant(double v, Expr at) {
        if (!Double.isFinite(v)) throw new BuildError(at.span(), "a constant initializer must be a finite number, got " + v);
        return new Spec("constant", List.of(v));
    }

    static Spec read(Expr e, ModelBuilder b) {
        if (e instanceof Name n && BARE.contains(n.name())) return new Spec(n.name(), List.of());
        if (e instanceof Num n) return constant(n.value(), e);
        if (e instanceof Unary u && u.operand() instanceof Num n) return constant(-n.value(), e);
        if (e instanceof Call c && ALL.contains(c.callee())) {
            CallSite cs = new CallSite(c, b, c.args().stream().map(a -> b.eval(a.value())).toList());
            return switch (c.callee()) {
                case "constant" -> {
                    cs.expect(1, "value");
                    yield constant(cs.number(0, "value", 0), c);
                }
                case "uniform" -> {
                    cs.expect(0, "a", "b");
                    double a = cs.number(0, "a", -0.05), bb = cs.number(1, "b", 0.05);
                    if (!(a <= bb) || !Double.isFinite(a) || !Double.isFinite(bb)) {
                        throw new BuildError(c.span(), "uniform(a, b) needs finite bounds with a <= b, got a = " + a + ", b = " + bb);
                    }
                    yield new Spec("uniform", List.of(a, bb));
                }
                case "normal" -> {
                    cs.expect(0, "mean", "std");
                    double mean = cs.number(0, "mean", 0), std = cs.number(1, "std", 0.01);
                    if (!(std >= 0) || !Double.isFinite(std) || !Double.isFinite(mean)) {
                        throw new BuildError(cs.spanOf(1, "std"), "normal(mean, std) needs a finite mean and a finite std >= 0, got std = " + std);
                    }
                    yield new Spec("normal", List.of(mean, std));
                }
                default -> {
                    cs.expect(0);
                    yield new Spec(c.callee(), List.of());
                }
            };
        }
        String got = e instanceof Name n ? "'" + n.name() + "'" + suggestion(n.name())
                : e instanceof Call c ? "'" + c.callee() + "'" + suggestion(c.callee()) : "this expression";
        throw new BuildError(e.span(), "unknown initializer " + got + "; expected one of zeros, ones, constant(v), uniform(a, b), normal(mean, std), xavier, he");
    }
}
