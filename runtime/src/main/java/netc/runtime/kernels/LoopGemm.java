package netc.runtime.kernels;

import java.util.Arrays;

/**
 * The single-precision product on plain Java loops, which C2 vectorises by itself: the kernel where the Vector API
 * module is absent or turned off ({@code -Dnetc.vector=false}), and the reference that tests hold the Vector API
 * kernel to.
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
 */
final class LoopGemm {
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
    /** Fewest columns of C per thread for splitting C into vertical stripes. */
    private static final int MIN_STRIPE = 256;
    /** Fewest rows of C per thread when splitting C into horizontal stripes. */
    private static final int MIN_ROWS_PER_TASK = 8;
    /** Fewest rows of op(B) per thread when packing a block of op(B) in parallel. */
    private static final int MIN_PACK_ROWS_PER_TASK = 32;
    /** C narrower than this (and taller than wide) is computed transposed. */
    private static final int SWAP_BELOW_N = 64;

    private LoopGemm() {
    }

    /** {@code C (+)= op(A)·op(B)} as described above, for positive m, n and k. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k,
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
            int threads = (long) m * n * k >= Gemm.PARALLEL_MIN_MNK ? Parallel.threads() : 1;
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
