package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {

    /**
     * Shapes {m, n, k} chosen to reach every code path: tiny (the plain loop nest) and prime sizes, k not a multiple
     * of 4, narrow C (computed transposed), several k blocks (k > KC), several column panels
     * (n > NC), a single row wider than the register strips, and products big enough to run in parallel in both the
     * row-split and the column-split mode; the convolution's shapes: few rows of C against a wide B read in place
     * (every tile height, a narrower last panel, k > KC), and long dot products (k ≥ 256, not a multiple of the
     * vector, few rows or columns, 4×4 blocks cut at the edges).
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 1, 7}, {1, 9, 1}, {9, 1, 1}, {2, 3, 4}, {7, 13, 5}, {13, 7, 5},
        {5, 17, 3}, {1, 10, 128}, {3, 20, 37}, {2, 9, 40}, {33, 31, 29}, {64, 10, 300}, {100, 63, 17}, {3, 600, 20}, {1, 200, 33},
        {129, 65, 257}, {40, 520, 70}, {70, 530, 9}, {37, 1100, 19},
        {6, 25, 784}, {16, 150, 800}, {5, 33, 257}, {24, 70, 300}, {150, 800, 16}, {16, 1100, 150}, {13, 97, 1100},
        {7, 3, 300}, {30, 31, 2000},
    };

    private static final int[] THREADS = {1, 2, 3};

    /** The kernels sgemm can run: the Vector API one when this JVM has the module, and the loops. */
    private static final boolean[] KERNELS = Gemm.vectorKernelLoaded() ? new boolean[] {true, false}
            : new boolean[] {false};

    @BeforeAll
    static void everyProductOnTheChosenKernel() {
        Gemm.vectorMinMnk = 0;
    }

    @AfterAll
    static void restore() {
        Gemm.vectorMinMnk = Gemm.VECTOR_MIN_MNK;
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
        Gemm.useVectorKernel(true);
    }

    static Stream<Arguments> transposes() {
        List<Arguments> args = new ArrayList<>();
        for (boolean vector : KERNELS) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (boolean acc : new boolean[] {false, true}) {
                        args.add(Arguments.of(vector, ta, tb, acc));
                    }
                }
            }
        }
        return args.stream();
    }

    @Test
    void theVectorKernelRunsWhenTheModuleIsPresent() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        // surefire runs this module's tests with --add-modules jdk.incubator.vector (see runtime/pom.xml)
        assertEquals(module, Gemm.vectorKernelLoaded());
        Gemm.useVectorKernel(true);
        assertEquals(module ? "vector" : "loops", Gemm.kernelName());
        Gemm.useVectorKernel(false);
        assertEquals("loops", Gemm.kernelName());
        assertEquals(0, Gemm.vectorBits());
    }

    @Test
    void theVectorKernelRunsAtTheForcedWidthOrTheMachines() {
        Gemm.useVectorKernel(true);
        if (!Gemm.vectorKernelLoaded()) return; // no module: the loops, tested above
        String forced = System.getProperty("netc.vector.bits");
        int expected = forced != null ? Integer.parseInt(forced)
                : Math.min(512, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        assertEquals(expected, Gemm.vectorBits());
    }

    @ParameterizedTest(name = "vector={0} transA={1} transB={2} accumulate={3}")
    @MethodSource("transposes")
    void sgemmMatchesReference(boolean vector, boolean transA, boolean transB, boolean accumulate) {
        Gemm.useVectorKernel(vector);
        Random random = new Random(Objects.hash(transA, transB, accumulate));
        for (int threads : THREADS) {
            Parallel.setThreads(threads);
            for (int[] shape : SHAPES) {
                checkSgemm(transA, transB, accumulate, shape[0], shape[1], shape[2], random,
                        "threads=" + threads);
            }
        }
    }

    @ParameterizedTest(name = "vector={0} transA={1} transB={2} accumulate={3}")
    @MethodSource("transposes")
    void randomEdgeShapesMatchReference(boolean vector, boolean transA, boolean transB, boolean accumulate) {
        // every tile edge of the micro-kernel and of the small-m path: m, n, k in 1..70
        Gemm.useVectorKernel(vector);
        Random random = new Random(Objects.hash(transA, transB, accumulate, 3));
        Parallel.setThreads(1);
        for (int t = 0; t < 60; t++) {
            int m = 1 + random.nextInt(70), n = 1 + random.nextInt(70), k = 1 + random.nextInt(70);
            checkSgemm(transA, transB, accumulate, m, n, k, random, "random");
        }
        for (int m = 1; m <= 9; m++) {
            checkSgemm(transA, transB, accumulate, m, 1 + random.nextInt(70), 1 + random.nextInt(70), random,
                    "small m");
        }
    }

    @ParameterizedTest(name = "vector={0} transA={1} transB={2} accumulate={3}")
    @MethodSource("transposes")
    void epilogueAddsTheBiasThenTheActivationThenTheMask(boolean vector, boolean transA, boolean transB, boolean accumulate) {
        Gemm.useVectorKernel(vector);
        Random random = new Random(Objects.hash(transA, transB, accumulate, 5));
        int[][] shapes = {{1, 37, 20}, {5, 16, 9}, {6, 16, 300}, {64, 70, 33}, {128, 256, 784}, {150, 40, 513}, {1, 150, 40}};
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (int[] s : shapes) {
                for (Unary act : new Unary[] {Unary.IDENTITY, Unary.RELU, Unary.SIGMOID, Unary.TANH}) {
                    for (boolean withMask : new boolean[] {false, true}) {
                        checkEpilogue(transA, transB, accumulate, s[0], s[1], s[2], act, random.nextBoolean(), withMask, random);
                    }
                }
            }
        }
    }

    @Test
    void packedWeightsGiveTheSameProductAndFollowTheVersion() {
        // single rows read the packed strips (whole strips from any column, the rest from B), other rows B itself:
        // bit for bit the product of B, on every kernel and thread count
        Random random = new Random(11);
        for (boolean vector : KERNELS) {
            Gemm.useVectorKernel(vector);
            for (int threads : THREADS) {
                Parallel.setThreads(threads);
                for (int[] s : new int[][] {{1, 64, 9}, {1, 100, 33}, {1, 256, 70}, {1, 40, 20}, {3, 200, 17}, {1, 192, 21}, {1, 330, 6}, {1, 512, 300}}) {
                    int m = s[0], n = s[1], k = s[2], bOff = random.nextInt(5);
                    float[] a = randomFloats(random, m * k), b = randomFloats(random, bOff + k * n), bias = randomFloats(random, n);
                    PackedWeights packed = new PackedWeights();
                    for (long version = 0; version < 3; version++) {
                        float[] expected = new float[m * n];
                        Gemm.sgemm(false, false, m, n, k, a, 0, b, bOff, expected, 0, false, bias, Unary.RELU);
                        for (int call = 0; call < 3; call++) {
                            // the first product at a version reads B, the next ones the copy made for the second
                            float[] c = new float[m * n];
                            Gemm.sgemm(m, n, k, a, 0, b, bOff, packed, version, c, 0, false, bias, Unary.RELU);
                            assertArrayEquals(expected, c, 0f, Arrays.toString(s) + " threads=" + threads + " version=" + version
                                    + " call=" + call);
                        }
                        b[bOff + random.nextInt(k * n)] += 10f; // a new version: the next product must see it
                    }
                }
            }
        }
    }

    @Test
    void packedTransposedWeightsGiveTheProductTheSameEveryCall() {
        // a dense layer's weight [n, k]: a single row reads its packed copy from the first product at a version, so
        // every call at a version gives the same bits, and those are the product to float precision
        Random random = new Random(12);
        for (boolean vector : KERNELS) {
            Gemm.useVectorKernel(vector);
            for (int threads : THREADS) {
                Parallel.setThreads(threads);
                for (int[] s : new int[][] {{1, 64, 9}, {1, 100, 33}, {1, 256, 784}, {1, 40, 20}, {3, 200, 17}, {1, 130, 5}, {1, 192, 11}}) {
                    int m = s[0], n = s[1], k = s[2], bOff = random.nextInt(5);
                    float[] a = randomFloats(random, m * k), b = randomFloats(random, bOff + n * k), bias = randomFloats(random, n);
                    PackedWeights packed = new PackedWeights();
                    for (long version = 0; version < 3; version++) {
                        float[] expected = new float[m * n], first = null;
                        Gemm.sgemm(false, true, m, n, k, a, 0, b, bOff, expected, 0, false, bias, Unary.RELU);
                        for (int call = 0; call < 3; call++) {
                            float[] c = new float[m * n];
                            Gemm.sgemm(true, m, n, k, a, 0, b, bOff, packed, version, c, 0, false, bias, Unary.RELU);
                            String where = Arrays.toString(s) + " threads=" + threads + " version=" + version + " call=" + call;
                            for (int i = 0; i < c.length; i++) assertEquals(expected[i], c[i], 1e-5f * (1 + Math.abs(expected[i])) * k, where);
                            if (first == null) first = c;
                            else assertArrayEquals(first, c, 0f, where);
                        }
                        b[bOff + random.nextInt(k * n)] += 10f; // a new version: the next product must see it
                    }
                }
            }
        }
    }

    @Test
    void epilogueHasItsOwnChecks() {
        float[] six = new float[6];
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 1, six, 0, six, 0, six, 0, false, null, Unary.EXP));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 1, six, 0, six, 0, six, 0, false, new float[2], Unary.RELU));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 1, six, 0, six, 0, six, 0, false, null, Unary.IDENTITY, new float[5]));
        assertEquals(Unary.SIGMOID, Unary.named("sigmoid"));
        assertEquals(Unary.IDENTITY, Unary.named("identity"));
        assertEquals(Unary.GELU, Unary.named("gelu"));
        assertEquals(null, Unary.named("swish"));
    }

    @Test
    void doubleEpilogueMatchesDefinition() {
        double[] a = {1, -2, 3, 4}, b = {0.5, -1, 2, 0.25};
        double[] bias = {0.5, -3};
        double[] c = new double[4];
        Gemm.dgemm(false, false, 2, 2, 2, a, 0, b, 0, c, 0, false, bias, Unary.RELU);
        // a·b = [[-3.5, -1.5], [9.5, -2]]; + bias = [[-3, -4.5], [10, -5]]
        assertArrayEquals(new double[] {0, 0, 10, 0}, c);
        Gemm.dgemm(false, false, 2, 2, 2, a, 0, b, 0, c, 0, false, null, Unary.TANH);
        assertArrayEquals(new double[] {Math.tanh(-3.5), Math.tanh(-1.5), Math.tanh(9.5), Math.tanh(-2)}, c, 1e-15);
        Gemm.dgemm(false, false, 2, 2, 2, a, 0, b, 0, c, 0, false, null, Unary.IDENTITY, new double[] {1, 0, -1, 2});
        assertArrayEquals(new double[] {-3.5, -0.0, 0, -2}, c); // times 0, as the unfused mul(x, step(m)): −1.5 gives −0
    }

    @ParameterizedTest(name = "transA={0} transB={1} accumulate={2}")
    @MethodSource("transposes")
    void dgemmMatchesReference(boolean transA, boolean transB, boolean accumulate) {
        Random random = new Random(Objects.hash(transA, transB, accumulate) + 1);
        for (int[] shape : SHAPES) {
            int m = shape[0], n = shape[1], k = shape[2];
            int aOff = random.nextInt(5), bOff = random.nextInt(5), cOff = random.nextInt(5);
            double[] a = randomDoubles(random, aOff + m * k + 3);
            double[] b = randomDoubles(random, bOff + k * n + 2);
            double[] c = randomDoubles(random, cOff + m * n + 4);
            double[] expected = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = accumulate ? c[cOff + i * n + j] : 0;
                    for (int p = 0; p < k; p++) {
                        sum += a[index(transA, aOff, m, k, i, p)] * b[index(transB, bOff, k, n, p, j)];
                    }
                    expected[cOff + i * n + j] = sum;
                }
            }
            Gemm.dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
            for (int q = 0; q < c.length; q++) {
                assertEquals(expected[q], c[q], 1e-12 * (1 + k),
                        "dgemm " + Arrays.toString(shape) + " at " + q);
            }
        }
    }

    @Test
    void largeParallelProductsMatchReference() {
        // Large enough for several row blocks, k blocks and panels in each parallel mode.
        Random random = new Random(7);
        Parallel.setThreads(2);
        checkSgemm(false, false, false, 96, 1030, 300, random, "column split");
        checkSgemm(true, true, true, 96, 1030, 300, random, "column split");
        checkSgemm(false, true, false, 200, 300, 520, random, "row split");
        checkSgemm(true, false, true, 200, 300, 520, random, "row split");
        checkSgemm(true, true, false, 300, 40, 130, random, "transposed C");
    }

    @Test
    void zeroInnerDimensionClearsOrKeepsC() {
        float[] c = {9, 1, 2, 3, 4, 5, 6, 9};
        Gemm.sgemm(false, false, 2, 3, 0, new float[0], 0, new float[0], 0, c, 1, true);
        assertArrayEquals(new float[] {9, 1, 2, 3, 4, 5, 6, 9}, c);
        Gemm.sgemm(true, true, 2, 3, 0, new float[0], 0, new float[0], 0, c, 1, false);
        assertArrayEquals(new float[] {9, 0, 0, 0, 0, 0, 0, 9}, c);

        double[] d = {9, 1, 2, 3, 4, 5, 6, 9};
        Gemm.dgemm(false, false, 2, 3, 0, new double[0], 0, new double[0], 0, d, 1, true);
        assertArrayEquals(new double[] {9, 1, 2, 3, 4, 5, 6, 9}, d);
        Gemm.dgemm(false, true, 2, 3, 0, new double[0], 0, new double[0], 0, d, 1, false);
        assertArrayEquals(new double[] {9, 0, 0, 0, 0, 0, 0, 9}, d);
    }

    @Test
    void emptyOutputIsANoOp() {
        float[] c = {1, 2};
        Gemm.sgemm(false, false, 0, 2, 3, new float[0], 0, new float[6], 0, c, 0, false);
        Gemm.sgemm(false, false, 2, 0, 3, new float[6], 0, new float[0], 0, c, 0, false);
        assertArrayEquals(new float[] {1, 2}, c);
    }

    @Test
    void nonAccumulatingProductOverwritesGarbage() {
        float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 2, 2, 2, a, 0, b, 0, c, 0, false);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    @Test
    void rejectsBadArguments() {
        float[] six = new float[6];
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 2, 3, six, 0, six, 0, six, 0, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 3, six, 0, new float[8], 0, six, 0, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 1, new float[2], 1, new float[3], 0, six, 0, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 1, new float[2], 0, new float[3], 0, six, -1, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.dgemm(true, true, 2, 3, 3, new double[6], 1, new double[9], 0,
                        new double[6], 0, false));
    }

    /** One sgemm with an epilogue against the reference product followed by the bias and the activation. */
    private static void checkEpilogue(boolean transA, boolean transB, boolean accumulate, int m, int n, int k,
                                      Unary act, boolean withBias, boolean withMask, Random random) {
        float[] a = randomFloats(random, m * k), b = randomFloats(random, k * n);
        float[] bias = withBias ? randomFloats(random, n + 2) : null;
        float[] mask = withMask ? randomFloats(random, m * n) : null;
        if (withMask) for (int i = 0; i < mask.length; i += 7) mask[i] = i % 2 == 0 ? 0f : Float.NaN; // both are "off"
        float[] c = randomFloats(random, m * n), plain = c.clone();
        Gemm.sgemm(transA, transB, m, n, k, a, 0, b, 0, plain, 0, accumulate);
        Gemm.sgemm(transA, transB, m, n, k, a, 0, b, 0, c, 0, accumulate, bias, act, mask);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float x = plain[i * n + j] + (withBias ? bias[j] : 0f);
                double want = act == Unary.RELU ? Math.max(x, 0) : act == Unary.SIGMOID ? 1 / (1 + Math.exp(-x))
                        : act == Unary.TANH ? Math.tanh(x) : x;
                if (withMask && !(mask[i * n + j] > 0)) want = 0;
                float got = c[i * n + j];
                if (!(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)))) {
                    fail(String.format("epilogue act=%s bias=%b mask=%b transA=%b transB=%b acc=%b %dx%dx%d: C[%d,%d] = %s,"
                            + " expected %s", act, withBias, withMask, transA, transB, accumulate, m, n, k, i, j, got, want));
                }
            }
        }
    }

    /**
     * Runs one sgemm with random offsets into larger arrays and compares it with a
     * double-precision triple loop; elements outside C must be left alone.
     */
    private static void checkSgemm(boolean transA, boolean transB, boolean accumulate,
                                   int m, int n, int k, Random random, String context) {
        int aOff = random.nextInt(7), bOff = random.nextInt(7), cOff = random.nextInt(7);
        float[] a = randomFloats(random, aOff + m * k + 5);
        float[] b = randomFloats(random, bOff + k * n + 3);
        float[] c = randomFloats(random, cOff + m * n + 6);
        if (!accumulate) {
            Arrays.fill(c, cOff, cOff + m * n, Float.NaN); // must be overwritten, not scaled
        }
        float[] before = c.clone();

        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);

        String what = String.format("sgemm transA=%b transB=%b acc=%b %dx%dx%d (%s)",
                transA, transB, accumulate, m, n, k, context);
        for (int q = 0; q < c.length; q++) {
            if (q < cOff || q >= cOff + m * n) {
                assertEquals(before[q], c[q], what + ": element " + q + " outside C changed");
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = accumulate ? before[cOff + i * n + j] : 0;
                double magnitude = Math.abs(sum);
                for (int p = 0; p < k; p++) {
                    double product = (double) a[index(transA, aOff, m, k, i, p)]
                            * b[index(transB, bOff, k, n, p, j)];
                    sum += product;
                    magnitude += Math.abs(product);
                }
                float actual = c[cOff + i * n + j];
                // Float rounding error of a sum grows at worst like k·eps·Σ|terms|; typically
                // far less. 1e-5 relative to Σ|terms| is loose for rounding, but a single missing
                // or doubled term (of size ~0.25 on average) is still caught.
                if (!(Math.abs(actual - sum) <= 1e-5 * magnitude + 1e-6)) {
                    fail(what + ": C[" + i + "," + j + "] = " + actual + ", expected " + sum);
                }
            }
        }
    }

    /** Index of element (r, s) of op(X) (rows × cols) stored at off, transposed or not. */
    private static int index(boolean trans, int off, int rows, int cols, int r, int s) {
        return trans ? off + s * rows + r : off + r * cols + s;
    }

    private static float[] randomFloats(Random random, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static double[] randomDoubles(Random random, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextDouble() * 2 - 1;
        }
        return x;
    }
}
