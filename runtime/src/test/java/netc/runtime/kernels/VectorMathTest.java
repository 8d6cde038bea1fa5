package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Unary#map} and {@link Unary#mapTimes}: the vector forms of e^x and the functions built on it agree with
 * the double-precision definitions to float precision, at every vector width (the build runs this at 256 and 512
 * bits), and the loops without the Vector API compute {@link Unary#apply(float)} exactly.
 */
class VectorMathTest {
    static final List<Unary> VECTORISED = List.of(Unary.EXP, Unary.SIGMOID, Unary.GELU, Unary.GELU_SLOPE, Unary.GELU_TANH,
            Unary.GELU_TANH_SLOPE, Unary.STEP);

    /** Points over the range where the function changes, and the edges: zeros, tiny values, the limits of float's e^x. */
    static float[] points(Unary f) {
        double lo = f == Unary.EXP ? -110 : -14, hi = f == Unary.EXP ? 92 : 14;
        SplittableRandom r = new SplittableRandom(f.ordinal());
        List<Float> xs = new ArrayList<>(List.of(0f, -0f, 1e-30f, -1e-30f, 1e-4f, -1e-4f, 0.5f, -0.5f, 1f, -1f, Float.NaN));
        if (f == Unary.EXP || f == Unary.SIGMOID) {
            xs.addAll(List.of(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 88.72f, 88.73f, -87.33f, -103.9f, -104.1f));
        }
        for (int i = 0; i < 20_000; i++) xs.add((float) (lo + (hi - lo) * r.nextDouble()));
        float[] x = new float[xs.size()];
        for (int i = 0; i < x.length; i++) x[i] = xs.get(i);
        return x;
    }

    @Test
    void eachVectorFormHasFloatPrecision() {
        assertTrue(VectorKernels.math() != null || !VectorKernels.WANTED, "the vector forms load where the Vector API runs");
        for (Unary f : VECTORISED) {
            assertTrue(f.vectorised(), f.toString());
            float[] x = points(f), y = new float[x.length];
            f.map(x, y, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                double want = f.apply((double) x[i]);
                if (Double.isNaN(want)) {
                    assertTrue(Float.isNaN(y[i]), f + "(" + x[i] + ") = " + y[i]);
                    continue;
                }
                if (Math.abs(want) > Float.MAX_VALUE) {
                    assertEquals(Math.copySign(Double.POSITIVE_INFINITY, want), y[i], 0, f + "(" + x[i] + ")");
                    continue;
                }
                // a few float roundings of the result; the slopes cross zero, where their terms' rounding is what counts
                double tolerance = 3e-7 * Math.abs(want) + (f == Unary.EXP || f == Unary.SIGMOID ? 1e-44 : 1e-7);
                assertEquals(want, y[i], tolerance, f + "(" + x[i] + ")");
            }
        }
    }

    @Test
    void aRangeIsWrittenAndNothingElseAndAGradientIsTheProduct() {
        for (Unary f : VECTORISED) {
            float[] x = points(f), g = new float[x.length], y = new float[x.length], times = new float[x.length];
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
            int from = 3, to = x.length - 5;  // neither a multiple of a vector
            java.util.Arrays.fill(y, 42f);
            java.util.Arrays.fill(times, 42f);
            f.map(x, y, from, to);
            f.mapTimes(x, g, times, from, to);
            for (int i = 0; i < x.length; i++) {
                if (i < from || i >= to) {
                    assertEquals(42f, y[i], 0f);
                    assertEquals(42f, times[i], 0f);
                } else {
                    assertEquals(g[i] * y[i], times[i], ulps(g[i] * y[i]), f + "(" + x[i] + ") times " + g[i]);
                }
            }
            // in place, as a product's epilogue applies it, and over the gradient, as the memory plan may place it
            float[] same = x.clone();
            f.map(same, same, 0, same.length);
            float[] apart = new float[x.length];
            f.map(x, apart, 0, x.length);
            for (int i = 0; i < x.length; i++) assertEquals(apart[i], same[i], ulps(apart[i]), f + " in place");
            float[] overG = g.clone(), overX = x.clone(), timesApart = new float[x.length];
            f.mapTimes(x, g, timesApart, 0, x.length);
            f.mapTimes(x, overG, overG, 0, x.length);
            f.mapTimes(overX, g, overX, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                assertEquals(timesApart[i], overG[i], ulps(timesApart[i]), f + " over its gradient factor");
                assertEquals(timesApart[i], overX[i], ulps(timesApart[i]), f + " over its input");
            }
        }
    }

    /**
     * A few units in the last place, and 1e-7 for the slopes, whose terms cancel where they cross zero: the same value
     * computed in place or apart may round differently where a function's passes read what they wrote. (What this
     * file's first test checks is the precision; this tolerance only lets the aliasing tests see that the right values
     * land in the right places.)
     */
    static float ulps(float v) {
        return Float.isFinite(v) ? 4 * Math.ulp(v) + 1e-7f : 0f;
    }

    /**
     * The vector forms give the same bits (any NaN counting as one) in a JVM that only interprets (the Vector API
     * computing lane by lane in Java) as here once the JIT has compiled them: a training run's numbers do not depend on
     * when the JIT gets to its kernels (a run with a warm-up, or resumed in a new JVM, ends where another run ends, bit
     * for bit).
     */
    @Test
    void interpretedAndCompiledGiveTheSameBits() throws Exception {
        if (VectorKernels.math() == null) return; // nothing to compile: the loops compute Unary.apply
        for (Unary f : VECTORISED) {
            float[] x = points(f), y = new float[x.length];
            for (int round = 0; round < 300; round++) f.map(x, y, 0, 4096);
        }
        // at this JVM's vector width (the build runs this test at 256 and 512 bits)
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-modules", "jdk.incubator.vector", "-Dnetc.vector.bits=" + Gemm.vectorBits(), "-cp",
                System.getProperty("java.class.path"), Interpreted.class.getName()).redirectErrorStream(true).start();
        List<String> lines;
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            lines = out.lines().filter(l -> !l.startsWith("WARNING")).toList();
        }
        assertEquals(0, p.waitFor(), String.join("\n", lines.subList(0, Math.min(5, lines.size()))));
        assertEquals(VECTORISED.size(), lines.size());
        for (int k = 0; k < VECTORISED.size(); k++) {
            Unary f = VECTORISED.get(k);
            float[] x = points(f), y = new float[x.length];
            f.map(x, y, 0, x.length);
            String[] interpreted = lines.get(k).split(" ");
            for (int i = 0; i < x.length; i++) {
                assertEquals(interpreted[i], Integer.toHexString(Float.floatToIntBits(y[i])), f + "(" + x[i] + ")");
            }
        }
    }

    /** Run with -Xint: each vectorised function's values over its points, as hex bits, one line per function. */
    static final class Interpreted {
        public static void main(String[] args) {
            for (Unary f : VECTORISED) {
                float[] x = points(f), y = new float[x.length];
                f.map(x, y, 0, x.length);
                StringBuilder line = new StringBuilder();
                for (float v : y) line.append(line.length() == 0 ? "" : " ").append(Integer.toHexString(Float.floatToIntBits(v)));
                System.out.println(line);
            }
        }
    }

    @Test
    void stepsVectorFormIsItsScalarFormBitForBit() {
        float[] x = points(Unary.STEP), g = new float[x.length], y = new float[x.length], times = new float[x.length];
        float[] factors = {Float.NaN, -0f, 0f, -2.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f};
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < g.length; i++) g[i] = i < 7 * 8 ? factors[i % 7] : (float) r.nextGaussian();
        Unary.STEP.map(x, y, 0, x.length);
        Unary.STEP.mapTimes(x, g, times, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float want = x[i] > 0 ? 1 : 0;
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(y[i]), "step(" + x[i] + ")");
            assertEquals(Float.floatToIntBits(g[i] * want), Float.floatToIntBits(times[i]), g[i] + "·step(" + x[i] + ")");
        }
    }

    @Test
    void withoutVectorsEachElementIsTheScalarForm() {
        boolean was = VectorKernels.use;
        VectorKernels.use = false;
        try {
            for (Unary f : Unary.values()) {
                float[] x = points(f), y = new float[x.length];
                f.map(x, y, 0, x.length);
                for (int i = 0; i < x.length; i++) assertEquals(f.apply(x[i]), y[i], 0f, f + "(" + x[i] + ")");
            }
        } finally {
            VectorKernels.use = was;
        }
    }
}
