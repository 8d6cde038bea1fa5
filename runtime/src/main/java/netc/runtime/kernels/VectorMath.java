package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x and the functions built on it, a vector at a time, to float precision: {@code Math.exp} costs 10 to 15 ns an
 * element, and GELU's forward and backward would cost a transformer more than its matrix products. Each lane of
 * {@link #exp} reduces x to r = x − n·ln 2 with |r| ≤ ½ ln 2 and n an integer (rounded by adding 1.5·2²³, whose
 * low mantissa bits then hold n), takes e^r from Cephes' degree-7 polynomial (about 1 ulp), and multiplies by 2^n as
 * two powers of two built from their bits, so that the product over- and underflows as e^x does. The elements past the
 * last whole vector use {@link Unary#apply(float)}. Loaded by {@link VectorKernels} only when the module is present.
 */
final class VectorMath implements MapKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;
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
        int i = from;
        switch (f) {
            case EXP -> {
                for (; i + L <= to; i += L) store(exp(FloatVector.fromArray(F, x, i)), g, y, i);
            }
            case SIGMOID -> {
                for (; i + L <= to; i += L) store(sigmoid(FloatVector.fromArray(F, x, i)), g, y, i);
            }
            case GELU -> {
                for (; i + L <= to; i += L) store(gelu(FloatVector.fromArray(F, x, i), false), g, y, i);
            }
            case GELU_SLOPE -> {
                for (; i + L <= to; i += L) store(gelu(FloatVector.fromArray(F, x, i), true), g, y, i);
            }
            case GELU_TANH -> {
                for (; i + L <= to; i += L) store(geluTanh(FloatVector.fromArray(F, x, i), false), g, y, i);
            }
            case GELU_TANH_SLOPE -> {
                for (; i + L <= to; i += L) store(geluTanh(FloatVector.fromArray(F, x, i), true), g, y, i);
            }
            default -> {
                return false;
            }
        }
        for (; i < to; i++) y[i] = g == null ? f.apply(x[i]) : g[i] * f.apply(x[i]);
        return true;
    }

    /** v, or g's lanes times v, into y at i. */
    private static void store(FloatVector v, float[] g, float[] y, int i) {
        (g == null ? v : v.mul(FloatVector.fromArray(F, g, i))).intoArray(y, i);
    }

    /** a·b + c: a Horner step. */
    private static FloatVector fma(FloatVector a, FloatVector b, float c) {
        return a.fma(b, FloatVector.broadcast(F, c));
    }

    /** e^x, NaN for NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = c.fma(LOG2E, ROUND);                // ROUND + n
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.mul(-LN2_HI).add(c);   // exact: n·LN2_HI has few bits
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = fma(p, r, 8.3334519073e-3f);
        p = fma(p, r, 4.1665795894e-2f);
        p = fma(p, r, 1.6666665459e-1f);
        p = fma(p, r, 5.0000001201e-1f);
        p = p.fma(r.mul(r), r).add(1f);
        // 2^n = 2^h · 2^(n − h), h = n/2, each factor a normal float for every n the clamp allows
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        IntVector h = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = h.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(h).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** 1 / (1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(F, 1f).div(exp(x.neg()).add(1f));
    }

    /**
     * gelu(x) = x·Φ(x), or with {@code slope} its derivative Φ(x) + x·φ(x), with Φ(x) = ½·erfc(−x/√2) from Numerical
     * Recipes' erfcc as {@link Unary#gelu(float)} computes it: for a = |x|/√2 and t = 1/(1 + a/2), erfc(a) =
     * t·e^(P(t) − a²); Φ(x) is half that for x ≤ 0 and one less half of it above.
     */
    static FloatVector gelu(FloatVector x, boolean slope) {
        FloatVector a = x.abs().mul(SQRT1_2);
        FloatVector t = a.fma(0.5f, 1f);
        t = FloatVector.broadcast(F, 1f).div(t);
        FloatVector p = t.fma(0.17087277f, -0.82215223f);
        p = fma(p, t, 1.48851587f);
        p = fma(p, t, -1.13520398f);
        p = fma(p, t, 0.27886807f);
        p = fma(p, t, -0.18628806f);
        p = fma(p, t, 0.09678418f);
        p = fma(p, t, 0.37409196f);
        p = fma(p, t, 1.00002368f);
        p = fma(p, t, -1.26551223f);
        FloatVector a2 = a.mul(a);
        FloatVector half = t.mul(exp(p.sub(a2))).mul(0.5f);     // ½·erfc(a)
        FloatVector phi = half.blend(half.neg().add(1f), x.compare(VectorOperators.GT, 0f));
        if (!slope) return x.mul(phi);
        return x.mul(INV_SQRT_2PI).fma(exp(a2.neg()), phi);   // φ(x) = e^(−x²/2)/√(2π), x²/2 = a²
    }

    /**
     * GELU's tanh approximation ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), written as x·σ(2u) (1 + tanh u = 2σ(2u)),
     * which has no cancellation; with {@code slope} its derivative σ + 2x·σ(1 − σ)·u', σ = σ(2u).
     */
    static FloatVector geluTanh(FloatVector x, boolean slope) {
        FloatVector x2 = x.mul(x);
        FloatVector u = x2.fma(TANH_A, 1f).mul(x).mul(TANH_C);
        FloatVector e = exp(u.mul(-2f)).min(1e30f);   // finite, so that e·σ is 1 − σ and not ∞·0
        FloatVector s = FloatVector.broadcast(F, 1f).div(e.add(1f));
        if (!slope) return x.mul(s);
        FloatVector du = x2.fma(3 * TANH_A, 1f).mul(TANH_C);
        return e.mul(s).mul(s).mul(x).mul(du).mul(2f).add(s);   // 1 − σ = e·σ, without cancellation
    }
}
