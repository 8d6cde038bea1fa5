package netc.runtime.kernels;

import java.util.Arrays;

/**
 * Dense row-major matrix products: {@code C = op(A)·op(B)} or {@code C += op(A)·op(B)}.
 *
 * <p>All matrices are dense and row-major, with leading dimensions implied by the shapes:
 * <ul>
 *   <li>{@code op(A)} is m×k; A is stored as m×k (row stride k) when {@code transA} is false, or
 *       as k×m (row stride m) when it is true, so that {@code op(A) = Aᵀ};</li>
 *   <li>{@code op(B)} is k×n; B is stored as k×n (row stride n) when {@code transB} is false, or
 *       as n×k (row stride k) when it is true;</li>
 *   <li>C is m×n with row stride n.</li>
 * </ul>
 * Each matrix starts at the given offset of its array. With {@code accumulate} the product is
 * added to C; otherwise C is overwritten (whatever it held, NaN included). With {@code k == 0}
 * the product is the zero matrix.
 *
 * <h2>Kernels</h2>
 *
 * <p>Where the JVM runs with {@code --add-modules jdk.incubator.vector} (the {@code netc} launcher and the benchmarks
 * do), {@link #sgemm} runs {@code VectorGemm}: register-blocked micro-kernels over packed panels in the machine's
 * vector width (16-float vectors with AVX-512, 8 with AVX2; {@code -Dnetc.vector.bits=256|512} forces one). Without
 * the module, or with {@code -Dnetc.vector=false}, it runs {@code LoopGemm}, blocked loops that C2 vectorises by
 * itself. Tiny products (m·n·k ≤ 4096, such as a last layer at batch 1) are a plain loop nest ({@code DirectGemm}).
 * {@link #kernelName()} and {@link #vectorBits()} say which kernel runs.
 *
 * <h2>Epilogue</h2>
 *
 * <p>The overload with {@code bias} and {@code act} computes {@code C = act(op(A)·op(B) [+ C] + bias)} with the
 * bias (length n) added to every row and {@code act} a {@link Unary} function that can run there
 * ({@link Unary#epilogue()}: identity, relu, sigmoid, tanh): the fused form of a dense layer. The overload with a {@code mask} also multiplies C by
 * {@code (mask > 0 ? 1 : 0)}, mask laid out like C: the backward product through relu. The vector kernel applies the
 * epilogue to each tile as the last block of k is stored; the loops apply it in one pass over C after the product.
 *
 * <p>{@link #dgemm} is a plain triple loop: it serves double-precision gradient checks, where
 * correctness matters and speed does not.
 */
public final class Gemm {
    /** Products with fewer multiply-adds (m·n·k) than this run on the calling thread only. */
    static final long PARALLEL_MIN_MNK = 1L << 18;
    /**
     * Products with fewer multiply-adds run on the loops even when the Vector API kernel is there, so that a model
     * made only of tiny products never loads it (loading it costs some hundreds of milliseconds of compilation).
     * The choice depends on the shape alone, so results do not depend on timing. Tests lower it.
     */
    static final long VECTOR_MIN_MNK = 1 << 14;
    static volatile long vectorMinMnk = VECTOR_MIN_MNK;

    private Gemm() {
    }

    /**
     * Which kernel {@link #sgemm} runs: {@code "vector"} (the Vector API micro-kernel) or {@code "loops"}.
     *
     * @return the kernel's name
     */
    public static String kernelName() {
        return VectorKernels.product() != null ? "vector" : "loops";
    }

    /**
     * The width in bits of the vectors the Vector API kernel computes with (256 or 512), or 0 when the loops run.
     *
     * @return the width, or 0
     */
    public static int vectorBits() {
        FloatKernel k = VectorKernels.product();
        return k == null ? 0 : k.vectorBits();
    }

    /** Chooses the kernel (tests); {@code true} only takes effect when the Vector API kernel can be loaded. */
    static void useVectorKernel(boolean on) {
        VectorKernels.use = on && VectorKernels.WANTED;
    }

    /** Whether the Vector API kernel is loaded (loading it if it can be). */
    static boolean vectorKernelLoaded() {
        return VectorKernels.productLoaded();
    }


    /**
     * Single-precision product {@code C = op(A)·op(B)}, or {@code C += op(A)·op(B)} when
     * {@code accumulate}. See the class documentation for the storage conventions.
     *
     * @param transA     A is stored k×m and {@code op(A) = Aᵀ}; otherwise A is stored m×k
     * @param transB     B is stored n×k and {@code op(B) = Bᵀ}; otherwise B is stored k×n
     * @param m          rows of op(A) and C
     * @param n          columns of op(B) and C
     * @param k          columns of op(A), rows of op(B)
     * @param a          array holding A
     * @param aOff       index of A's first element in {@code a}
     * @param b          array holding B
     * @param bOff       index of B's first element in {@code b}
     * @param c          array holding C (m×n, row-major)
     * @param cOff       index of C's first element in {@code c}
     * @param accumulate add the product to C instead of overwriting C
     * @throws IllegalArgumentException  if a dimension is negative
     * @throws IndexOutOfBoundsException if a matrix does not fit in its array at its offset
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                             boolean accumulate) {
        sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, null, Unary.IDENTITY);
    }

    /**
     * Single-precision product with an epilogue: {@code C = act(op(A)·op(B) + bias)}, or
     * {@code C = act(C + op(A)·op(B) + bias)} when {@code accumulate}, the bias added to every row.
     * Otherwise as {@link #sgemm(boolean, boolean, int, int, int, float[], int, float[], int, float[], int, boolean)}.
     *
     * @param bias the n values added to each row of C (index 0 to n−1), or null for none
     * @param act  a {@link Unary} function with {@link Unary#epilogue()}
     * @throws IllegalArgumentException  if a dimension is negative or {@code act} unknown
     * @throws IndexOutOfBoundsException if a matrix or the bias does not fit in its array
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                             boolean accumulate, float[] bias, Unary act) {
        sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, bias, act, null);
    }

    /**
     * Single-precision product with an epilogue and a mask: {@code C = act(op(A)·op(B) + bias) · (M > 0)}, M laid out
     * like C (the same offset and row stride) and multiplied in as 1 where positive and 0 elsewhere: the backward
     * product of a layer whose activation's derivative is that step, e.g. relu's, with M its output. Otherwise as the
     * overload without a mask.
     *
     * @param mask the array holding M, or null for none
     * @throws IndexOutOfBoundsException if a matrix, the bias or the mask does not fit in its array
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                             boolean accumulate, float[] bias, Unary act, float[] mask) {
        sgemm(transA, transB, m, n, k, a, aOff, b, bOff, null, 0, c, cOff, accumulate, bias, act, mask);
    }

    /**
     * {@code C = act(A·B + bias)} (or {@code act(C + A·B + bias)} when {@code accumulate}) for a weight matrix B that
     * the caller keeps a {@link PackedWeights} for: a product with a single row (m = 1) reads B's packed copy, made
     * again (by the second such product) whenever {@code version} differs from the one it was made at, so the caller
     * changes the version whenever B's values change. Other products, and every product on the loops, read B itself.
     * The result is the same either way. Otherwise as {@link #sgemm(boolean, boolean, int, int, int, float[], int,
     * float[], int, float[], int, boolean, float[], int)} without transposes.
     *
     * @param packed  the copy of B kept for this product
     * @param version the version of B's values
     */
    public static void sgemm(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, PackedWeights packed,
                             long version, float[] c, int cOff, boolean accumulate, float[] bias, Unary act) {
        sgemm(false, false, m, n, k, a, aOff, b, bOff, packed, version, c, cOff, accumulate, bias, act, null);
    }

    /** As the form above, for B transposed when {@code transB} (a dense layer's weight [n, k]). */
    public static void sgemm(boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, PackedWeights packed,
                             long version, float[] c, int cOff, boolean accumulate, float[] bias, Unary act) {
        sgemm(false, transB, m, n, k, a, aOff, b, bOff, packed, version, c, cOff, accumulate, bias, act, null);
    }

    private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b,
                              int bOff, PackedWeights packed, long version, float[] c, int cOff, boolean accumulate,
                              float[] bias, Unary act, float[] mask) {
        GemmArgs.check(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        Epilogue.check(n, bias == null ? -1 : bias.length, act);
        if (mask != null) Epilogue.checkMask(m, n, cOff, mask.length);
        if (m == 0 || n == 0) {
            return;
        }
        // a single row streams op(B) once on the vector kernel, where the loops would pack it first
        if (k > 0 && ((long) m * n * k >= vectorMinMnk || m == 1 && (long) n * k > DirectGemm.MAX_MNK)) {
            FloatKernel vector = VectorKernels.product();
            if (vector != null) {
                float[] strips = packed != null && m == 1 && n >= PackedWeights.STRIP
                        ? packed.strips(b, bOff, k, n, version, transB) : null;
                vector.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, strips, c, cOff, accumulate, bias, act, mask);
                return;
            }
        }
        if (k == 0) {
            if (!accumulate) {
                Arrays.fill(c, cOff, cOff + m * n, 0f);
            }
        } else if ((long) m * n * k <= DirectGemm.MAX_MNK) {
            DirectGemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        } else {
            LoopGemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        }
        if (bias != null || act != Unary.IDENTITY || mask != null) Epilogue.apply(m, n, c, cOff, bias, act, mask);
    }

    /**
     * Double-precision product {@code C = op(A)·op(B)}, or {@code C += op(A)·op(B)} when
     * {@code accumulate}, with the same conventions as {@link #sgemm}. A straightforward
     * single-threaded loop, meant for gradient checks rather than speed.
     *
     * @param transA     A is stored k×m and {@code op(A) = Aᵀ}; otherwise A is stored m×k
     * @param transB     B is stored n×k and {@code op(B) = Bᵀ}; otherwise B is stored k×n
     * @param m          rows of op(A) and C
     * @param n          columns of op(B) and C
     * @param k          columns of op(A), rows of op(B)
     * @param a          array holding A
     * @param aOff       index of A's first element in {@code a}
     * @param b          array holding B
     * @param bOff       index of B's first element in {@code b}
     * @param c          array holding C (m×n, row-major)
     * @param cOff       index of C's first element in {@code c}
     * @param accumulate add the product to C instead of overwriting C
     * @throws IllegalArgumentException  if a dimension is negative
     * @throws IndexOutOfBoundsException if a matrix does not fit in its array at its offset
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, double[] b, int bOff, double[] c, int cOff,
                             boolean accumulate) {
        GemmArgs.check(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        DoubleGemm.dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    /**
     * Double-precision product with an epilogue, as the float overload with {@code bias} and {@code act}.
     *
     * @param bias the n values added to each row of C, or null for none
     * @param act  a {@link Unary} function with {@link Unary#epilogue()}
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, double[] b, int bOff, double[] c, int cOff,
                             boolean accumulate, double[] bias, Unary act) {
        dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, bias, act, null);
    }

    /** Double-precision product with an epilogue and a mask, as the float overload with {@code mask}. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, double[] b, int bOff, double[] c, int cOff,
                             boolean accumulate, double[] bias, Unary act, double[] mask) {
        Epilogue.check(n, bias == null ? -1 : bias.length, act);
        if (mask != null) Epilogue.checkMask(m, n, cOff, mask.length);
        dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        Epilogue.apply(m, n, c, cOff, bias, act, mask);
    }
}
