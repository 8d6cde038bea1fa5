package netc.runtime.kernels;

import java.util.Arrays;
import java.util.Locale;

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
 * <h2>How {@link #sgemm} is computed</h2>
 *
 * <p>The blocking follows Goto and van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", adapted to what HotSpot's C2 compiler can vectorise without the Vector API.
 * C2 (JDK 17) auto-vectorises a counted loop {@code c[j] = fma(a, b[j], c[j])} well, but only when
 * every array in the loop is indexed by the loop variable with no per-array offset, and it cannot
 * keep a register tile of C in vector registers across iterations of k. So instead of a
 * register-blocked micro-kernel over one contiguous packed buffer, the innermost operation is a
 * <em>row update</em> that adds four rank-1 terms to one row of C at once:
 * <pre>
 *   c[j] = fma(a3, b3[j], fma(a2, b2[j], fma(a1, b1[j], fma(a0, b0[j], c[j]))))   for j in [0, nc)
 * </pre>
 * where {@code b0..b3} are four consecutive rows of a packed block of op(B), each its own array
 * starting at index 0, and {@code c} a row of a packed block of C. Four fused multiply-adds per
 * load and store of C keep the load/store ports from being the bottleneck (one rank-1 term per
 * row pass would need a load and a store of C for every FMA).
 *
 * <p>Loop nest, from outermost (sizes are the maxima; blocks are balanced so that e.g. n = 784
 * gives two panels of 392 rather than 512 + 272):
 * <pre>
 *   for each panel of NC = 512 columns of C                     (jc)
 *     for each block of KC = 256 rows of op(B)                 (pc)
 *       pack op(B)[pc.., jc..] into KC row arrays of length nc   (~0.5 MB: L2/L3)
 *       for each block of MC = 32 rows of C                      (ic)
 *         pack C[ic.., jc..] into MC row arrays (or zero them)  (64 KB: L2)
 *         pack op(A)[ic.., pc..] transposed: kc rows of mc values
 *         for each group of 8 rows of the op(B) block            (16 KB: L1)
 *           for each of the mc rows i of C
 *             for each 4 rows p..p+3 of the group: row update of C row i with op(A)[i, p..p+3]
 *         unpack the C block into C
 * </pre>
 * The group of rows of op(B) stays in L1 while every row of the C block streams through it,
 * and each row of C stays in L1 while the group is applied to it; the C block stays in L2
 * across the k loop. (Block sizes were tuned on a Zen 3 core: 32 KB L1, 512 KB L2.)
 *
 * <p>The packing routines absorb all transpositions, so the kernel never sees them: packing a
 * non-transposed operand is a row copy, packing a transposed one is a tiled gather costing
 * about 0.5 ns per element, the time of some 20 flops, so a few percent of a product whose
 * other dimension is in the hundreds. op(A) is packed with k as the outer index because the
 * kernel reads it as scalars, four per row update.
 *
 * <p>When C is narrow ({@code n < 64}) and taller than wide, the product is computed as
 * {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}, which only swaps the roles (and strides) of the operands, so that
 * the row updates run over the longer dimension.
 *
 * <p>Products with m·n·k of at least 2<sup>18</sup> use {@link Parallel}: when C is wide enough
 * to give each thread at least 256 columns, each thread computes its own vertical stripe of C
 * (packing its own panels of op(B)); otherwise, for each block of op(B), the threads pack it
 * together and then split the rows of C.
 *
 * <h2>The Vector API kernel</h2>
 *
 * <p>When the JVM runs with {@code --add-modules jdk.incubator.vector} (the {@code netc} launcher and the
 * benchmarks do) and vectors hold at least 8 floats, {@link #sgemm} uses {@code VectorGemm} instead: a 6×16
 * register-blocked micro-kernel over packed panels, about twice as fast. It is loaded by name only when the module
 * is in the boot layer, so the runtime jar works without it and generated classes embedded in an application need no
 * JVM flag; the loops above are then the kernel. {@code -Dnetc.vector=false} forces them;
 * {@link #kernelName()} says which one runs.
 *
 * <h2>Epilogue</h2>
 *
 * <p>The overload with {@code bias} and {@code act} computes {@code C = act(op(A)·op(B) [+ C] + bias)} with the
 * bias (length n) added to every row and {@code act} one of {@link #NONE}, {@link #RELU}, {@link #SIGMOID},
 * {@link #TANH}: the fused form of a dense layer. The overload with a {@code mask} also multiplies C by
 * {@code (mask > 0 ? 1 : 0)}, mask laid out like C: the backward product through relu. The vector kernel applies the
 * epilogue to each tile as the last block of k is stored; the loops above apply it in one pass over C after the
 * product.
 *
 * <p>Tiny products (m·n·k ≤ {@value #DIRECT_MAX_MNK}, such as a last layer at batch 1) skip all this: a plain loop
 * nest with the sums in registers.
 *
 * <p>{@link #dgemm} is a plain triple loop: it serves double-precision gradient checks, where
 * correctness matters and speed does not.
 */
public final class Gemm {

    /** Maximum number of rows of op(B) (the k dimension) in a packed block. */
    static final int KC = 256;
    /** Maximum number of columns of C in a panel (the length of the row updates). */
    static final int NC = 512;
    /** Maximum number of rows of C in a packed block. */
    static final int MC = 32;
    /** Panels of C are split at multiples of this many columns (the vector loop width). */
    private static final int COLUMN_ALIGN = 8;
    /** Rows of a block of Y that the kernel applies to each row of C in turn (8·NC floats: 16 KB). */
    private static final int GROUP_ROWS = 8;
    /** Side of the tiles a transposing pack works on. */
    private static final int PACK_TILE = 32;
    /** Products with at most this many multiply-adds (m·n·k) are a plain loop nest. */
    static final long DIRECT_MAX_MNK = 1 << 12;
    /** Products with fewer multiply-adds (m·n·k) than this run on the calling thread only. */
    static final long PARALLEL_MIN_MNK = 1L << 18;
    /** Fewest columns of C per thread for splitting C into vertical stripes. */
    private static final int MIN_STRIPE = 256;
    /** Fewest rows of C per thread when splitting C into horizontal stripes. */
    private static final int MIN_ROWS_PER_TASK = 8;
    /** Fewest rows of op(B) per thread when packing a block of op(B) in parallel. */
    private static final int MIN_PACK_ROWS_PER_TASK = 32;
    /** C narrower than this (and taller than wide) is computed transposed. */
    private static final int SWAP_BELOW_N = 64;

    /** Epilogue activation: none. */
    public static final int NONE = 0;
    /** Epilogue activation: {@code max(x, 0)}. */
    public static final int RELU = 1;
    /** Epilogue activation: {@code 1 / (1 + exp(−x))}, computed in double as the generated kernels do. */
    public static final int SIGMOID = 2;
    /** Epilogue activation: {@code tanh(x)}, computed in double. */
    public static final int TANH = 3;

    /** A single-precision kernel behind {@link #sgemm}: arguments already checked, m, n, k all positive. */
    interface FloatKernel {
        /** {@code strips}: B's whole strips as {@link PackedWeights} lays them out, for m = 1 and B not transposed; or null. */
        void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                   float[] strips, float[] c, int cOff, boolean accumulate, float[] bias, int act, float[] mask);
    }

    /** Whether the Vector API kernel may run: the module is in the boot layer and -Dnetc.vector is not false. */
    private static final boolean VECTOR_WANTED = !"false".equalsIgnoreCase(System.getProperty("netc.vector", "true"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /** Whether {@link #sgemm} uses the Vector API kernel; tests turn it off to check the loops. */
    private static volatile boolean useVector = VECTOR_WANTED;
    /**
     * Products with fewer multiply-adds run on the loops even when the Vector API kernel is there, so that a model
     * made only of tiny products never loads it (loading it costs some hundreds of milliseconds of compilation).
     * The choice depends on the shape alone, so results do not depend on timing. Tests lower it.
     */
    static final long VECTOR_MIN_MNK = 1 << 14;
    static volatile long vectorMinMnk = VECTOR_MIN_MNK;

    /** Loads the Vector API kernel on first use. */
    private static final class VectorHolder {
        static final FloatKernel KERNEL = VECTOR_WANTED ? loadVector("netc.runtime.kernels.VectorGemm", FloatKernel.class) : null;
    }

    /** Loads the Vector API row kernel on first use (apart from the product's, whose loading warms it up). */
    private static final class RowsHolder {
        static final RowKernel ROWS = VECTOR_WANTED ? loadVector("netc.runtime.kernels.VectorRows", RowKernel.class) : null;
    }

    /**
     * Row operations of {@link Conv}'s im2col and col2im on {@code count} rows of {@code len} values, at least
     * {@link #MIN_LENGTH}, each value copied or added on its own (the same results as the scalar loops). Rows r of the
     * source start at {@code from + r·srcStride}, of the destination at {@code to + r·dstStride}.
     */
    interface RowKernel {
        int MIN_LENGTH = 8;

        /** {@code dst[to + r·dstStride + j] = src[from + r·srcStride + j]} for r < count, j < len. */
        void copy(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count);

        /** {@code dst[to + r·dstStride + j] += src[from + r·srcStride + j]} for r < count, j < len. */
        void add(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int len, int count);
    }

    /** The Vector API row kernel, or null when it is absent or turned off ({@link #useVectorKernel}). */
    static RowKernel rowKernel() {
        return useVector ? RowsHolder.ROWS : null;
    }

    private Gemm() {
    }

    /** An instance of a Vector API class (which has a static {@code supported()}), or null where it cannot run. */
    private static <T> T loadVector(String className, Class<T> type) {
        try {
            Class<?> k = Class.forName(className);
            if (!(boolean) k.getDeclaredMethod("supported").invoke(null)) return null;
            return type.cast(k.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /**
     * Which kernel {@link #sgemm} runs: {@code "vector"} (the Vector API micro-kernel) or {@code "loops"}.
     *
     * @return the kernel's name
     */
    public static String kernelName() {
        return useVector && VectorHolder.KERNEL != null ? "vector" : "loops";
    }

    /** Chooses the kernel (tests); {@code true} only takes effect when the Vector API kernel can be loaded. */
    static void useVectorKernel(boolean on) {
        useVector = on && VECTOR_WANTED;
    }

    /** Whether the Vector API kernel is loaded (loading it if it can be). */
    static boolean vectorKernelLoaded() {
        return VectorHolder.KERNEL != null;
    }

    /**
     * Parses an activation name of the epilogue.
     *
     * @param name {@code none}, {@code identity}, {@code relu}, {@code sigmoid} or {@code tanh}
     * @return its code
     * @throws IllegalArgumentException for another name
     */
    public static int activation(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "none": case "identity": return NONE;
            case "relu": return RELU;
            case "sigmoid": return SIGMOID;
            case "tanh": return TANH;
            default: throw new IllegalArgumentException("unknown epilogue activation: " + name);
        }
    }

    /** The activation {@code act} of x, with the generated elementwise kernels' formulas. */
    static float activate(float x, int act) {
        switch (act) {
            case RELU: return Math.max(x, 0f);
            case SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-x)));
            case TANH: return (float) Math.tanh(x);
            default: return x;
        }
    }

    /** The activation {@code act} of x in double precision. */
    static double activate(double x, int act) {
        switch (act) {
            case RELU: return Math.max(x, 0.0);
            case SIGMOID: return 1.0 / (1.0 + Math.exp(-x));
            case TANH: return Math.tanh(x);
            default: return x;
        }
    }

    /** {@code act(v + bias[col]) · (mask[at] > 0 ? 1 : 0)}, the bias and the mask skipped when null. */
    static float epilogue(float v, float[] bias, int col, int act, float[] mask, int at) {
        float y = activate(bias == null ? v : v + bias[col], act);
        return mask == null ? y : y * (mask[at] > 0 ? 1f : 0f);
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
        sgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, null, NONE);
    }

    /**
     * Single-precision product with an epilogue: {@code C = act(op(A)·op(B) + bias)}, or
     * {@code C = act(C + op(A)·op(B) + bias)} when {@code accumulate}, the bias added to every row.
     * Otherwise as {@link #sgemm(boolean, boolean, int, int, int, float[], int, float[], int, float[], int, boolean)}.
     *
     * @param bias the n values added to each row of C (index 0 to n−1), or null for none
     * @param act  {@link #NONE}, {@link #RELU}, {@link #SIGMOID} or {@link #TANH}
     * @throws IllegalArgumentException  if a dimension is negative or {@code act} unknown
     * @throws IndexOutOfBoundsException if a matrix or the bias does not fit in its array
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                             boolean accumulate, float[] bias, int act) {
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
                             boolean accumulate, float[] bias, int act, float[] mask) {
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
                             long version, float[] c, int cOff, boolean accumulate, float[] bias, int act) {
        sgemm(false, false, m, n, k, a, aOff, b, bOff, packed, version, c, cOff, accumulate, bias, act, null);
    }

    private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b,
                              int bOff, PackedWeights packed, long version, float[] c, int cOff, boolean accumulate,
                              float[] bias, int act, float[] mask) {
        checkArguments(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        checkEpilogue(n, bias == null ? -1 : bias.length, act);
        if (mask != null) checkMask(m, n, cOff, mask.length);
        if (m == 0 || n == 0) {
            return;
        }
        if (k > 0 && useVector && (long) m * n * k >= vectorMinMnk) {
            FloatKernel vector = VectorHolder.KERNEL;
            if (vector != null) {
                float[] strips = packed != null && m == 1 && n >= PackedWeights.STRIP
                        ? packed.strips(b, bOff, k, n, version) : null;
                vector.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, strips, c, cOff, accumulate, bias, act, mask);
                return;
            }
        }
        if (k == 0) {
            if (!accumulate) {
                Arrays.fill(c, cOff, cOff + m * n, 0f);
            }
        } else if ((long) m * n * k <= DIRECT_MAX_MNK) {
            direct(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        } else {
            loops(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        }
        if (bias != null || act != NONE || mask != null) {
            for (int i = 0; i < m; i++) {
                for (int j = 0, at = cOff + i * n; j < n; j++, at++) {
                    c[at] = epilogue(c[at], bias, j, act, mask, at);
                }
            }
        }
    }

    /**
     * A tiny product (at most {@link #DIRECT_MAX_MNK} multiply-adds, e.g. a last layer at batch 1) as a plain loop
     * nest, for positive m, n and k: packing would cost more than the product. Each sum is kept in a register and
     * eight run side by side (eight columns, or four slices of k for a lone column), enough to hide the latency of
     * the multiply-adds.
     */
    private static void direct(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * aRow, ci = cOff + i * n, j = 0;
            for (; j + 8 <= n; j += 8) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int p = 0, ap = ai, bp = bOff + j * bCol; p < k; p++, ap += aCol, bp += bRow) {
                    float u = a[ap];
                    s0 = Math.fma(u, b[bp], s0);
                    s1 = Math.fma(u, b[bp + bCol], s1);
                    s2 = Math.fma(u, b[bp + 2 * bCol], s2);
                    s3 = Math.fma(u, b[bp + 3 * bCol], s3);
                    s4 = Math.fma(u, b[bp + 4 * bCol], s4);
                    s5 = Math.fma(u, b[bp + 5 * bCol], s5);
                    s6 = Math.fma(u, b[bp + 6 * bCol], s6);
                    s7 = Math.fma(u, b[bp + 7 * bCol], s7);
                }
                c[ci + j] = accumulate ? c[ci + j] + s0 : s0;
                c[ci + j + 1] = accumulate ? c[ci + j + 1] + s1 : s1;
                c[ci + j + 2] = accumulate ? c[ci + j + 2] + s2 : s2;
                c[ci + j + 3] = accumulate ? c[ci + j + 3] + s3 : s3;
                c[ci + j + 4] = accumulate ? c[ci + j + 4] + s4 : s4;
                c[ci + j + 5] = accumulate ? c[ci + j + 5] + s5 : s5;
                c[ci + j + 6] = accumulate ? c[ci + j + 6] + s6 : s6;
                c[ci + j + 7] = accumulate ? c[ci + j + 7] + s7 : s7;
            }
            for (; j < n; j++) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                int p = 0, ap = ai, bp = bOff + j * bCol;
                for (; p + 4 <= k; p += 4, ap += 4 * aCol, bp += 4 * bRow) {
                    s0 = Math.fma(a[ap], b[bp], s0);
                    s1 = Math.fma(a[ap + aCol], b[bp + bRow], s1);
                    s2 = Math.fma(a[ap + 2 * aCol], b[bp + 2 * bRow], s2);
                    s3 = Math.fma(a[ap + 3 * aCol], b[bp + 3 * bRow], s3);
                }
                for (; p < k; p++, ap += aCol, bp += bRow) s0 = Math.fma(a[ap], b[bp], s0);
                float s = (s0 + s1) + (s2 + s3);
                c[ci + j] = accumulate ? c[ci + j] + s : s;
            }
        }
    }

    /** The blocked loops described above, for positive m, n and k. */
    private static void loops(boolean transA, boolean transB, int m, int n, int k,
                              float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                              boolean accumulate) {
        // Strides of op(A) (m×k) and op(B) (k×n): element (r, s) is at off + r*rowStride + s*colStride.
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        Job job = Job.forCurrentThread();
        if (n < SWAP_BELOW_N && m > n) {
            // Cᵀ (n×m) = op(B)ᵀ (n×k) · op(A)ᵀ (k×m): transposing a view swaps its strides.
            job.set(n, m, k, b, bOff, bCol, bRow, a, aOff, aCol, aRow, c, cOff, 1, n, accumulate);
        } else {
            job.set(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, n, 1, accumulate);
        }
        try {
            job.run();
        } finally {
            job.clear();
        }
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
        checkArguments(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * n;
            if (!accumulate) {
                Arrays.fill(c, cRow, cRow + n, 0.0);
            }
            for (int p = 0; p < k; p++) {
                double aip = a[aOff + i * aRow + p * aCol];
                int bp = bOff + p * bRow;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bp + j * bCol];
                }
            }
        }
    }

    /**
     * Double-precision product with an epilogue, as the float overload with {@code bias} and {@code act}.
     *
     * @param bias the n values added to each row of C, or null for none
     * @param act  {@link #NONE}, {@link #RELU}, {@link #SIGMOID} or {@link #TANH}
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, double[] b, int bOff, double[] c, int cOff,
                             boolean accumulate, double[] bias, int act) {
        dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, bias, act, null);
    }

    /** Double-precision product with an epilogue and a mask, as the float overload with {@code mask}. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, double[] b, int bOff, double[] c, int cOff,
                             boolean accumulate, double[] bias, int act, double[] mask) {
        checkEpilogue(n, bias == null ? -1 : bias.length, act);
        if (mask != null) checkMask(m, n, cOff, mask.length);
        dgemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        for (int i = 0; i < m; i++) {
            for (int j = 0, at = cOff + i * n; j < n; j++, at++) {
                double y = activate(bias == null ? c[at] : c[at] + bias[j], act);
                c[at] = mask == null ? y : y * (mask[at] > 0 ? 1.0 : 0.0);
            }
        }
    }

    /** Checks a mask laid out like C: m×n values from cOff. */
    private static void checkMask(int m, int n, int cOff, int maskLength) {
        if ((long) cOff + (long) m * n > maskLength) {
            throw new IndexOutOfBoundsException("mask: " + m + "×" + n + " at offset " + cOff + " does not fit in an array of length " + maskLength);
        }
    }

    /** Checks an epilogue: a bias of at least n values (length −1: none) and a known activation. */
    static void checkEpilogue(int n, int biasLength, int act) {
        if (act < NONE || act > TANH) {
            throw new IllegalArgumentException("unknown epilogue activation code " + act);
        }
        if (biasLength >= 0 && biasLength < n) {
            throw new IndexOutOfBoundsException("bias: " + n + " elements do not fit in an array of length "
                    + biasLength);
        }
    }

    private static void checkArguments(int m, int n, int k, int aLength, int aOff,
                                       int bLength, int bOff, int cLength, int cOff) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(
                    "negative matrix dimension: m=" + m + ", n=" + n + ", k=" + k);
        }
        checkFits("A", aLength, aOff, (long) m * k);
        checkFits("B", bLength, bOff, (long) k * n);
        checkFits("C", cLength, cOff, (long) m * n);
    }

    private static void checkFits(String name, int length, int offset, long size) {
        if (offset < 0 || size > length - (long) offset) {
            throw new IndexOutOfBoundsException(name + ": " + size + " elements at offset "
                    + offset + " do not fit in an array of length " + length);
        }
    }

    /**
     * One product {@code C (+)= X·Y} with X (m×k), Y (k×n) and C (m×n) given as strided views:
     * element (r, s) of a view is at {@code off + r*rowStride + s*colStride}. Each thread
     * reuses one Job (a product never starts another on the same thread), so that planning and
     * dispatching a product allocates nothing.
     */
    private static final class Job {
        private static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);

        static Job forCurrentThread() {
            return PER_THREAD.get();
        }

        private int m, n, k;
        private float[] x, y, c;
        private int xOff, xRow, xCol, yOff, yRow, yCol, cOff, cRow, cCol;
        private boolean accumulate;

        /** In row-parallel mode: the block of Y, columns [jc, jc+nc) of rows [pc, pc+kc). */
        private int sharedJc, sharedNc, sharedPc, sharedKc;
        /** Buffers of the thread that started the product: its packed Y block is shared. */
        private Buffers owner;

        private final Parallel.Body packBlockRows = this::packBlockRows;
        private final Parallel.Body multiplyRows = this::multiplyRows;
        private final Parallel.Body multiplyStripe = this::multiplyStripe;

        void set(int m, int n, int k,
                 float[] x, int xOff, int xRow, int xCol,
                 float[] y, int yOff, int yRow, int yCol,
                 float[] c, int cOff, int cRow, int cCol, boolean accumulate) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.x = x;
            this.xOff = xOff;
            this.xRow = xRow;
            this.xCol = xCol;
            this.y = y;
            this.yOff = yOff;
            this.yRow = yRow;
            this.yCol = yCol;
            this.c = c;
            this.cOff = cOff;
            this.cRow = cRow;
            this.cCol = cCol;
            this.accumulate = accumulate;
        }

        /** Drops the references to the caller's arrays. */
        void clear() {
            x = y = c = null;
            owner = null;
        }

        void run() {
            int threads = (long) m * n * k >= PARALLEL_MIN_MNK ? Parallel.threads() : 1;
            if (threads == 1) {
                multiplyColumns(0, n, Buffers.forCurrentThread());
            } else if (n >= threads * MIN_STRIPE) {
                // Vertical stripes: each thread packs and multiplies its own panels of Y.
                Parallel.forRange(blockCount(n, COLUMN_ALIGN), MIN_STRIPE / COLUMN_ALIGN,
                        multiplyStripe);
            } else {
                // Horizontal stripes: pack each block of Y together, then split the rows of C.
                owner = Buffers.forCurrentThread();
                int panelWidth = panelWidth(n), kBlockSize = kBlockSize(k);
                for (int jc = 0; jc < n; jc += panelWidth) {
                    sharedJc = jc;
                    sharedNc = Math.min(panelWidth, n - jc);
                    for (int pc = 0; pc < k; pc += kBlockSize) {
                        sharedPc = pc;
                        sharedKc = Math.min(kBlockSize, k - pc);
                        Parallel.forRange(sharedKc, MIN_PACK_ROWS_PER_TASK, packBlockRows);
                        Parallel.forRange(m, MIN_ROWS_PER_TASK, multiplyRows);
                    }
                }
            }
        }

        /** Parallel body: rows [from, to) of the current block of Y into the owner's buffer. */
        private void packBlockRows(int from, int to) {
            pack(y, yOff, yRow, yCol, sharedPc + from, to - from, sharedJc, sharedNc,
                    owner.yBlock, from);
        }

        /** Parallel body: rows [from, to) of C times the current (packed) block of Y. */
        private void multiplyRows(int from, int to) {
            multiplyBlock(owner.yBlock, sharedJc, sharedNc, sharedPc, sharedKc, from, to,
                    Buffers.forCurrentThread());
        }

        /** Parallel body: the stripe of C made of the column groups [from, to) of 8 columns. */
        private void multiplyStripe(int from, int to) {
            multiplyColumns(from * COLUMN_ALIGN, Math.min(n, to * COLUMN_ALIGN),
                    Buffers.forCurrentThread());
        }

        /** Computes columns [j0, j1) of C on the calling thread. */
        private void multiplyColumns(int j0, int j1, Buffers buffers) {
            int panelWidth = panelWidth(j1 - j0), kBlockSize = kBlockSize(k);
            for (int jc = j0; jc < j1; jc += panelWidth) {
                int nc = Math.min(panelWidth, j1 - jc);
                for (int pc = 0; pc < k; pc += kBlockSize) {
                    int kc = Math.min(kBlockSize, k - pc);
                    pack(y, yOff, yRow, yCol, pc, kc, jc, nc, buffers.yBlock, 0);
                    multiplyBlock(buffers.yBlock, jc, nc, pc, kc, 0, m, buffers);
                }
            }
        }

        /**
         * Adds X[i0..i1, pc..pc+kc] · Y[pc..pc+kc, jc..jc+nc] to C[i0..i1, jc..jc+nc] (or, for
         * the first block of k without {@code accumulate}, stores it there), with the block of
         * Y already packed in {@code yBlock}.
         */
        private void multiplyBlock(float[][] yBlock, int jc, int nc, int pc, int kc,
                                   int i0, int i1, Buffers buffers) {
            boolean loadC = accumulate || pc > 0;
            float[][] cBlock = buffers.cBlock, xBlock = buffers.xBlock;
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                if (loadC) {
                    pack(c, cOff, cRow, cCol, ic, mc, jc, nc, cBlock, 0);
                } else {
                    for (int i = 0; i < mc; i++) {
                        Arrays.fill(cBlock[i], 0, nc, 0f);
                    }
                }
                // xBlock[p][i] = X[ic + i, pc + p]: a pack of the transposed view of X.
                pack(x, xOff, xCol, xRow, pc, kc, ic, mc, xBlock, 0);
                kernel(xBlock, yBlock, cBlock, mc, kc, nc);
                unpack(cBlock, c, cOff, cRow, cCol, ic, mc, jc, nc);
            }
        }
    }

    /** Per-thread packing buffers, allocated at their maximum size on first use. */
    private static final class Buffers {
        private static final ThreadLocal<Buffers> PER_THREAD = ThreadLocal.withInitial(Buffers::new);

        static Buffers forCurrentThread() {
            return PER_THREAD.get();
        }

        /** A block of Y: KC rows of up to NC columns. */
        final float[][] yBlock = new float[KC][NC];
        /** A block of X, transposed: KC rows (the k index) of up to MC values (the m index). */
        final float[][] xBlock = new float[KC][MC];
        /** A block of C: MC rows of up to NC columns. */
        final float[][] cBlock = new float[MC][NC];
    }

    /**
     * The kernel: {@code c[i][j] += Σ_p a[p][i]·b[p][j]} for i < mc, p < kc, j < nc, where
     * {@code a} holds a block of X transposed, {@code b} a block of Y and {@code c} a block of C.
     *
     * <p>Rows of b are taken in groups of {@value #GROUP_ROWS} (at most half of L1); each row of
     * c in turn receives the whole group, four rows of b per pass, while it stays in L1 too. A
     * group is thus read from L2 once per block and reused mc times from L1, and each row of c
     * is read from L2 once per group rather than once per four rows of b.
     */
    static void kernel(float[][] a, float[][] b, float[][] c, int mc, int kc, int nc) {
        int kc4 = kc & ~3;
        for (int p0 = 0; p0 < kc4; p0 += GROUP_ROWS) {
            int p1 = Math.min(kc4, p0 + GROUP_ROWS);
            for (int i = 0; i < mc; i++) {
                float[] ci = c[i];
                for (int p = p0; p < p1; p += 4) {
                    rowUpdate4(ci, a[p][i], b[p], a[p + 1][i], b[p + 1],
                            a[p + 2][i], b[p + 2], a[p + 3][i], b[p + 3], nc);
                }
            }
        }
        for (int p = kc4; p < kc; p++) {
            float[] ap = a[p], bp = b[p];
            for (int i = 0; i < mc; i++) {
                rowUpdate1(c[i], ap[i], bp, nc);
            }
        }
    }

    /**
     * {@code c[j] += a0·b0[j] + a1·b1[j] + a2·b2[j] + a3·b3[j]} for j < n, as a chain of fused
     * multiply-adds. All arrays are indexed from 0: C2 vectorises this loop only in that form.
     */
    private static void rowUpdate4(float[] c, float a0, float[] b0, float a1, float[] b1,
                                   float a2, float[] b2, float a3, float[] b3, int n) {
        for (int j = 0; j < n; j++) {
            c[j] = Math.fma(a3, b3[j], Math.fma(a2, b2[j], Math.fma(a1, b1[j],
                    Math.fma(a0, b0[j], c[j]))));
        }
    }

    /** {@code c[j] += a0·b0[j]} for j < n. */
    private static void rowUpdate1(float[] c, float a0, float[] b0, int n) {
        for (int j = 0; j < n; j++) {
            c[j] = Math.fma(a0, b0[j], c[j]);
        }
    }

    /**
     * Copies the block of rows [r0, r0+nr) and columns [c0, c0+nc) of a strided view into the
     * row arrays {@code dst[d0..d0+nr)}, from index 0: {@code dst[d0+r][s] = x[off +
     * (r0+r)*rowStride + (c0+s)*colStride]}. Rows that are contiguous in memory are plain copies; otherwise the
     * view is transposed storage and is gathered in tiles of PACK_TILE columns, so that the
     * source lines being read and the destination lines being written both stay in L1.
     */
    static void pack(float[] x, int off, int rowStride, int colStride,
                     int r0, int nr, int c0, int nc, float[][] dst, int d0) {
        if (colStride == 1) {
            for (int r = 0; r < nr; r++) {
                System.arraycopy(x, off + (r0 + r) * rowStride + c0, dst[d0 + r], 0, nc);
            }
            return;
        }
        for (int s0 = 0; s0 < nc; s0 += PACK_TILE) {
            int s1 = Math.min(nc, s0 + PACK_TILE);
            int rowStart = off + r0 * rowStride + (c0 + s0) * colStride;
            for (int r = 0; r < nr; r++, rowStart += rowStride) {
                float[] d = dst[d0 + r];
                int src = rowStart;
                for (int s = s0; s < s1; s++, src += colStride) {
                    d[s] = x[src];
                }
            }
        }
    }

    /** The inverse of {@link #pack}: writes the row arrays {@code src[0..nr)} into the view. */
    static void unpack(float[][] src, float[] x, int off, int rowStride, int colStride,
                       int r0, int nr, int c0, int nc) {
        if (colStride == 1) {
            for (int r = 0; r < nr; r++) {
                System.arraycopy(src[r], 0, x, off + (r0 + r) * rowStride + c0, nc);
            }
            return;
        }
        for (int s0 = 0; s0 < nc; s0 += PACK_TILE) {
            int s1 = Math.min(nc, s0 + PACK_TILE);
            int rowStart = off + r0 * rowStride + (c0 + s0) * colStride;
            for (int r = 0; r < nr; r++, rowStart += rowStride) {
                float[] row = src[r];
                int dst = rowStart;
                for (int s = s0; s < s1; s++, dst += colStride) {
                    x[dst] = row[s];
                }
            }
        }
    }

    /** Width of the panels, at most NC, that split {@code width} columns into equal parts. */
    private static int panelWidth(int width) {
        return blockSize(width, blockCount(width, NC), COLUMN_ALIGN);
    }

    /** Size of the blocks, at most KC, that split the k dimension into equal parts. */
    private static int kBlockSize(int k) {
        return blockSize(k, blockCount(k, KC), 4);
    }

    /** Number of blocks of at most {@code max} that {@code length} is split into. */
    private static int blockCount(int length, int max) {
        return (length + max - 1) / max;
    }

    /**
     * Size of each of {@code count} near-equal blocks covering {@code length} (the last may be
     * smaller), rounded up to a multiple of {@code align}. Never exceeds the {@code max} that
     * {@code count} was computed with, provided that max is a multiple of align.
     */
    private static int blockSize(int length, int count, int align) {
        int size = (length + count - 1) / count;
        return (size + align - 1) / align * align;
    }
}
