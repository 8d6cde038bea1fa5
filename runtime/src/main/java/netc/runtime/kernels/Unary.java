package netc.runtime.kernels;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The scalar functions of one argument, each defined once: its value (in double precision, as every kernel computes
 * it), and the Java expression that generated kernels inline for it. The compiler's constant folding computes with
 * {@link #apply(double)}, its elementwise kernels are written with {@link #java}, and the epilogue of the matrix
 * products and convolutions applies {@link #apply(float)} to each value it stores; a test checks that the two forms
 * agree bit for bit. An activation that can run in that epilogue says so ({@link #epilogue()}).
 */
public enum Unary {
    /** x: a product or convolution without an activation. */
    IDENTITY(x -> x, "%s", false, true),
    NEG(x -> -x, "-%s", false, false),
    EXP(Math::exp, "Math.exp(%s)", true, false),
    LOG(Math::log, "Math.log(%s)", true, false),
    /** The base-2 logarithm, as torch.log2. */
    LOG2(x -> Math.log(x) / 0.6931471805599453, "(Math.log(%s) / 0.6931471805599453)", true, false),
    /** The base-10 logarithm, as torch.log10. */
    LOG10(Math::log10, "Math.log10(%s)", true, false),
    SQRT(Math::sqrt, "Math.sqrt(%s)", true, false),
    ABS(Math::abs, "Math.abs(%s)", false, false),
    /** −1, 0 or 1. */
    SIGN(Math::signum, "Math.signum(%s)", false, false),
    /** The step of the course's perceptron ({@code step} in a model): 1 where x ≥ 0, else 0, torch.heaviside(x, 1). */
    HEAVISIDE(x -> x >= 0 ? 1 : 0, "(%s >= 0 ? 1 : 0)", false, false),
    ATAN(Math::atan, "Math.atan(%s)", true, false),
    /** max(x, 0). */
    RELU(x -> Math.max(x, 0), "Math.max(%s, 0)", false, true),
    /** 1 / (1 + e^−x). */
    SIGMOID(x -> 1.0 / (1.0 + Math.exp(-x)), "(1.0 / (1.0 + Math.exp(-%s)))", true, true),
    TANH(Math::tanh, "Math.tanh(%s)", true, true);

    private final DoubleUnaryOperator value;
    private final String java;
    private final boolean cast, epilogue;

    /**
     * @param value    the function's value
     * @param java     its Java expression, {@code %s} standing for the argument
     * @param cast     whether the expression is a double that the element type must be cast from
     * @param epilogue whether the products' epilogue can apply it
     */
    Unary(DoubleUnaryOperator value, String java, boolean cast, boolean epilogue) {
        this.value = value;
        this.java = java;
        this.cast = cast;
        this.epilogue = epilogue;
    }

    /** The function's value. */
    public double apply(double x) {
        return value.applyAsDouble(x);
    }

    /** The function's value in float: the double value rounded, as the generated kernels compute it. */
    public float apply(float x) {
        return (float) apply((double) x);
    }

    /** The Java expression of the function of {@code x}, a value of type {@code t} ({@code float} or {@code double}). */
    public String java(String t, String x) {
        String e = String.format(java, x);
        return cast ? "(" + t + ") " + e : e;
    }

    /** Whether the products' and convolutions' epilogue can apply it to the values it stores. */
    public boolean epilogue() {
        return epilogue;
    }

    /** The name a model writes, {@code sigmoid}. */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The name a model writes, as attributes print it. */
    @Override
    public String toString() {
        return lowerName();
    }

    /** The function a model names ({@code relu}), or null when there is none. */
    public static Unary named(String name) {
        for (Unary u : values()) if (u.lowerName().equals(name)) return u;
        return null;
    }
}
