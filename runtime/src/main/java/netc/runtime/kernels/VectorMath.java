package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x and the functions built on it, a vector at a time, to float precision (and relu's derivative, step, exactly):
 * {@code Math.exp} costs 10 to 15 ns an element, and GELU's forward and backward would cost a transformer more than
 * its matrix products. e^x is a polynomial in IEEE arithmetic (within 2 ulp), so that a value is the same bits
 * whether the JIT has compiled the kernel yet or not.
 * <p>
 * A function runs over blocks of {@value #BLOCK} elements in passes: what it needs of x (its exponents, and what else
 * it uses twice) into a per-thread scratch block, e^x over them, then its value from x and those. Vectors never cross
 * a call: C2 boxes a vector passed to a method it does not inline, and whether it inlines one depends on what it
 * compiled first; arrays cross calls for free, and a block stays in the L1 cache. The output may be the input (a
 * product's epilogue applies its activation in place) or a gradient's factor (as the memory plan places it). The
 * elements past the last whole vector are one more vector, copied out with zeros after them and back. Loaded by
 * {@link VectorKernels} only when the module is present.
 */
final class VectorMath implements MapKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;
    /** Elements per pass: a multiple of every vector length. */
    private static final int BLOCK = 256;
    /** Each thread's scratch: three blocks. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[3 * BLOCK]);
    /** Each thread's copies of the last values of x and of g, fewer than a vector's lanes. */
    private static final ThreadLocal<float[][]> TAIL = ThreadLocal.withInitial(() -> new float[2][L]);
    /** The factors of a function's value that is not a gradient: a block of ones. */
    private static final float[] ONES = ones(BLOCK);
    private static final float SQRT1_2 = 0.70710678118654752f, INV_SQRT_2PI = 0.39894228040143268f;
    private static final float TANH_C = 0.79788456080286536f, TANH_A = 0.044715f;

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    static boolean supported() {
        return F != null;
    }

    @Override
    public boolean map(Unary f, float[] x, float[] g, float[] y, int from, int to) {
        if (!f.vectorised()) return false;
        int end = from + (to - from) / L * L;
        float[] s = SCRATCH.get();
        for (int b = from; b < end; b += BLOCK) apply(f, x, g, y, b, Math.min(BLOCK, end - b), s);
        if (end < to) {
            // the last values, fewer than a vector's lanes, as one more vector padded with zeros (rows of attention
            // weights end in a part vector each, where e^x one value at a time would cost more than the vectors)
            float[][] tail = TAIL.get();
            float[] tx = tail[0], tg = g == null ? null : tail[1];
            int rest = to - end;
            java.util.Arrays.fill(tx, rest, L, 0f);
            System.arraycopy(x, end, tx, 0, rest);
            if (tg != null) System.arraycopy(g, end, tg, 0, rest);
            apply(f, tx, tg, tx, 0, L, s);
            System.arraycopy(tx, 0, y, end, rest);
        }
        return true;
    }

    /** f over the n elements (a multiple of the lanes) of block b. */
    private static void apply(Unary f, float[] x, float[] g, float[] y, int b, int n, float[] s) {
        // tests of identity, not a switch (which reads an array): C2 folds them where f is a constant, as in a
        // kernel's Unary.GELU.map(...), and compiles that function's passes alone into the kernel
        if (f == Unary.EXP) exp(x, g, y, b, n, s);
        else if (f == Unary.SIGMOID) sigmoid(x, g, y, b, n, s);
        else if (f == Unary.GELU) gelu(x, g, y, b, n, s);
        else if (f == Unary.GELU_SLOPE) geluSlope(x, g, y, b, n, s);
        else if (f == Unary.GELU_TANH) geluTanh(x, g, y, b, n, s);
        else if (f == Unary.STEP) step(x, g, y, b, n);
        else geluTanhSlope(x, g, y, b, n, s);
    }

    /**
     * The factor array of a gradient g·f(x): g itself, or {@link #ONES} when there is none; read at {@link #at}. Every
     * pass reads x, g and the scratch at an index before it writes y there, so y may be x or g (in place).
     */
    private static float[] factor(float[] g) {
        return g != null ? g : ONES;
    }

    /** Where block b's factors start: b in g, 0 in {@link #ONES}. */
    private static int at(float[] g, int b) {
        return g != null ? b : 0;
    }

    /** 1 where x &gt; 0, else 0, times g: the same values as the scalar form, a product by 1 or 0. */
    private static void step(float[] x, float[] g, float[] y, int b, int n) {
        float[] f = factor(g);
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0, fi = at(g, b); i < n; i += L, fi += L) {
            VectorMask<Float> positive = FloatVector.fromArray(F, x, b + i).compare(VectorOperators.GT, 0f);
            FloatVector.fromArray(F, f, fi).mul(zero.blend(1, positive)).intoArray(y, b + i);
        }
    }

    /** e^x. */
    private static void exp(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        System.arraycopy(x, b, s, 0, n);
        exp(s, 0, n);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector.fromArray(F, s, k).mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
        }
    }

    /** 1 / (1 + e^−x). */
    private static void sigmoid(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        for (int k = 0; k < n; k += L) FloatVector.fromArray(F, x, b + k).neg().intoArray(s, k);
        exp(s, 0, n);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector v = FloatVector.broadcast(F, 1f).div(FloatVector.fromArray(F, s, k).add(1f));
            v.mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
        }
    }

    /**
     * ½·erfc(a) for a = |x|/√2 at s[0..n), from Numerical Recipes' erfcc as {@link Unary#gelu(float)} computes it:
     * erfc(a) = t·e^(P(t) − a²) with t = 1/(1 + a/2); with {@code density}, also e^(−a²) = e^(−x²/2) at
     * s[2·BLOCK..2·BLOCK + n), for the normal density. Φ(x) = ½·erfc(−x/√2) is the first for x ≤ 0, one less it above.
     */
    private static void halfErfc(float[] x, int b, int n, float[] s, boolean density) {
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
        exp(s, 0, n);
        if (density) exp(s, 2 * BLOCK, n);
        for (int k = 0; k < n; k += L) {
            FloatVector.fromArray(F, s, k).mul(FloatVector.fromArray(F, s, BLOCK + k)).mul(0.5f).intoArray(s, k);
        }
    }

    /** gelu(x) = x·Φ(x). */
    private static void gelu(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        halfErfc(x, b, n, s, false);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k), half = FloatVector.fromArray(F, s, k);
            // Φ(x): half for x ≤ 0, 1 − half above, as half + step·(1 − 2·half) with step 0 or 1 (fractional only for
            // 0 < x < 1e-30, where 1 − 2·half is 0 in float)
            FloatVector step = xv.mul(1e30f).max(0f).min(1f);
            FloatVector phi = half.mul(-2f).add(1f).fma(step, half);
            xv.mul(phi).mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
        }
    }

    /** gelu's derivative Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π). */
    private static void geluSlope(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        halfErfc(x, b, n, s, true);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k), half = FloatVector.fromArray(F, s, k);
            FloatVector step = xv.mul(1e30f).max(0f).min(1f);   // Φ(x) as in gelu
            FloatVector phi = half.mul(-2f).add(1f).fma(step, half);
            FloatVector v = xv.mul(INV_SQRT_2PI).fma(FloatVector.fromArray(F, s, 2 * BLOCK + k), phi);
            v.mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
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
        exp(s, 0, n);
        for (int k = 0; k < n; k += L) FloatVector.fromArray(F, s, k).min(1e30f).intoArray(s, k);
    }

    /** x·σ(2u), GELU's tanh approximation. */
    private static void geluTanh(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        tanhExponentials(x, b, n, s);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, b + k).div(FloatVector.fromArray(F, s, k).add(1f));
            v.mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
        }
    }

    /** Its derivative σ + 2x·σ(1 − σ)·u', with 1 − σ = e·σ, again without cancellation. */
    private static void geluTanhSlope(float[] x, float[] g, float[] y, int b, int n, float[] s) {
        tanhExponentials(x, b, n, s);
        float[] f = factor(g);
        for (int k = 0, o = at(g, b); k < n; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, b + k), e = FloatVector.fromArray(F, s, k);
            FloatVector sigma = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector du = xv.mul(xv).fma(3 * TANH_A, 1f).mul(2f * TANH_C);
            e.mul(sigma).mul(sigma).mul(xv).mul(du).add(sigma).mul(FloatVector.fromArray(F, f, o + k)).intoArray(y, b + k);
        }
    }

    /**
     * s[from..from + n) = e^s[..], n a multiple of the vector length; NaN for NaN, ∞ above 88.72, 0 from about −104 down.
     * e^x = 2^m·e^r with m = round(x·log₂e) and r = x − m·ln 2 in two parts (|r| ≤ ln 2 / 2), e^r by Cephes' expf
     * polynomial, 2^m as the product of two powers of two so that e^x overflows and underflows gradually as it should.
     * Within 2 ulp of {@code Math.exp}. Only IEEE arithmetic, so that the same x gives the same bits compiled or
     * interpreted, on every machine and thread count (the Vector API's own EXP runs Intel's vector math library once
     * compiled and {@code Math.exp} lane by lane before: a training run's numbers would depend on when the JIT got
     * there).
     */
    private static void exp(float[] s, int from, int n) {
        FloatVector lowest = FloatVector.broadcast(F, -104f), highest = FloatVector.broadcast(F, 89f);
        FloatVector log2e = FloatVector.broadcast(F, LOG2E), round = FloatVector.broadcast(F, ROUND);
        FloatVector minusLn2Hi = FloatVector.broadcast(F, -LN2_HI), minusLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p0 = FloatVector.broadcast(F, EXP_P0), p1 = FloatVector.broadcast(F, EXP_P1), p2 = FloatVector.broadcast(F, EXP_P2);
        FloatVector p3 = FloatVector.broadcast(F, EXP_P3), p4 = FloatVector.broadcast(F, EXP_P4), p5 = FloatVector.broadcast(F, EXP_P5);
        for (int k = from, end = from + n; k < end; k += L) {
            FloatVector x = FloatVector.fromArray(F, s, k).max(lowest).min(highest);
            FloatVector t = x.fma(log2e, round); // m + 1.5·2²³, rounded to an integer: m in the low bits
            FloatVector m = t.sub(round);
            FloatVector r = m.fma(minusLn2Lo, m.fma(minusLn2Hi, x));
            FloatVector p = r.fma(p0, p1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5);
            FloatVector er = p.fma(r.mul(r), r).add(1f);
            IntVector mi = t.reinterpretAsInts().sub(ROUND_BITS);
            IntVector half = mi.lanewise(VectorOperators.ASHR, 1);
            FloatVector twoHalf = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector twoRest = mi.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            er.mul(twoHalf).mul(twoRest).intoArray(s, k);
        }
    }

    private static final float LOG2E = 1.44269504088896341f, ROUND = 0x1.8p23f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** ln 2 as 0.693359375 (m times it is exact) plus the rest. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Cephes' expf: e^r ≈ 1 + r + r²·(P0·r⁵ + … + P5). */
    private static final float EXP_P0 = 1.9875691500e-4f, EXP_P1 = 1.3981999507e-3f, EXP_P2 = 8.3334519073e-3f,
            EXP_P3 = 4.1665795894e-2f, EXP_P4 = 1.6666665459e-1f, EXP_P5 = 5.0000001201e-1f;
}
