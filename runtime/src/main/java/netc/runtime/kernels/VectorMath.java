package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x and the functions built on it, a vector at a time, to float precision: {@code Math.exp} costs 10 to 15 ns an
 * element, and GELU's forward and backward would cost a transformer more than its matrix products.
 * <p>
 * {@link #exp} reduces each x to r = x − n·ln 2 with |r| ≤ ½ ln 2 and n an integer (rounded by adding 1.5·2²³, whose
 * low mantissa bits then hold n), takes e^r from Cephes' polynomial (about 1 ulp), and multiplies by 2^n as two powers
 * of two built from their bits, so that the product over- and underflows as e^x does.
 * <p>
 * A function runs over blocks of {@value #BLOCK} elements in three passes: its exponents (and what else it needs
 * twice) into a per-thread scratch block, e^x over them, and its value from x and those. Vectors never cross a call:
 * C2 boxes a vector passed to a method it does not inline, and whether it inlines a large method depends on what it
 * compiled first; arrays cross calls for free, and a block stays in the L1 cache. The output may be the input (a
 * product's epilogue applies its activation in place). The elements past the last whole vector use
 * {@link Unary#apply(float)}. Loaded by {@link VectorKernels} only when the module is present.
 */
final class VectorMath implements MapKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;
    /** Elements per pass: a multiple of every vector length. */
    private static final int BLOCK = 256;
    /** Each thread's scratch: three blocks. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[3 * BLOCK]);
    private static final float LOG2E = 1.44269504088896341f, ROUND = 12582912f;  // 1.5·2²³
    private static final int ROUND_BITS = 0x4B400000;                            // Float.floatToIntBits(ROUND)
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;  // ln 2 = LN2_HI + LN2_LO
    /** Beyond these, e^x is 0 or ∞ in float (and the reduction stays exact). */
    private static final float EXP_LO = -104f, EXP_HI = 89f;
    private static final float SQRT1_2 = 0.70710678118654752f, INV_SQRT_2PI = 0.39894228040143268f;
    private static final float TANH_C = 0.79788456080286536f, TANH_A = 0.044715f;

    static boolean supported() {
        return F != null;
    }

    @Override
    public boolean map(Unary f, float[] x, float[] g, float[] y, int from, int to) {
        switch (f) {
            case EXP, SIGMOID, GELU, GELU_SLOPE, GELU_TANH, GELU_TANH_SLOPE -> { }
            default -> {
                return false;
            }
        }
        int end = from + (to - from) / L * L;
        float[] s = SCRATCH.get();
        for (int b = from; b < end; b += BLOCK) {
            int n = Math.min(BLOCK, end - b);
            switch (f) {
                case EXP -> exp(x, g, y, b, n, s);
                case SIGMOID -> sigmoid(x, g, y, b, n, s);
                case GELU -> gelu(x, g, y, b, n, s);
                case GELU_SLOPE -> geluSlope(x, g, y, b, n, s);
                case GELU_TANH -> geluTanh(x, g, y, b, n, s);
                default -> geluTanhSlope(x, g, y, b, n, s);
            }
        }
        for (int i = end; i < to; i++) y[i] = g == null ? f.apply(x[i]) : g[i] * f.apply(x[i]);
        return true;
    }

    /** e^x: the exponents are x. */
    private static void exp(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        exp(x, b, s, 0, n);
        for (int k = 0; k < n; k += L) {
            FloatVector v = FloatVector.fromArray(F, s, k);
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /** 1 / (1 + e^−x). */
    private static void sigmoid(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        for (int k = 0; k < n; k += L) FloatVector.fromArray(F, x, b + k).neg().intoArray(s, k);
        exp(s, 0, s, 0, n);
        for (int k = 0; k < n; k += L) {
            FloatVector v = FloatVector.broadcast(F, 1f).div(FloatVector.fromArray(F, s, k).add(1f));
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /**
     * The first pass of Φ(x) = ½·erfc(−x/√2), the standard normal distribution function, from Numerical Recipes' erfcc
     * as {@link Unary#gelu(float)} computes it: for a = |x|/√2 and t = 1/(1 + a/2), erfc(a) = t·e^(P(t) − a²), and Φ(x)
     * is half that for x ≤ 0, one less half of it above. Writes the exponents P(t) − a² at s[0..n) and t at
     * s[BLOCK..BLOCK + n); with {@code density}, −a² = −x²/2 at s[2·BLOCK..), the exponent of the normal density.
     */
    private static void phiExponents(float[] x, int b, int n, float[] s, boolean density) {
        for (int k = 0; k < n; k += L) {
            FloatVector a = FloatVector.fromArray(F, x, b + k).abs().mul(SQRT1_2);
            FloatVector t = FloatVector.broadcast(F, 1f).div(a.fma(0.5f, 1f));
            FloatVector p = t.fma(0.17087277f, -0.82215223f);
            p = p.fma(t, FloatVector.broadcast(F, 1.48851587f));
            p = p.fma(t, FloatVector.broadcast(F, -1.13520398f));
            p = p.fma(t, FloatVector.broadcast(F, 0.27886807f));
            p = p.fma(t, FloatVector.broadcast(F, -0.18628806f));
            p = p.fma(t, FloatVector.broadcast(F, 0.09678418f));
            p = p.fma(t, FloatVector.broadcast(F, 0.37409196f));
            p = p.fma(t, FloatVector.broadcast(F, 1.00002368f));
            p = p.fma(t, FloatVector.broadcast(F, -1.26551223f));
            FloatVector a2 = a.mul(a);
            p.sub(a2).intoArray(s, k);
            t.intoArray(s, BLOCK + k);
            if (density) a2.neg().intoArray(s, 2 * BLOCK + k);
        }
        exp(s, 0, s, 0, n);
        if (density) exp(s, 2 * BLOCK, s, 2 * BLOCK, n);
    }

    /** gelu(x) = x·Φ(x). */
    private static void gelu(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        phiExponents(x, b, n, s, false);
        for (int k = 0; k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k);
            FloatVector half = FloatVector.fromArray(F, s, BLOCK + k).mul(FloatVector.fromArray(F, s, k)).mul(0.5f);
            FloatVector v = xv.mul(half.blend(half.neg().add(1f), xv.compare(VectorOperators.GT, 0f)));
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /** gelu's derivative Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π). */
    private static void geluSlope(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        phiExponents(x, b, n, s, true);
        for (int k = 0; k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k);
            FloatVector half = FloatVector.fromArray(F, s, BLOCK + k).mul(FloatVector.fromArray(F, s, k)).mul(0.5f);
            FloatVector phi = half.blend(half.neg().add(1f), xv.compare(VectorOperators.GT, 0f));
            FloatVector v = xv.mul(INV_SQRT_2PI).fma(FloatVector.fromArray(F, s, 2 * BLOCK + k), phi);
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /**
     * GELU's tanh approximation ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), is x·σ with σ = σ(2u) = 1/(1 + e) and
     * e = e^(−2u) (1 + tanh u = 2σ(2u)), which has no cancellation. Writes e at s[0..n), kept below 10³⁰ so that e·σ
     * is not ∞·0.
     */
    private static void tanhExponentials(float[] x, int b, int n, float[] s) {
        for (int k = 0; k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k);
            xv.mul(xv).fma(TANH_A, 1f).mul(xv).mul(-2f * TANH_C).intoArray(s, k);
        }
        exp(s, 0, s, 0, n);
        for (int k = 0; k < n; k += L) FloatVector.fromArray(F, s, k).min(1e30f).intoArray(s, k);
    }

    /** x·σ(2u), GELU's tanh approximation. */
    private static void geluTanh(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        tanhExponentials(x, b, n, s);
        for (int k = 0; k < n; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, b + k).div(FloatVector.fromArray(F, s, k).add(1f));
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /** Its derivative σ + 2x·σ(1 − σ)·u', with 1 − σ = e·σ, again without cancellation. */
    private static void geluTanhSlope(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        tanhExponentials(x, b, n, s);
        for (int k = 0; k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k), e = FloatVector.fromArray(F, s, k);
            FloatVector sigma = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector du = xv.mul(xv).fma(3 * TANH_A, 1f).mul(2f * TANH_C);
            FloatVector v = e.mul(sigma).mul(sigma).mul(xv).mul(du).add(sigma);
            if (g == null) v.intoArray(y, b + k);
            else v.mul(FloatVector.fromArray(F, g, b + k)).intoArray(y, b + k);
        }
    }

    /** dst[di + k] = e^(src[si + k]) for k &lt; n, n a multiple of the vector length; NaN for NaN. */
    private static void exp(float[] src, int si, float[] dst, int di, int n) {
        for (int k = 0; k < n; k += L) {
            FloatVector c = FloatVector.fromArray(F, src, si + k).max(EXP_LO).min(EXP_HI);
            FloatVector t = c.fma(LOG2E, ROUND);                // ROUND + n
            FloatVector m = t.sub(ROUND);
            FloatVector r = m.mul(-LN2_HI).add(c);              // exact: m·LN2_HI has few bits
            r = m.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
            p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
            p = p.fma(r.mul(r), r).add(1f);
            // 2^m = 2^h · 2^(m − h), h = m/2, each factor a normal float for every m the clamp allows
            IntVector mi = t.reinterpretAsInts().sub(ROUND_BITS);
            IntVector h = mi.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = h.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = mi.sub(h).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(s1).mul(s2).intoArray(dst, di + k);
        }
    }
}
