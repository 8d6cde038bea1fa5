package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The im2col convolution kernels (float and double) against a direct six-deep loop, and the pooling kernels against
 * obvious loops, over geometries that reach every branch: padding wider than the kernel reach, strides, dilation,
 * non-square shapes, 1×1 kernels, 1-d (height 1), and batches big enough to run in parallel.
 */
class ConvPoolTest {
    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** batch, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW */
    static Stream<Arguments> geometries() {
        return Stream.of(
                g(2, 1, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1),
                g(3, 2, 6, 7, 3, 3, 2, 1, 1, 1, 1, 1, 1),
                g(2, 3, 9, 8, 4, 3, 3, 2, 3, 1, 2, 1, 1),
                g(2, 2, 9, 10, 2, 2, 3, 1, 2, 2, 0, 2, 3),
                g(2, 2, 4, 4, 3, 3, 3, 1, 1, 4, 3, 1, 1),
                g(2, 3, 5, 6, 4, 1, 1, 1, 1, 0, 0, 1, 1),
                g(2, 3, 5, 6, 4, 1, 1, 2, 1, 1, 0, 1, 1),
                g(3, 2, 1, 17, 3, 1, 4, 1, 2, 0, 1, 1, 2),
                g(64, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1),
                g(37, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1),
                g(5, 3, 9, 8, 17, 3, 3, 2, 1, 1, 0, 1, 2),
                // the weight gradient by windows: 24 output channels are 1.5 vectors of 16 floats or 3 of 8
                g(3, 2, 7, 9, 24, 3, 3, 1, 1, 1, 1, 1, 1),
                g(2, 2, 6, 21, 3, 2, 3, 1, 1, 1, 3, 1, 2),
                // taps that read only padding: a 1-wide input under a 5-wide kernel padded by 2, and a 1×1 one under 3×3
                g(1, 4, 1, 1, 4, 1, 5, 1, 1, 0, 2, 1, 1),
                g(2, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1),
                // C·KH·KW = 1080 rows of the im2col matrix: more than one block of k for the product of the weights
                g(2, 120, 8, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1));
    }

    /** The geometry of a row of {@link #geometries}. */
    static Conv.Geometry geometry(int[] q) {
        return new Conv.Geometry(q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12]);
    }

    static Arguments g(int... v) {
        return Arguments.of((Object) v);
    }

    private static double[] random(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble() * 2 - 1;
        return a;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** Equal to {@code tol} relative to the larger of 1 and the largest magnitude of {@code expected}. */
    private static void assertClose(double[] expected, double[] got, double tol) {
        double scale = 1;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        assertArrayEquals(expected, got, tol * scale);
    }

    /** y[b, o, i, j] = Σ x[b, c, i·SH + a·DH − PH, j·SW + e·DW − PW] · w[o, c, a, e], straight from the definition. */
    static double[] reference(double[] x, double[] w, int[] q) {
        int nb = q[0], c = q[1], h = q[2], wd = q[3], o = q[4], kh = q[5], kw = q[6];
        int oh = Conv.outSize(h, kh, q[7], q[9], q[11]), ow = Conv.outSize(wd, kw, q[8], q[10], q[12]);
        double[] y = new double[nb * o * oh * ow];
        for (int b = 0; b < nb; b++)
            for (int p = 0; p < o; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double s = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++) {
                                    int yy = i * q[7] + a * q[11] - q[9], xx = j * q[8] + e * q[12] - q[10];
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                    s += x[((b * c + ci) * h + yy) * wd + xx] * w[((p * c + ci) * kh + a) * kw + e];
                                }
                        y[((b * o + p) * oh + i) * ow + j] = s;
                    }
        return y;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void im2colAndCol2imGiveTheSameValuesWithTheVectorRowKernelAndWithout(int[] q) {
        int c = q[1], h = q[2], wd = q[3], kh = q[5], kw = q[6];
        int oh = Conv.outSize(h, kh, q[7], q[9], q[11]), ow = Conv.outSize(wd, kw, q[8], q[10], q[12]);
        int n = oh * ow, ld = n + 3, k = c * kh * kw; // a matrix at offset 2 whose rows are 3 values apart: in a group
        Random r = new Random(9);
        float[] x = toFloat(random(r, 3 + c * h * wd)), col = toFloat(random(r, 2 + k * ld));
        float[][] cols = new float[2][col.length], xs = new float[2][x.length];
        try {
            for (int v = 0; v < 2; v++) {
                Gemm.useVectorKernel(v == 1);
                java.util.Arrays.fill(cols[v], Float.NaN); // scratch holds earlier values: every element must be written
                Im2col.im2col(x, 3, geometry(q), cols[v], 2, ld);
                xs[v] = x.clone();
                Im2col.col2im(col, 2, ld, xs[v], 3, geometry(q));
            }
        } finally {
            Gemm.useVectorKernel(true);
        }
        assertArrayEquals(cols[0], cols[1], 0f);
        assertArrayEquals(xs[0], xs[1], 0f);
        for (int i = 0; i < cols[0].length; i++) {
            boolean inside = i >= 2 && (i - 2) % ld < n && (i - 2) / ld < k;
            assertEquals(inside, !Float.isNaN(cols[0][i]), "element " + i + " written or left as it was");
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void convolutionAndItsGradientsMatchTheDefinition(int[] q) {
        int nb = q[0], c = q[1], h = q[2], wd = q[3], o = q[4], kh = q[5], kw = q[6];
        int oh = Conv.outSize(h, kh, q[7], q[9], q[11]), ow = Conv.outSize(wd, kw, q[8], q[10], q[12]);
        Random r = new Random(5);
        double[] x = random(r, nb * c * h * wd), w = random(r, o * c * kh * kw), dy = random(r, nb * o * oh * ow);
        double[] yRef = reference(x, w, q);
        // gradients of <dy, y> by linearity: dx[i] = <dy, conv(e_i, w)>, dw[k] = <dy, conv(x, e_k)>, computed densely
        double[] dxRef = new double[x.length], dwRef = new double[w.length];
        for (int b = 0; b < nb; b++)
            for (int p = 0; p < o; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int ci = 0; ci < c; ci++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++) {
                                    int yy = i * q[7] + a * q[11] - q[9], xx = j * q[8] + e * q[12] - q[10];
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                    double g = dy[((b * o + p) * oh + i) * ow + j];
                                    int xi = ((b * c + ci) * h + yy) * wd + xx, wi = ((p * c + ci) * kh + a) * kw + e;
                                    dxRef[xi] += g * w[wi];
                                    dwRef[wi] += g * x[xi];
                                }
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            double[] y = new double[yRef.length], dx = random(r, x.length), dw = random(r, w.length);
            Conv.forward(x, w, y, nb, geometry(q));
            Conv.inputGrad(dy, w, dx, nb, geometry(q));
            Conv.weightGrad(dy, x, dw, nb, geometry(q));
            assertClose(yRef, y, 1e-12);
            assertClose(dxRef, dx, 1e-12);
            assertClose(dwRef, dw, 1e-12);

            // the Vector API kernels (implicit convolution at stride 1) and the loops (im2col matrices)
            for (boolean vector : new boolean[] {true, false}) {
                float[] yf = new float[yRef.length], dxf = new float[x.length], dwf = new float[w.length];
                try {
                    Gemm.useVectorKernel(vector);
                    Conv.forward(toFloat(x), toFloat(w), yf, nb, geometry(q));
                    Conv.inputGrad(toFloat(dy), toFloat(w), dxf, nb, geometry(q));
                    Conv.weightGrad(toFloat(dy), toFloat(x), dwf, nb, geometry(q));
                } finally {
                    Gemm.useVectorKernel(true);
                }
                assertClose(yRef, toDouble(yf), 1e-5);
                assertClose(dxRef, toDouble(dxf), 1e-5);
                assertClose(dwRef, toDouble(dwf), 1e-5);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void epilogueAddsTheChannelBiasThenTheActivation(int[] q) {
        int nb = q[0], c = q[1], h = q[2], wd = q[3], o = q[4], kh = q[5], kw = q[6];
        int n = Conv.outSize(h, kh, q[7], q[9], q[11]) * Conv.outSize(wd, kw, q[8], q[10], q[12]);
        Random r = new Random(6);
        double[] x = random(r, nb * c * h * wd), w = random(r, o * c * kh * kw), bias = random(r, o);
        double[] plain = reference(x, w, q);
        float[] plainF = new float[plain.length];
        Conv.forward(toFloat(x), toFloat(w), plainF, nb, geometry(q));
        for (Unary act : new Unary[] {Unary.IDENTITY, Unary.RELU, Unary.SIGMOID, Unary.TANH}) {
            for (boolean withBias : new boolean[] {false, true}) {
                double[] expected = new double[plain.length], y = new double[plain.length];
                float[] expectedF = new float[plain.length], yf = new float[plain.length];
                for (int i = 0; i < plain.length; i++) {
                    double b = withBias ? bias[i / n % o] : 0;
                    expected[i] = act.apply(plain[i] + b);
                    expectedF[i] = Epilogue.activate(withBias ? plainF[i] + (float) b : plainF[i], act);
                }
                Conv.forward(x, w, y, nb, geometry(q),
                        withBias ? bias : null, act);
                Conv.forward(toFloat(x), toFloat(w), yf, nb, geometry(q),
                        withBias ? toFloat(bias) : null, act);
                assertClose(expected, y, 1e-12);
                assertArrayEquals(expectedF, yf, 0f, "act " + act + (withBias ? " with bias" : "")); // the same float steps
            }
        }
    }

    @Test
    void weightGradientIsTheSameForAnyThreadCount() {
        int[] q = {64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1};
        Random r = new Random(9);
        float[] x = toFloat(random(r, 64 * 6 * 14 * 14)), dy = toFloat(random(r, 64 * 16 * 10 * 10));
        float[] one = new float[16 * 150], two = new float[16 * 150];
        Parallel.setThreads(1);
        Conv.weightGrad(dy, x, one, 64, new Conv.Geometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1));
        Parallel.setThreads(2);
        Conv.weightGrad(dy, x, two, 64, new Conv.Geometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1));
        assertArrayEquals(one, two, 0f);
    }

    /** planes, H, W, KH, KW, SH, SW */
    static Stream<Arguments> windows() {
        return Stream.of(g(3, 4, 4, 2, 2, 2, 2), g(2, 5, 7, 3, 2, 2, 1), g(2, 6, 5, 3, 3, 1, 2), g(4, 1, 9, 1, 3, 1, 2),
                g(384, 28, 28, 2, 2, 2, 2), g(2, 5, 7, 2, 2, 2, 2));
    }

    @ParameterizedTest
    @MethodSource("windows")
    void poolingMatchesTheDefinition(int[] q) {
        int planes = q[0], h = q[1], w = q[2], kh = q[3], kw = q[4], sh = q[5], sw = q[6];
        int oh = Pool.outSize(h, kh, sh), ow = Pool.outSize(w, kw, sw);
        Random r = new Random(3);
        double[] x = new double[planes * h * w], dy = random(r, planes * oh * ow);
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(5); // many ties: the first maximum must win
        double[] avg = new double[dy.length], davg = new double[x.length];
        int[] argmax = new int[dy.length];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int o = (p * oh + i) * ow + j, best = -1;
                    double s = 0;
                    for (int a = 0; a < kh; a++)
                        for (int e = 0; e < kw; e++) {
                            int xi = (p * h + i * sh + a) * w + j * sw + e;
                            s += x[xi];
                            if (best < 0 || x[xi] > x[best]) best = xi;
                        }
                    argmax[o] = best;
                    avg[o] = s / (kh * kw);
                    for (int a = 0; a < kh; a++)
                        for (int e = 0; e < kw; e++) davg[(p * h + i * sh + a) * w + j * sw + e] += dy[o] / (kh * kw);
                }
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            int[] idx = new int[dy.length];
            Pool.maxIndex(x, idx, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(argmax, idx);
            idx = new int[dy.length];
            Pool.maxIndex(toFloat(x), idx, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(argmax, idx);
            double[] max = new double[dy.length];
            for (int o = 0; o < max.length; o++) max[o] = x[argmax[o]];
            double[] gotMax = new double[dy.length];
            Pool.max(x, gotMax, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(max, gotMax, 0);
            float[] gotMaxf = new float[dy.length];
            Pool.max(toFloat(x), gotMaxf, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(toFloat(max), gotMaxf, 0f);
            // the gradient: dy added at each window's maximum (overlapping windows add up), in double and in float
            double[] dmax = new double[x.length], dgotMax = random(r, x.length);
            for (int o = 0; o < dy.length; o++) dmax[argmax[o]] += dy[o];
            Pool.maxGrad(dy, x, dgotMax, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(dmax, dgotMax, 1e-12);
            float[] dgotMaxf = toFloat(random(r, x.length));
            Pool.maxGrad(toFloat(dy), toFloat(x), dgotMaxf, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(dmax, toDouble(dgotMaxf), 1e-5);

            double[] got = new double[dy.length], dgot = random(r, x.length);
            Pool.avgForward(x, got, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(avg, got, 1e-12);
            Pool.avgBackward(dy, dgot, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(davg, dgot, 1e-12);
            float[] gotf = new float[dy.length], dgotf = toFloat(random(r, x.length));
            Pool.avgForward(toFloat(x), gotf, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(avg, toDouble(gotf), 1e-5);
            Pool.avgBackward(toFloat(dy), dgotf, planes, h, w, kh, kw, sh, sw);
            assertArrayEquals(davg, toDouble(dgotf), 1e-5);
        }
    }

    /**
     * The gradient of 2×2 windows of stride 2, with the vector kernel and without, and at 2 and 3 threads: the very
     * floats of adding each window's dy into zeros at the index {@link Pool#maxIndex} finds.
     */
    @Test
    void maxPoolingGradientOf2x2WindowsIsTheSameWithTheVectorKernelAndWithout() {
        float[] specials = {0f, -0f, 1f, 1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -2f};
        Random r = new Random(12);
        for (int w = 2; w <= 41; w += 1) {
            for (int h : new int[] {2, 6, 7}) {
                int planes = 300, oh = h / 2, ow = w / 2;  // odd sizes: a last row or column in no window
                float[] x = new float[planes * h * w], dy = new float[planes * oh * ow];
                for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) == 0 ? specials[r.nextInt(specials.length)] : r.nextInt(3);
                for (int i = 0; i < dy.length; i++) dy[i] = r.nextInt(8) == 0 ? -0f : (float) r.nextGaussian();
                int[] idx = new int[dy.length];
                Pool.maxIndex(x, idx, planes, h, w, 2, 2, 2, 2);
                float[] expected = new float[x.length];
                for (int o = 0; o < dy.length; o++) expected[idx[o]] += dy[o];
                try {
                    for (int v = 0; v < 2; v++) {
                        Gemm.useVectorKernel(v == 1);
                        for (int threads = 1; threads <= 3; threads++) {
                            Parallel.setThreads(threads);
                            float[] dx = new float[x.length];
                            Arrays.fill(dx, Float.NaN);  // every value is written
                            Pool.maxGrad(dy, x, dx, planes, h, w, 2, 2, 2, 2);
                            String where = h + "×" + w + (v == 1 ? ", vectors, " : ", loops, ") + threads + " threads";
                            for (int i = 0; i < x.length; i++) {
                                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(dx[i]), where + ", element " + i);
                            }
                        }
                    }
                } finally {
                    Gemm.useVectorKernel(true);
                    Parallel.setThreads(1);
                }
            }
        }
    }

    @Test
    void maxPoolingOf2x2WindowsIsTheSameWithTheVectorKernelAndWithout() {
        // rows of windows of every length around a vector's (4 to 8 windows a vector), odd widths, the array's end;
        // ties, ±0, ±∞ and NaNs in every corner
        float[] specials = {0f, -0f, 1f, 1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -2f};
        Random r = new Random(11);
        for (int w = 2; w <= 41; w += 3) {
            int h = 6, planes = 600, oh = h / 2, ow = w / 2;  // enough planes for the threads to share
            float[] x = new float[planes * h * w];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) == 0 ? specials[r.nextInt(specials.length)] : r.nextInt(3);
            int[][] idx = new int[2][planes * oh * ow];
            float[][] y = new float[2][planes * oh * ow];
            try {
                for (int v = 0; v < 2; v++) {
                    Gemm.useVectorKernel(v == 1);
                    Pool.maxIndex(x, idx[v], planes, h, w, 2, 2, 2, 2);
                    Pool.max(x, y[v], planes, h, w, 2, 2, 2, 2);
                }
                // the planes shared out among threads: no vector stores past a thread's own outputs (nor loads past x)
                for (int threads = 2; threads <= 3; threads++) {
                    Parallel.setThreads(threads);
                    float[] yt = new float[y[0].length];
                    int[] it = new int[y[0].length];
                    Pool.max(x, yt, planes, h, w, 2, 2, 2, 2);
                    Pool.maxIndex(x, it, planes, h, w, 2, 2, 2, 2);
                    assertArrayEquals(y[0], yt, "width " + w + ", " + threads + " threads");
                    assertArrayEquals(idx[0], it, "width " + w + ", " + threads + " threads");
                }
            } finally {
                Gemm.useVectorKernel(true);
                Parallel.setThreads(1);
            }
            assertArrayEquals(idx[0], idx[1], "width " + w);
            assertArrayEquals(y[0], y[1], "width " + w);
            // the values: those at the indices, as numbers (a window of -0 and +0 gives +0 whichever comes first)
            for (int o = 0; o < y[0].length; o++) assertEquals(x[idx[0][o]] + 0f, y[0][o] + 0f, "width " + w + ", window " + o);
        }
    }

    @Test
    void maxIndexTakesTheFirstOfEqualZerosAndANaNOverAnything() {
        int[] idx = new int[1];
        Pool.maxIndex(new float[] {-0f, 0f, -1f, Float.NEGATIVE_INFINITY}, idx, 1, 2, 2, 2, 2, 2, 2);
        assertEquals(0, idx[0]);
        Pool.maxIndex(new float[] {1f, Float.POSITIVE_INFINITY, -Float.NaN, 2f}, idx, 1, 2, 2, 2, 2, 2, 2);
        assertEquals(2, idx[0]);
        Pool.maxIndex(new float[] {Float.NEGATIVE_INFINITY, -3f, -2f, -2f}, idx, 1, 1, 4, 1, 4, 1, 4);
        assertEquals(2, idx[0]);
        Pool.maxIndex(new double[] {-0.0, 0.0, -1, 0}, idx, 1, 2, 2, 2, 2, 2, 2);
        assertEquals(0, idx[0]);
    }
}
