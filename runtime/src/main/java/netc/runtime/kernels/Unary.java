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
    /** 1 where x &gt; 0, else 0: relu's derivative, whose gradient {@code dy·step(x)} every relu's backward pass takes. */
    STEP(x -> x > 0 ? 1 : 0, "(%s > 0 ? 1 : 0)", false, false),
    ATAN(Math::atan, "Math.atan(%s)", true, false),
    /** max(x, 0). */
    RELU(x -> Math.max(x, 0), "Math.max(%s, 0)", false, true),
    /** 1 / (1 + e^−x). */
    SIGMOID(x -> 1.0 / (1.0 + Math.exp(-x)), "(1.0 / (1.0 + Math.exp(-%s)))", true, true),
    TANH(Math::tanh, "Math.tanh(%s)", true, true),
    /** x·Φ(x) with Φ the standard normal distribution function, as F.gelu: {@link #gelu(double)}. */
    GELU(Unary::gelu, Unary::gelu, "netc.runtime.kernels.Unary.gelu(%s)", true),
    /** GELU's tanh approximation, as F.gelu(x, approximate="tanh"): {@link #geluTanh(double)}. */
    GELU_TANH(Unary::geluTanh, x -> (float) geluTanh(x), "(%2$s) netc.runtime.kernels.Unary.geluTanh(%1$s)", true),
    /** The derivative of gelu, Φ(x) + x·φ(x). */
    GELU_SLOPE(Unary::geluSlope, Unary::geluSlope, "netc.runtime.kernels.Unary.geluSlope(%s)", false),
    /** The derivative of gelu's tanh approximation. */
    GELU_TANH_SLOPE(Unary::geluTanhSlope, x -> (float) geluTanhSlope(x), "(%2$s) netc.runtime.kernels.Unary.geluTanhSlope(%1$s)", false);

    /** A function of a float, where the float form is computed otherwise than by rounding the double one. */
    @FunctionalInterface
    interface FloatFunction {
        float apply(float x);
    }

    private final DoubleUnaryOperator value;
    private final FloatFunction floatValue;
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
        this.floatValue = x -> (float) value.applyAsDouble(x);
        this.java = java;
        this.cast = cast;
        this.epilogue = epilogue;
    }

    /**
     * A function whose float form is its own ({@code floatValue}); {@code java} names a method overloaded for float and
     * double ({@code %1$s} the argument, {@code %2$s} the element type), so that each kernel calls its own form.
     */
    Unary(DoubleUnaryOperator value, FloatFunction floatValue, String java, boolean epilogue) {
        this.value = value;
        this.floatValue = floatValue;
        this.java = java;
        this.cast = false;
        this.epilogue = epilogue;
    }

    /** The function's value. */
    public double apply(double x) {
        return value.applyAsDouble(x);
    }

    /** The function's value in float, as the generated float kernels compute it: mostly the double value rounded. */
    public float apply(float x) {
        return floatValue.apply(x);
    }

    /**
     * {@code y[i] = f(x[i])} for i in [from, to), as {@link #apply(float)} computes it, or to float precision a vector
     * at a time where the Vector API runs and this function has a vector form ({@link VectorMath}: e^x and the
     * functions built on it, and step, exactly).
     */
    public void map(float[] x, float[] y, int from, int to) {
        mapTimes(x, null, y, from, to);
    }

    /** {@code y[i] = g[i]·f(x[i])} for i in [from, to): a gradient through this function (a slope), as {@link #map}. */
    public void mapTimes(float[] x, float[] g, float[] y, int from, int to) {
        MapKernel v = VectorKernels.math();
        if (v != null && v.map(this, x, g, y, from, to)) return;
        for (int i = from; i < to; i++) y[i] = g == null ? apply(x[i]) : g[i] * apply(x[i]);
    }

    /** Whether {@link #map} computes a vector at a time where the Vector API runs. */
    public boolean vectorised() {
        return this == EXP || this == SIGMOID || this == GELU || this == GELU_SLOPE || this == GELU_TANH || this == GELU_TANH_SLOPE
                || this == STEP;
    }

    /** The Java expression of the function of {@code x}, a value of type {@code t} ({@code float} or {@code double}). */
    public String java(String t, String x) {
        String e = String.format(java, x, t);
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

    // ---- the special functions behind GELU ----

    private static final double SQRT1_2 = 0.7071067811865476, INV_SQRT_2PI = 0.3989422804014327;
    private static final double TANH_C = 0.7978845608028654, TANH_A = 0.044715;  // √(2/π), the cubic's coefficient

    /**
     * The complementary error function erfc(x) = 1 − erf(x), to about 1e-15 relative: for |x| &lt; 2.5 from the series
     * erf(x) = 2/√π · e^(−x²) · Σ x·(2x²)ⁿ / (1·3·…·(2n+1)), whose terms are all positive; beyond, from Laplace's
     * continued fraction erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))).
     */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x), r;
        if (a < 2.5) {
            double x2 = a * a, term = a, sum = a;
            for (int n = 1; term > sum * 1e-17; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
            }
            double erf = 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
            return x < 0 ? 1 + erf : 1 - erf;
        }
        if (a > 27) {
            r = 0;  // below the smallest double
        } else {
            // modified Lentz: the fraction a1/(b1 + a2/(b2 + …)) with a1 = 1, a(j) = (j − 1)/2, b(j) = x
            double tiny = 1e-300, f = tiny, c = f, d = 0;
            for (int j = 1; j < 500; j++) {
                double aj = j == 1 ? 1 : (j - 1) / 2.0;
                d = a + aj * d;
                d = d == 0 ? tiny : d;
                c = a + aj / c;
                c = c == 0 ? tiny : c;
                d = 1 / d;
                double delta = c * d;
                f *= delta;
                if (Math.abs(delta - 1) < 1e-16) break;
            }
            r = Math.exp(-a * a) / Math.sqrt(Math.PI) * f;
        }
        return x < 0 ? 2 - r : r;
    }

    /**
     * erfc to float precision, fast: t·e^(−x² + P(t)) with t = 1/(1 + |x|/2) and P a polynomial of degree 9 (a Chebyshev
     * fit with a relative error below 1.2e-7 for every x, Numerical Recipes' erfcc), computed in double.
     */
    private static double erfcToFloatPrecision(double x) {
        double z = Math.abs(x), t = 1 / (1 + 0.5 * z);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.exp(-z * z + p);
        return x >= 0 ? r : 2 - r;
    }

    /** gelu(x) = x·Φ(x) = x/2 · erfc(−x/√2). */
    public static double gelu(double x) {
        return 0.5 * x * erfc(-x * SQRT1_2);
    }

    /** gelu to float precision. */
    public static float gelu(float x) {
        return (float) (0.5 * x * erfcToFloatPrecision(-x * SQRT1_2));
    }

    /** gelu's derivative Φ(x) + x·φ(x), φ the standard normal density. */
    public static double geluSlope(double x) {
        return 0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** gelu's derivative to float precision. */
    public static float geluSlope(float x) {
        return (float) (0.5 * erfcToFloatPrecision(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
    }

    /** x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(TANH_C * (x + TANH_A * x * x * x)));
    }

    /** The derivative of {@link #geluTanh}: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715·x²), t its tanh. */
    public static double geluTanhSlope(double x) {
        double t = Math.tanh(TANH_C * (x + TANH_A * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * TANH_C * (1 + 3 * TANH_A * x * x);
    }
}
