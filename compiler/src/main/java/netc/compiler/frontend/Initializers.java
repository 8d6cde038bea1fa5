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

    static Spec read(Expr e, ModelBuilder b) {
        if (e instanceof Name n && BARE.contains(n.name())) return new Spec(n.name(), List.of());
        if (e instanceof Num n) return new Spec("constant", List.of(n.value()));
        if (e instanceof Unary u && u.operand() instanceof Num n) return new Spec("constant", List.of(-n.value()));
        if (e instanceof Call c && ALL.contains(c.callee())) {
            CallSite cs = new CallSite(c, b, c.args().stream().map(a -> b.eval(a.value())).toList());
            return switch (c.callee()) {
                case "constant" -> {
                    cs.expect(1, "value");
                    yield new Spec("constant", List.of(cs.number(0, "value", 0)));
                }
                case "uniform" -> {
                    cs.expect(0, "a", "b");
                    yield new Spec("uniform", List.of(cs.number(0, "a", -0.05), cs.number(1, "b", 0.05)));
                }
                case "normal" -> {
                    cs.expect(0, "mean", "std");
                    yield new Spec("normal", List.of(cs.number(0, "mean", 0), cs.number(1, "std", 0.01)));
                }
                default -> {
                    cs.expect(0);
                    yield new Spec(c.callee(), List.of());
                }
            };
        }
        String got = e instanceof Name n ? "'" + n.name() + "'" + Names.suggestion(n.name(), ALL)
                : e instanceof Call c ? "'" + c.callee() + "'" + Names.suggestion(c.callee(), ALL) : "this expression";
        throw new BuildError(e.span(), "unknown initializer " + got + "; expected one of zeros, ones, constant(v), uniform(a, b), normal(mean, std), xavier, he");
    }
}
