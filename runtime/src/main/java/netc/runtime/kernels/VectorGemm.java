package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The single-precision product on the Vector API ({@code jdk.incubator.vector}): a register-blocked micro-kernel
 * ({@link VectorTiles}) over packed panels, in the style of BLIS. {@link VectorKernels} loads this class by name,
 * and only when the module is in the boot layer, so nothing else in the runtime refers to the incubator API. Every loop is written once, in
 * vectors of {@link VectorWidth#F}: 16 floats (AVX-512) or 8 (AVX2), whichever this machine has or
 * {@code -Dnetc.vector.bits} forces; only the register tile's height (and the single-row strip's count of vectors)
 * depends on the width, since the number of registers does.
 *
 * <p>Loop nest (Goto / van de Geijn, as in BLIS), from outermost:
 * <pre>
 *   for each panel of NC = 1024 columns of C                         (jc)
 *     for each block of KC = 1024 rows of op(B)                      (pc)
 *       pack op(B)[pc.., jc..] in micro-panels of NR = 2 vectors of columns   (kc·nc floats: L3; threads share it)
 *       for each block of at most MC = 144 rows of C (one per thread at a time)   (ic)
 *         pack op(A)[ic.., pc..] in micro-panels of MR rows: 12 (16-float vectors), 6 (8-float; 4 on JDK 25),
 *           the last one as high as the lowest register tile that holds its rows (12, 8, 6 or 4)
 *         for each micro-panel of B (jr), for each micro-panel of A (ir):
 *           the MR×NR tile of C in 2·MR vector registers += A panel · B panel
 * </pre>
 * A micro-panel stores, for each p of the k block, its MR (or NR) values next to each other, so the kernel reads
 * both operands sequentially: per p, two vector loads of B, MR broadcasts of A and 2·MR fused multiply-adds.
 * Panels are zero-padded to whole tiles of their height; a whole tile that overwrites C goes from the registers straight into C,
 * while one added to C (after the first block of k, or to accumulate) goes through a scratch tile, as does a tile that
 * overhangs C, computed in full and only its valid part written. Transpositions are absorbed by the packing.
 *
 * <p>The epilogue (bias over the columns, then an activation ({@link Unary#epilogue()}), then the
 * mask) runs when the last block of k is stored, on the tile while it is in L1 (sigmoid and tanh use the same scalar
 * formulas as the generated elementwise kernels).
 *
 * <p>Two paths pack nothing big, for the shapes of convolutions and small batches. The <em>in-place</em> path, for
 * row-major op(B) with {@link #MIN_TILE_M} to {@link #IN_PLACE_M} rows of C (or a small op(B)): the same register
 * tiles, of the height among {@link VectorTiles#HEIGHTS} that pads the rows least, read op(B) where it lies (its
 * rows n apart instead of NR), and only op(A) is packed. The <em>dot-product</em> path, for {@code A · Bᵀ} with a long k and
 * few rows or columns of C (a convolution's weight gradient): both operands are read along k as they lie, 4×4
 * blocks of C summed in sixteen vector registers and reduced at the end.
 *
 * <p>Other products with at most {@link #SMALL_M} rows (single-sample prediction, small batches) skip packing: op(A)'s
 * rows are copied into contiguous scratch, and op(B) is streamed from memory once: as rows (non-transposed B: up to
 * 2048 sums of C stay in L1 while B's rows stream through, broadcast a(i,p) times row p added to row i of the sums,
 * so that for m = 1 op(B) is read front to back) or as dot products (transposed B: four rows of B against a row of
 * A, along k). A single row (m = 1, e.g. one sample's dense layer) keeps eight vectors of sums in registers instead
 * (a strip of {@link #STRIP} columns of 8-float vectors, two of 16-float ones), so nothing but B is loaded per
 * multiply-add, and reads B's strips from the caller's {@link PackedWeights} copy when there is one, front to back;
 * the sums are added in the same order either way. Threads split the columns of C in equal parts (whole strips for a
 * single row, when there are enough), a thread for every 256 KB of op(B), each copying op(A)'s rows for itself.
 *
 * <p>Parallel products (m·n·k ≥ {@link Gemm#PARALLEL_MIN_MNK}): the threads pack each block of op(B) together,
 * then share out tasks: the row blocks of C, whose number is a multiple of the thread count, or where there are fewer
 * blocks than threads (a batch of 128 rows), each block times a group of column panels, each group's panels packed by
 * the thread that multiplies them; with more than two groups, all of op(A)'s rows packed once by the threads together
 * instead of by every task of a block. Small-m products split the columns of C instead.
 */
final class VectorGemm implements FloatKernel {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    /** Lanes of a vector: 8 or 16. */
    private static final int L = VectorWidth.L;
    private static final int MR = VectorTiles.MR, NR = VectorTiles.NR;
    /** Maximum rows of op(B) in a packed block. */
    static final int KC = 1024;
    /** Maximum rows of C in a packed block of op(A): a multiple of every MR. */
    static final int MC = 144;
    /** Maximum columns of C in a packed block of op(B). */
    static final int NC = 1024;
    /** Products with at most this many rows take the unpacked path (unless one of the two below takes them). */
    static final int SMALL_M = 8;
    /** Fewest rows of C for the in-place and dot-product paths: fewer take the unpacked path. */
    static final int MIN_TILE_M = 4;
    /** Most rows of C for which the in-place path is taken whatever the size of op(B). */
    static final int IN_PLACE_M = 24;
    /**
     * More rows of C take the in-place path for at most this many rows of op(B) (k) and floats of it (256 KB): a
     * short product, whose tiles are mostly their stores, such as a convolution's input gradient (k = its output
     * channels). Longer ones are faster packed (an MLP's backward products: 128×256×128 about 25% faster).
     */
    static final int IN_PLACE_K = 32, IN_PLACE_B = 1 << 16;
    /**
     * A product's k counts as at least this much toward {@link Gemm#PARALLEL_MIN_MNK}: with fewer rows of op(B), writing
     * a tile of C costs as much as its multiply-adds (an MLP's input gradient from 10 classes, 128×128×10: 16 µs).
     */
    static final int SHORT_K = 32;
    /** The dot-product path: at most this many rows or columns of C (the smaller), at least this long a k. */
    static final int DOT_MAX = 32, DOT_MIN_K = 256;
    /**
     * Floats of op(B) per thread on the unpacked path (256 KB: about 1.5 µs of streaming from L2 against the 0.5 µs
     * that handing work to another core costs).
     */
    private static final int SMALL_B_PER_THREAD = 1 << 16;
    /** Fewest columns of C per thread on the unpacked path. */
    private static final int SMALL_COLUMNS = 32;
    /** Sums of C that the unpacked path keeps in L1 while op(B)'s rows stream through (8 KB). */
    private static final int SMALL_SUMS = 2048;
    /** Columns of a packed strip (64: 8 or 4 vectors); a single-row product keeps eight vectors of sums in registers. */
    private static final int STRIP = PackedWeights.STRIP;

    /** Zeros, which a mask blends with ones. */
    private static final FloatVector ZERO = FloatVector.zero(F);
    /** What {@link #store} adds for an absent operand: −0. */
    private static final float[] NEUTRAL = new float[L];

    static {
        java.util.Arrays.fill(NEUTRAL, -0f);
    }

    /** Calls of the micro-kernel on a tiny tile when the class loads: enough for HotSpot to compile it with C2. */
    private static final int WARM_UP_CALLS = 12_000;

    /** Whether this machine's vectors hold at least 8 floats, which the kernels are written for. */
    static boolean supported() {
        return F != null;
    }

    /** The width of the vectors the kernels run with, in bits. */
    @Override
    public int vectorBits() {
        return F.vectorBitSize();
    }

    /**
     * Gets the micro-kernel and the single-row path compiled before the first product needs them. Vector API code
     * runs only once C2 has compiled it; interpreted, every vector operation allocates, and the first large product
     * would take seconds (and the first thousands of single-sample predictions milliseconds each). Some thousands of
     * calls on tiles of 4 steps, on a single row of one strip and on one 4×4 block of dot products (a few
     * milliseconds) make them hot enough to be queued for C2 at once. Results do not depend on it: the warm-up writes
     * only its own scratch.
     */
    VectorGemm() {
        float[] ap = new float[4 * MR], bp = new float[4 * NR], t = new float[MR * NR], c = new float[NR];
        float[] row = new float[4], b = new float[8 * STRIP], strips = new float[8 * STRIP], out = new float[2 * STRIP];
        float[] dots = new float[4 * DOT_MIN_K];
        int[] rowAt = {0, NR, 2 * NR, 3 * NR};
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            int height = VectorTiles.HEIGHTS[i % VectorTiles.HEIGHTS.length];
            VectorTiles.tile(height, 4, ap, 0, bp, 0, (i & 1) == 0 ? null : rowAt, 0, t, 0, NR);
            Unary act = (i & 1) == 0 ? Unary.IDENTITY : Unary.RELU;
            store(t, 0, NR, c, 0, (i & 1) == 0, (i & 2) == 0 ? c : null, 0, act, (i & 4) == 0 ? c : null);
            sgemm(false, false, 1, (i & 2) == 0 ? STRIP : 2 * STRIP, 4, row, 0, b, 0, (i & 1) == 0 ? strips : null, out, 0,
                    false, null, act, null);
            if (i % 8 == 0) sgemm(false, true, 4, 4, DOT_MIN_K, dots, 0, dots, 0, null, t, 0, false, null, Unary.IDENTITY, null);
        }
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                      float[] strips, float[] c, int cOff, boolean accumulate, float[] bias, Unary act, float[] mask) {
        Job job = Job.PER_THREAD.get();
        job.set(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, bias, act, mask);
        job.strips = strips;
        try {
            job.run();
        } finally {
            job.clear();
        }
    }

    @Override
    public float[] packRows(int m, int k, float[] a, int aOff, float[] into) {
        float[] packed = into.length >= packedRowsLength(m, k) ? into : new float[packedRowsLength(m, k)];
        Job job = Job.PER_THREAD.get();
        job.set(false, false, m, 1, k, a, aOff, null, 0, null, 0, false, null, Unary.IDENTITY, null);
        try {
            int kcSize = kcSize(k);
            for (job.pc = 0; job.pc < k; job.pc += kcSize) {
                job.kc = Math.min(kcSize, k - job.pc);
                job.packA(0, m, packed, packedRowsLength(m, job.pc));
            }
        } finally {
            job.clear();
        }
        return packed;
    }

    /**
     * Floats of A [m, k] packed by {@link #packRows}: each block of k, its panels of MR rows; for k the first row of a
     * block, where that block starts.
     */
    private static int packedRowsLength(int m, int k) {
        return roundUp(m, MR) * k;
    }

    @Override
    public void sgemmRows(int m, int n, int k, float[] packedA, float[] b, int bOff, int[] rowAt, float[] c,
                          int cOff) {
        Job job = Job.PER_THREAD.get();
        job.set(false, false, m, n, k, packedA, 0, b, bOff, c, cOff, false, null, Unary.IDENTITY, null);
        job.rowAt = rowAt;
        job.packedA = true;
        try {
            // a thread for each PARALLEL_MIN_MNK multiply-adds: a convolution of one sample (LeNet's second: 336K)
            // stays on the calling thread, whose cache holds its operands
            long work = (long) m * n * k;
            int threads = Math.max(1, Math.min(n / NR, threadsFor(work, Gemm.PARALLEL_MIN_MNK)));
            job.owner = Buffers.PER_THREAD.get();
            job.inPlace(threads);
        } finally {
            job.clear();
        }
    }

    @Override
    public void sgemmDotRows(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, int[] rowAt, float[] c,
                             int cOff) {
        Job job = Job.PER_THREAD.get();
        job.set(false, true, m, n, k, a, aOff, b, bOff, c, cOff, true, null, Unary.IDENTITY, null);
        job.rowAt = rowAt;
        try {
            job.owner = Buffers.PER_THREAD.get();
            job.dotProducts((long) m * n * k >= Gemm.PARALLEL_MIN_MNK ? Parallel.threads() : 1);
        } finally {
            job.clear();
        }
    }

    @Override
    public void sgemmWindows(int m, int n, int k, float[] a, int aOff, int[] rowAt, int[] colAt, float[] b, int bOff,
                             float[] c, int cOff) {
        VectorWindows.multiply(m, n, k, a, aOff, rowAt, colAt, b, bOff, c, cOff);
    }

    @Override
    public void sgemmAddWindows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float[] c, int cOff, int[] rowAt) {
        VectorWindows.addWindows(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, rowAt);
    }

    /** Per-thread scratch: a packed block of op(A), a packed block of op(B), an edge tile, the small-m rows and sums. */
    private static final class Buffers {
        private static final ThreadLocal<Buffers> PER_THREAD = ThreadLocal.withInitial(Buffers::new);
        /**
         * The growable arrays: packed blocks (at most (MC + MR)·KC and (NC + NR)·KC floats), small-m rows and sums, the
         * in-place path's last panel of op(B), and all of op(A)'s rows packed for the threads to share.
         */
        static final int A_PACK = 0, B_PACK = 1, ROWS = 2, SUMS = 3, EDGE = 4, A_SHARED = 5;
        private final float[][] arrays = {new float[0], new float[0], new float[0], new float[0], new float[0], new float[0]};
        final float[] tile = new float[MR * NR];
        private int[] ints = new int[0];

        /** An int array of at least {@code size}, grown to the largest seen. */
        int[] ints(int size) {
            if (ints.length < size) ints = new int[size];
            return ints;
        }

        /** Array {@code which}, grown to at least {@code size} floats, i.e. to the largest product seen. */
        float[] get(int which, int size) {
            if (arrays[which].length < size) arrays[which] = new float[size];
            return arrays[which];
        }
    }

    /** One product, its plan and its parallel bodies; one per calling thread, reused, so dispatch allocates nothing. */
    private static final class Job {
        static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);

        private int m, n, k, aOff, bOff, cOff;
        private Unary act;
        private int aRow, aCol, bRow, bCol;
        private float[] a, b, c, bias, mask;
        private boolean accumulate;
        /** The current block of op(B) and the row blocks of C. */
        private int jc, nc, pc, kc, mcSize, mBlocks, colGroups;
        /** Whether the column groups' tasks read one copy of op(A)'s rows packed by all threads. */
        private boolean sharedA;
        /** The caller's buffers: their packed block of op(B) is shared by the threads. */
        private Buffers owner;
        /** The in-place path: whether a is op(A) as {@link #packRows} packs it. */
        private boolean packedA;
        /** The small-m path: B's strips as {@link PackedWeights} lays them out, or null. */
        private float[] strips;
        /** The small-m path: columns of C per index of its parallel loop. */
        private int unit;
        /**
         * Where each row of op(B) starts, from bOff: on the in-place path, the caller's or rows n apart; on the
         * dot-product path (rows of B, which is op(B) transposed), the caller's, or null for rows k apart.
         */
        private int[] rowAt;

        private final Parallel.Body packB = this::packB;
        private final Parallel.Body packBGroups = this::packBGroups;
        private final Parallel.Body multiplyBlocks = this::multiplyBlocks;
        private final Parallel.Body packAShared = this::packAShared;
        private final Parallel.Body smallColumns = this::smallColumns;
        private final Parallel.Body inPlaceColumns = this::inPlaceColumns;
        private final Parallel.Body dotGroups = this::dotGroups;

        void set(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                 float[] c, int cOff, boolean accumulate, float[] bias, Unary act, float[] mask) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.b = b;
            this.bOff = bOff;
            this.c = c;
            this.cOff = cOff;
            this.accumulate = accumulate;
            this.bias = bias;
            this.act = act;
            this.mask = mask;
            aRow = transA ? 1 : k;
            aCol = transA ? m : 1;
            bRow = transB ? 1 : n;
            bCol = transB ? k : 1;
        }

        void clear() {
            a = b = c = bias = mask = strips = null;
            rowAt = null;
            owner = null;
            packedA = false;
        }

        void run() {
            // a small-m product is bound by streaming op(B): worth sharing out once op(B) outgrows L2 per thread;
            // others by their tiles, which compute NR columns however few C has and store them however short k is
            long work = m <= SMALL_M ? (long) n * k * SMALL_M : (long) m * roundUp(n, NR) * Math.max(k, SHORT_K);
            int threads = work >= Gemm.PARALLEL_MIN_MNK ? Parallel.threads() : 1;
            owner = Buffers.PER_THREAD.get();
            if (aCol == 1 && bRow == 1 && m >= MIN_TILE_M && Math.min(m, n) <= DOT_MAX && k >= DOT_MIN_K) {
                dotProducts(threads);
                return;
            }
            if (bCol == 1 && m >= MIN_TILE_M && (threads == 1 || n >= NR * threads)
                    && (m <= IN_PLACE_M || k <= IN_PLACE_K && (long) k * n <= IN_PLACE_B)) {
                inPlace(threads);
                return;
            }
            if (m <= SMALL_M) {
                // streaming op(B) is the work: a thread for each SMALL_B_PER_THREAD floats of it, where a thread's
                // share (the same columns every time, in its core's cache) outweighs handing it over
                threads = threadsFor((long) n * k, SMALL_B_PER_THREAD);
                // a single row takes whole strips per thread: always from a packed copy, else while there are
                // enough to go round
                unit = m == 1 && (strips != null || n / STRIP >= threads) ? STRIP : L;
                int groups = (n + unit - 1) / unit;
                int chunk = threads == 1 ? groups : Math.max((groups + threads - 1) / threads, SMALL_COLUMNS / unit);
                Parallel.forRange(groups, chunk, smallColumns);
                return;
            }
            int ncSize = roundUp((n + blockCount(n, NC) - 1) / blockCount(n, NC), NR);
            // the threads' tasks: row blocks of C (each packs its rows of op(A)), times groups of column panels when
            // there are fewer blocks than threads (each group's block then packed by each of its tasks)
            int blocks = (m + MC - 1) / MC;
            colGroups = 1;
            if (threads > 1 && blocks >= threads) {
                blocks = (blocks + threads - 1) / threads * threads;
            } else if (threads > 1) {
                colGroups = Math.min(ncSize / NR, threads);
                blocks = Math.max(blocks, (threads + colGroups - 1) / colGroups);
            }
            // Two column groups each pack their rows of op(A) themselves: on two cores, reading a shared copy half
            // packed by the other core was slower (128×256×128: 69 against 45 µs, 128×784×256: 284 against 208).
            // More groups share one copy, which would otherwise be packed as many times over.
            sharedA = colGroups > 2;
            mcSize = roundUp((m + blocks - 1) / blocks, MR);
            mBlocks = (m + mcSize - 1) / mcSize;
            int kcSize = kcSize(k);
            for (jc = 0; jc < n; jc += ncSize) {
                nc = Math.min(ncSize, n - jc);
                for (pc = 0; pc < k; pc += kcSize) {
                    kc = Math.min(kcSize, k - pc);
                    int panels = (nc + NR - 1) / NR;
                    owner.get(Buffers.B_PACK, panels * NR * kc);
                    // where column groups split the rows, each group's thread packs the panels it multiplies
                    if (colGroups > 1) Parallel.forRange(colGroups, 1, packBGroups);
                    else Parallel.forRange(panels, threads == 1 ? panels : 4, packB);
                    if (sharedA) {
                        // each row block is a task of each column group: its rows of op(A) packed once, by all threads
                        owner.get(Buffers.A_SHARED, roundUp(m, MR) * kc);
                        Parallel.forRange((m + MR - 1) / MR, 1, packAShared);
                    }
                    Parallel.forRange(mBlocks * colGroups, 1, multiplyBlocks);
                }
            }
        }

        /** Parallel body: the micro-panels of column groups [from, to) (see {@link #multiplyBlocks}), as {@link #packB}. */
        private void packBGroups(int from, int to) {
            packB(firstPanel(from), firstPanel(to));
        }

        /** The first micro-panel of the current block of op(B) in column group g (or the end, for g = colGroups). */
        private int firstPanel(int g) {
            return (nc + NR - 1) / NR * g / colGroups;
        }

        /** Parallel body: micro-panels [from, to) of the current block of op(B), into the owner's buffer. */
        private void packB(int from, int to) {
            float[] dst = owner.get(Buffers.B_PACK, 0); // sized by run()
            for (int panel = from; panel < to; panel++) {
                int j0 = panel * NR, width = Math.min(NR, nc - j0), at = panel * kc * NR;
                for (int p = 0; p < kc; p++, at += NR) {
                    int src = bOff + (pc + p) * bRow + (jc + j0) * bCol;
                    if (bCol == 1) {
                        System.arraycopy(b, src, dst, at, width);
                    } else {
                        for (int j = 0; j < width; j++, src += bCol) dst[at + j] = b[src];
                    }
                    for (int j = width; j < NR; j++) dst[at + j] = 0f;
                }
            }
        }

        /** Parallel body: micro-panels [from, to) of all of op(A)'s rows, into the owner's shared buffer (sized by run()). */
        private void packAShared(int from, int to) {
            packA(from * MR, Math.min(m, to * MR) - from * MR, owner.get(Buffers.A_SHARED, 0), from * MR * kc);
        }

        /**
         * Parallel body: tasks [from, to), each a row block of C times a group of panels of the current block of op(B),
         * which packs the block's rows of op(A) itself, or finds them in the shared buffer ({@link #sharedA}).
         */
        private void multiplyBlocks(int from, int to) {
            Buffers own = Buffers.PER_THREAD.get();
            float[] ap = sharedA ? owner.get(Buffers.A_SHARED, 0) : own.get(Buffers.A_PACK, roundUp(mcSize, MR) * kc);
            float[] bp = owner.get(Buffers.B_PACK, 0);
            for (int task = from; task < to; task++) {
                int blk = task / colGroups, group = task % colGroups;
                int ic = blk * mcSize, mc = Math.min(mcSize, m - ic);
                int j0 = firstPanel(group) * NR, j1 = Math.min(nc, firstPanel(group + 1) * NR);
                int at = sharedA ? ic * kc : 0;
                if (!sharedA) packA(ic, mc, ap, 0);
                for (int jr = j0; jr < j1; jr += NR) {
                    for (int ir = 0; ir < mc; ir += MR) {
                        writeTile(ap, at + ir * kc, bp, jr * kc, null, 0, ic + ir, jc + jr, Math.min(MR, mc - ir),
                                Math.min(NR, nc - jr), own.tile);
                    }
                }
            }
        }

        /**
         * The tile of C at (row, col), {@code rows}×{@code cols} of it inside C, computed from the packed op(A) at ai
         * and op(B) at bi (its row p at {@code bi + rowAt[ro + p]}, or {@code bi + p·NR} when rowAt is null) over the current block of k, and written to C:
         * straight from the registers
         * when it is whole and overwrites C, else through the scratch tile t; the epilogue after the last block of k.
         */
        private void writeTile(float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro, int row, int col, int rows,
                               int cols, float[] t) {
            boolean loadC = accumulate || pc > 0, last = pc + kc == k;
            int ci = cOff + row * n + col;
            int height = VectorTiles.height(rows);
            boolean whole = rows == height && cols == NR;
            if (whole && !loadC) {
                VectorTiles.tile(height, kc, ap, ai, bp, bi, rowAt, ro, c, ci, n);
                if (last && (bias != null || act != Unary.IDENTITY || mask != null)) {
                    for (int r = 0; r < rows; r++) store(c, ci + r * n, NR, c, ci + r * n, false, bias, col, act, mask);
                }
                return;
            }
            VectorTiles.tile(height, kc, ap, ai, bp, bi, rowAt, ro, t, 0, NR);
            if (whole) {
                for (int r = 0; r < rows; r++) {
                    store(t, r * NR, NR, c, ci + r * n, true, last ? bias : null, col, last ? act : Unary.IDENTITY,
                            last ? mask : null);
                }
                return;
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    int at = ci + r * n + j;
                    float v = loadC ? c[at] + t[r * NR + j] : t[r * NR + j];
                    c[at] = last ? Epilogue.apply(v, bias, col + j, act, mask, at) : v;
                }
            }
        }

        /**
         * The in-place path, for row-major op(B) with few rows of C or a small op(B): op(B) is read where it lies, never
         * packed, by register tiles of {@link VectorTiles#MR} rows (the last one {@link VectorTiles#height}); op(A) is
         * packed whole for each block of k. Threads take whole panels of {@link #NR} columns.
         */
        private void inPlace(int threads) {
            if (rowAt == null) {
                // row p of op(B) n further than row p − 1
                rowAt = owner.ints(k);
                for (int p = 0; p < k; p++) rowAt[p] = p * n;
            }
            jc = 0;
            nc = n;
            int panels = (n + NR - 1) / NR, kcSize = kcSize(k);
            for (pc = 0; pc < k; pc += kcSize) {
                kc = Math.min(kcSize, k - pc);
                if (!packedA) packA(0, m, owner.get(Buffers.A_PACK, roundUp(m, MR) * kc), 0);
                Parallel.forRange(panels, threads == 1 ? panels : Math.max(1, panels / threads), inPlaceColumns);
            }
        }

        /** Parallel body of the in-place path: column panels [from, to), each against every row panel of op(A). */
        private void inPlaceColumns(int from, int to) {
            Buffers own = Buffers.PER_THREAD.get();
            float[] ap = packedA ? a : owner.get(Buffers.A_PACK, 0);
            int apOff = packedA ? packedRowsLength(m, pc) : 0;
            for (int panel = from; panel < to; panel++) {
                int j0 = panel * NR, cols = Math.min(NR, n - j0), bi = bOff + j0, ro = pc;
                float[] bp = b;
                int[] rows = rowAt;
                if (cols < NR) {
                    // the last, narrower panel: copied into a zero-padded one, so that the tile reads nothing past B
                    bp = own.get(Buffers.EDGE, kc * NR);
                    for (int p = 0; p < kc; p++) {
                        System.arraycopy(b, bi + rowAt[pc + p], bp, p * NR, cols);
                        java.util.Arrays.fill(bp, p * NR + cols, (p + 1) * NR, 0f);
                    }
                    bi = 0;
                    rows = null;
                    ro = 0;
                }
                for (int ir = 0; ir < m; ir += MR) {
                    writeTile(ap, apOff + ir * kc, bp, bi, rows, ro, ir, j0, Math.min(MR, m - ir), cols, own.tile);
                }
            }
        }

        /**
         * The dot-product path, for {@code A · Bᵀ} with both operands row-major along a long k and few rows or columns
         * of C (a convolution's weight gradient, whose k runs over the output positions of many samples): nothing is
         * packed; each 4×4 block of C is sixteen dot products in registers, four rows of A against four rows of B,
         * reduced at the end. The blocks of the operand with fewer rows are the inner loop, so that it stays in cache;
         * threads take groups of the outer.
         */
        /** Where row j of B starts on the dot-product path: k apart, or where the caller's {@link #rowAt} says. */
        private int rowOfB(int j) {
            return bOff + (rowAt == null ? j * k : rowAt[j]);
        }

        private void dotProducts(int threads) {
            int outer = (Math.max(m, n) + 3) / 4;
            Parallel.forRange(outer, threads == 1 ? outer : 1, dotGroups);
        }

        /** Parallel body of the dot-product path: outer groups [from, to) of four rows (of A if m ≥ n, else of B). */
        private void dotGroups(int from, int to) {
            float[] sums = Buffers.PER_THREAD.get().get(Buffers.SUMS, 16);
            boolean rowsOuter = m >= n;
            int inner = ((rowsOuter ? n : m) + 3) / 4;
            for (int g = from; g < to; g++) {
                for (int h = 0; h < inner; h++) {
                    int i = 4 * (rowsOuter ? g : h), j = 4 * (rowsOuter ? h : g);
                    if (m - i <= 2) dotTile2(i, j, sums);  // the last rows of A, where m is 4t + 1 or 4t + 2
                    else dotTile(i, j, sums);
                }
            }
        }

        /**
         * As {@link #dotTile} for the one or two last rows of A (a convolution's six output channels: a 4×4 tile there
         * would compute two rows for nothing): two rows of A against four of B, eight sums.
         */
        private void dotTile2(int i, int j, float[] sums) {
            int a0 = aOff + i * k, a1 = aOff + Math.min(i + 1, m - 1) * k;
            int b0 = rowOfB(j), b1 = rowOfB(Math.min(j + 1, n - 1)), b2 = rowOfB(Math.min(j + 2, n - 1));
            int b3 = rowOfB(Math.min(j + 3, n - 1));
            FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00;
            FloatVector s13 = s00;
            int kv = k & ~(L - 1);
            for (int p = 0; p < kv; p += L) {
                FloatVector x0 = FloatVector.fromArray(F, b, b0 + p), x1 = FloatVector.fromArray(F, b, b1 + p);
                FloatVector x2 = FloatVector.fromArray(F, b, b2 + p), x3 = FloatVector.fromArray(F, b, b3 + p);
                FloatVector u = FloatVector.fromArray(F, a, a0 + p);
                s00 = u.fma(x0, s00);
                s01 = u.fma(x1, s01);
                s02 = u.fma(x2, s02);
                s03 = u.fma(x3, s03);
                u = FloatVector.fromArray(F, a, a1 + p);
                s10 = u.fma(x0, s10);
                s11 = u.fma(x1, s11);
                s12 = u.fma(x2, s12);
                s13 = u.fma(x3, s13);
            }
            sums[0] = s00.reduceLanes(VectorOperators.ADD);
            sums[1] = s01.reduceLanes(VectorOperators.ADD);
            sums[2] = s02.reduceLanes(VectorOperators.ADD);
            sums[3] = s03.reduceLanes(VectorOperators.ADD);
            sums[4] = s10.reduceLanes(VectorOperators.ADD);
            sums[5] = s11.reduceLanes(VectorOperators.ADD);
            sums[6] = s12.reduceLanes(VectorOperators.ADD);
            sums[7] = s13.reduceLanes(VectorOperators.ADD);
            finishDotTile(i, j, kv, sums);
        }

        /**
         * {@code C[i+r, j+q]} for r, q < 4 (those inside C) as dot products of rows of A and rows of B; rows past the
         * last repeat it and their sums are dropped. Vector sums along k, reduced, then the terms past the last whole
         * vector one by one.
         */
        private void dotTile(int i, int j, float[] sums) {
            int a0 = aOff + i * k, a1 = aOff + Math.min(i + 1, m - 1) * k, a2 = aOff + Math.min(i + 2, m - 1) * k;
            int a3 = aOff + Math.min(i + 3, m - 1) * k;
            int b0 = rowOfB(j), b1 = rowOfB(Math.min(j + 1, n - 1)), b2 = rowOfB(Math.min(j + 2, n - 1));
            int b3 = rowOfB(Math.min(j + 3, n - 1));
            FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00;
            FloatVector s13 = s00, s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
            int kv = k & ~(L - 1);
            for (int p = 0; p < kv; p += L) {
                FloatVector x0 = FloatVector.fromArray(F, b, b0 + p), x1 = FloatVector.fromArray(F, b, b1 + p);
                FloatVector x2 = FloatVector.fromArray(F, b, b2 + p), x3 = FloatVector.fromArray(F, b, b3 + p);
                FloatVector u = FloatVector.fromArray(F, a, a0 + p);
                s00 = u.fma(x0, s00);
                s01 = u.fma(x1, s01);
                s02 = u.fma(x2, s02);
                s03 = u.fma(x3, s03);
                u = FloatVector.fromArray(F, a, a1 + p);
                s10 = u.fma(x0, s10);
                s11 = u.fma(x1, s11);
                s12 = u.fma(x2, s12);
                s13 = u.fma(x3, s13);
                u = FloatVector.fromArray(F, a, a2 + p);
                s20 = u.fma(x0, s20);
                s21 = u.fma(x1, s21);
                s22 = u.fma(x2, s22);
                s23 = u.fma(x3, s23);
                u = FloatVector.fromArray(F, a, a3 + p);
                s30 = u.fma(x0, s30);
                s31 = u.fma(x1, s31);
                s32 = u.fma(x2, s32);
                s33 = u.fma(x3, s33);
            }
            sums[0] = s00.reduceLanes(VectorOperators.ADD);
            sums[1] = s01.reduceLanes(VectorOperators.ADD);
            sums[2] = s02.reduceLanes(VectorOperators.ADD);
            sums[3] = s03.reduceLanes(VectorOperators.ADD);
            sums[4] = s10.reduceLanes(VectorOperators.ADD);
            sums[5] = s11.reduceLanes(VectorOperators.ADD);
            sums[6] = s12.reduceLanes(VectorOperators.ADD);
            sums[7] = s13.reduceLanes(VectorOperators.ADD);
            sums[8] = s20.reduceLanes(VectorOperators.ADD);
            sums[9] = s21.reduceLanes(VectorOperators.ADD);
            sums[10] = s22.reduceLanes(VectorOperators.ADD);
            sums[11] = s23.reduceLanes(VectorOperators.ADD);
            sums[12] = s30.reduceLanes(VectorOperators.ADD);
            sums[13] = s31.reduceLanes(VectorOperators.ADD);
            sums[14] = s32.reduceLanes(VectorOperators.ADD);
            sums[15] = s33.reduceLanes(VectorOperators.ADD);
            finishDotTile(i, j, kv, sums);
        }

        /**
         * A dot tile's sums of C inside it ({@code sums[4r + q]} for {@code C[i + r, j + q]}) plus the terms past the
         * last whole vector (from kv) one by one, written to C.
         */
        private void finishDotTile(int i, int j, int kv, float[] sums) {
            for (int r = 0; r < 4 && i + r < m; r++) {
                int ar = aOff + (i + r) * k;
                for (int q = 0; q < 4 && j + q < n; q++) {
                    int bq = rowOfB(j + q);
                    float sum = sums[4 * r + q];
                    for (int p = kv; p < k; p++) sum = Math.fma(a[ar + p], b[bq + p], sum);
                    finishScalar(sum, cOff + (i + r) * n + j + q, j + q);
                }
            }
        }

        /**
         * Packs rows [ic, ic+mc) of the current k block of op(A) into dst from dstOff in micro-panels of
         * {@link VectorTiles#MR} rows, the last one of {@link VectorTiles#height} rows, zero-padded.
         */
        private void packA(int ic, int mc, float[] dst, int dstOff) {
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir), mr = VectorTiles.height(rows), at = dstOff + ir * kc;
                int src = aOff + (ic + ir) * aRow + pc * aCol;
                if (aRow == 1 && rows == mr && mr <= L) {
                    // op(A) is Aᵀ: the mr values of one p are contiguous in A, copied as one vector whose values
                    // past mr land where the next p's go, written next (the last p's one by one when the vector
                    // would leave A or the panel, which another thread may be packing)
                    int p = 0, end = at + mr * kc;
                    for (; p < kc && src + L <= a.length && at + L <= end; p++, at += mr, src += aCol) {
                        FloatVector.fromArray(F, a, src).intoArray(dst, at);
                    }
                    for (; p < kc; p++, at += mr, src += aCol) {
                        for (int r = 0; r < mr; r++) dst[at + r] = a[src + r];
                    }
                } else if (aRow == 1) {
                    for (int p = 0; p < kc; p++, at += mr, src += aCol) {
                        for (int r = 0; r < rows; r++) dst[at + r] = a[src + r];
                        for (int r = rows; r < mr; r++) dst[at + r] = 0f;
                    }
                } else {
                    // one row of A at a time, read sequentially (six rows side by side would be six streams
                    // a row apart: slower, and 4 KB apart for k = 1024)
                    for (int r = 0; r < rows; r++) {
                        int s = src + r * aRow, d = at + r;
                        for (int p = 0; p < kc; p++, d += mr) dst[d] = a[s + p];
                    }
                    for (int r = rows; r < mr; r++) {
                        for (int p = 0, d = at + r; p < kc; p++, d += mr) dst[d] = 0f;
                    }
                }
            }
        }

        /**
         * Parallel body of the small-m path: column groups [from, to) of {@link #unit} columns of C. For row-major
         * op(B) the rows of B are streamed four at a time into rows of sums that stay in L1 (see {@link #rowSums}), in
         * as few passes as {@link #SMALL_SUMS} allows, or for m = 1 in {@link #strip}s of sums held in registers (read
         * from B's packed copy when the caller gave one), the rest as rows; for transposed op(B) each row of B is a dot
         * product with a row of op(A), but for a single row with a packed copy, whose whole strips are read as above.
         */
        private void smallColumns(int from, int to) {
            int j0 = from * unit, j1 = Math.min(n, to * unit);
            // each thread copies op(A)'s rows for itself: read a value at a time from another core's cache, they
            // would cost a transfer every sixteen steps of k
            Buffers own = Buffers.PER_THREAD.get();
            float[] rows = own.get(Buffers.ROWS, m * k);
            for (int i = 0; i < m; i++) {
                if (aCol == 1) System.arraycopy(a, aOff + i * aRow, rows, i * k, k);
                else for (int p = 0; p < k; p++) rows[i * k + p] = a[aOff + i * aRow + p * aCol];
            }
            if (bCol != 1 && (m > 1 || strips == null)) {
                dotRange(rows, j0, j1);
                return;
            }
            float[] sums = own.get(Buffers.SUMS, Math.max(8 * L, SMALL_SUMS));
            if (bCol == 1 && m > 1) {
                rowRange(rows, j0, j1, sums);
                return;
            }
            // a single row: eight vectors of sums at a time (a strip of 8-float vectors, two of 16-float), four for a
            // last single strip of 16-float ones. With a packed copy every column (the threads take whole strips;
            // the last strip is padded with zeros); without one (a row-major op(B) at its first product) the whole
            // strips of B, and the columns outside them as rows. The sums in the order of p either way.
            if (strips != null) {
                for (int jp = j0; jp < j1; ) {
                    int width = L == 8 || jp + STRIP < j1 ? 8 * L : 4 * L, at = stripAt(jp);
                    if (width == 8 * L) eight(rows, strips, at, STRIP, stripAt(jp + 4 * L) - at, sums);
                    else four(rows, strips, at, STRIP, sums);
                    storeRow(sums, 0, cOff + jp, jp, Math.min(width, j1 - jp));
                    jp += width;
                }
                return;
            }
            int first = Math.min(j1, (j0 + STRIP - 1) / STRIP * STRIP), last = first + (j1 - first) / STRIP * STRIP;
            rowRange(rows, j0, first, sums);
            for (int jp = first; jp < last; ) {
                int width = jp + 8 * L <= last ? 8 * L : 4 * L;
                if (width == 8 * L) eight(rows, b, bOff + jp, n, 4 * L, sums);
                else four(rows, b, bOff + jp, n, sums);
                store(sums, 0, width, c, cOff + jp, accumulate, bias, jp, act, mask);
                jp += width;
            }
            rowRange(rows, last, j1, sums);
        }

        /** Where column j of op(B) starts in the packed copy: strip j / STRIP, column j % STRIP. */
        private int stripAt(int j) {
            return j / STRIP * STRIP * k + j % STRIP;
        }

        /** Stores {@code width} sums from {@code sums[si]} into C at ci (column col): whole vectors, then one by one. */
        private void storeRow(float[] sums, int si, int ci, int col, int width) {
            int wv = width & ~(L - 1);
            if (wv > 0) store(sums, si, wv, c, ci, accumulate, bias, col, act, mask);
            for (int j = wv; j < width; j++) finishScalar(sums[si + j], ci + j, col + j);
        }

        /** Columns [j0, j1) of C for transposed op(B): each a dot product of a row of op(A) with a row of B. */
        private void dotRange(float[] rows, int j0, int j1) {
            int lone = j0 + (j1 - j0) / 4 * 4;
            for (int i = 0; i < m; i++) dots(rows, i, j0, lone);
            for (int j = lone; j < j1; j++) loneColumn(rows, j);
        }

        /** Columns [j0, j1) of C for row-major op(B), through {@link #rowSums} in as few passes as the sums allow. */
        private void rowRange(float[] rows, int j0, int j1, float[] sums) {
            int span = Math.max(L, SMALL_SUMS / m / L * L);
            for (int jp = j0; jp < j1; jp += span) {
                int width = Math.min(span, j1 - jp);
                java.util.Arrays.fill(sums, 0, m * width, 0f);
                rowSums(rows, jp, width, sums);
                for (int i = 0; i < m; i++) storeRow(sums, i * width, cOff + i * n + jp, jp, width);
            }
        }

        /**
         * {@code sums[i·width + j] += Σ_p a(i,p)·B(p, j0+j)} for row-major op(B): four rows of B per pass (four
         * multiply-adds per load and store of the sums), each pass applied to every row of op(A) while those four
         * rows of B are in L1.
         */
        private void rowSums(float[] rows, int j0, int width, float[] sums) {
            int wv = width & ~(L - 1), k4 = k & ~3;
            for (int p = 0; p < k4; p += 4) {
                int b0 = bOff + p * n + j0, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
                for (int i = 0; i < m; i++) {
                    int ai = i * k + p, si = i * width;
                    float a0 = rows[ai], a1 = rows[ai + 1], a2 = rows[ai + 2], a3 = rows[ai + 3];
                    FloatVector u0 = FloatVector.broadcast(F, a0), u1 = FloatVector.broadcast(F, a1);
                    FloatVector u2 = FloatVector.broadcast(F, a2), u3 = FloatVector.broadcast(F, a3);
                    int j = 0;
                    for (; j < wv; j += L) {
                        FloatVector x = FloatVector.fromArray(F, sums, si + j);
                        x = u0.fma(FloatVector.fromArray(F, b, b0 + j), x);
                        x = u1.fma(FloatVector.fromArray(F, b, b1 + j), x);
                        x = u2.fma(FloatVector.fromArray(F, b, b2 + j), x);
                        x = u3.fma(FloatVector.fromArray(F, b, b3 + j), x);
                        x.intoArray(sums, si + j);
                    }
                    for (; j < width; j++) {
                        sums[si + j] = Math.fma(a3, b[b3 + j], Math.fma(a2, b[b2 + j],
                                Math.fma(a1, b[b1 + j], Math.fma(a0, b[b0 + j], sums[si + j]))));
                    }
                }
            }
            for (int p = k4; p < k; p++) {
                int bp = bOff + p * n + j0;
                for (int i = 0; i < m; i++) {
                    float u = rows[i * k + p];
                    for (int j = 0, si = i * width; j < width; j++) sums[si + j] = Math.fma(u, b[bp + j], sums[si + j]);
                }
            }
        }

        /**
         * {@code sums[j] = Σ_p a(0,p)·B(p, j)} for the 8·{@link #L} columns of two runs of four vectors: at
         * {@code at} and {@code at + next} in row p of {@code src}, rows {@code stride} apart (B itself, stride n, or
         * its packed copy, stride {@link #STRIP}). The sums in eight registers, so that the eight chains of
         * multiply-adds hide each other's latency and only B is loaded per multiply-add; the terms added in the order
         * of p, as in {@link #rowSums}.
         */
        private void eight(float[] rows, float[] src, int at, int stride, int next, float[] sums) {
            int k = this.k;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int p = 0, bp = at, bq = at + next; p < k; p++, bp += stride, bq += stride) {
                FloatVector u = FloatVector.broadcast(F, rows[p]);
                s0 = u.fma(FloatVector.fromArray(F, src, bp), s0);
                s1 = u.fma(FloatVector.fromArray(F, src, bp + L), s1);
                s2 = u.fma(FloatVector.fromArray(F, src, bp + 2 * L), s2);
                s3 = u.fma(FloatVector.fromArray(F, src, bp + 3 * L), s3);
                s4 = u.fma(FloatVector.fromArray(F, src, bq), s4);
                s5 = u.fma(FloatVector.fromArray(F, src, bq + L), s5);
                s6 = u.fma(FloatVector.fromArray(F, src, bq + 2 * L), s6);
                s7 = u.fma(FloatVector.fromArray(F, src, bq + 3 * L), s7);
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, L);
            s2.intoArray(sums, 2 * L);
            s3.intoArray(sums, 3 * L);
            s4.intoArray(sums, 4 * L);
            s5.intoArray(sums, 5 * L);
            s6.intoArray(sums, 6 * L);
            s7.intoArray(sums, 7 * L);
        }

        /** As {@link #eight} for the 4·{@link #L} columns of one run of four vectors. */
        private void four(float[] rows, float[] src, int at, int stride, float[] sums) {
            int k = this.k;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0, bp = at; p < k; p++, bp += stride) {
                FloatVector u = FloatVector.broadcast(F, rows[p]);
                s0 = u.fma(FloatVector.fromArray(F, src, bp), s0);
                s1 = u.fma(FloatVector.fromArray(F, src, bp + L), s1);
                s2 = u.fma(FloatVector.fromArray(F, src, bp + 2 * L), s2);
                s3 = u.fma(FloatVector.fromArray(F, src, bp + 3 * L), s3);
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, L);
            s2.intoArray(sums, 2 * L);
            s3.intoArray(sums, 3 * L);
        }

        /** Row i of C, columns [j0, j1), for transposed op(B): dot products of row i of op(A) with rows of B. */
        private void dots(float[] rows, int i, int j0, int j1) {
            int ai = i * k, ci = cOff + i * n, kv = k & ~(L - 1);
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                int b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
                FloatVector x0 = FloatVector.zero(F), x1 = x0, x2 = x0, x3 = x0;
                for (int p = 0; p < kv; p += L) {
                    FloatVector u = FloatVector.fromArray(F, rows, ai + p);
                    x0 = u.fma(FloatVector.fromArray(F, b, b0 + p), x0);
                    x1 = u.fma(FloatVector.fromArray(F, b, b1 + p), x1);
                    x2 = u.fma(FloatVector.fromArray(F, b, b2 + p), x2);
                    x3 = u.fma(FloatVector.fromArray(F, b, b3 + p), x3);
                }
                finishDot(rows, x0.reduceLanes(VectorOperators.ADD), ai, kv, b0, ci + j, j);
                finishDot(rows, x1.reduceLanes(VectorOperators.ADD), ai, kv, b1, ci + j + 1, j + 1);
                finishDot(rows, x2.reduceLanes(VectorOperators.ADD), ai, kv, b2, ci + j + 2, j + 2);
                finishDot(rows, x3.reduceLanes(VectorOperators.ADD), ai, kv, b3, ci + j + 3, j + 3);
            }
        }

        /**
         * Column j of C for transposed op(B), left over by the groups of four: each row's dot product one scalar chain
         * along k, four rows' chains side by side (so they run at the multiply-adds' throughput, not their latency).
         */
        private void loneColumn(float[] rows, int j) {
            int bj = bOff + j * k;
            for (int i = 0; i < m; i += 4) {
                // rows past the last repeat it, and their sums are dropped
                int a0 = i * k, a1 = Math.min(i + 1, m - 1) * k, a2 = Math.min(i + 2, m - 1) * k;
                int a3 = Math.min(i + 3, m - 1) * k;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int p = 0; p < k; p++) {
                    float u = b[bj + p];
                    s0 = Math.fma(rows[a0 + p], u, s0);
                    s1 = Math.fma(rows[a1 + p], u, s1);
                    s2 = Math.fma(rows[a2 + p], u, s2);
                    s3 = Math.fma(rows[a3 + p], u, s3);
                }
                finishScalar(s0, cOff + i * n + j, j);
                if (i + 1 < m) finishScalar(s1, cOff + (i + 1) * n + j, j);
                if (i + 2 < m) finishScalar(s2, cOff + (i + 2) * n + j, j);
                if (i + 3 < m) finishScalar(s3, cOff + (i + 3) * n + j, j);
            }
        }

        /** Adds the terms p ≥ from of row {@code ai} of op(A) times row {@code bi} of B to {@code sum}, and stores it. */
        private void finishDot(float[] rows, float sum, int ai, int from, int bi, int ci, int col) {
            for (int p = from; p < k; p++) sum = Math.fma(rows[ai + p], b[bi + p], sum);
            finishScalar(sum, ci, col);
        }

        private void finishScalar(float v, int ci, int col) {
            float sum = accumulate ? c[ci] + v : v;
            c[ci] = bias == null && act == Unary.IDENTITY && mask == null ? sum : Epilogue.apply(sum, bias, col, act, mask, ci);
        }
    }

    /**
     * Writes {@code width} (a multiple of 8) computed values {@code t[ti..]} to C at {@code ci}: added to C's values
     * when {@code load}, then plus {@code bias[col..]} when there is a bias, then the activation, then times
     * {@code (mask[ci..] > 0 ? 1 : 0)} when there is a mask (laid out like C). No branch merges
     * vector values (C2 would box them): an absent operand is read from {@link #NEUTRAL} (−0, the additive identity of
     * every float, −0 included), and relu's floor is −∞ when there is no relu.
     */
    private static void store(float[] t, int ti, int width, float[] c, int ci, boolean load, float[] bias, int col,
                              Unary act, float[] mask) {
        float[] src = load ? c : NEUTRAL, add = bias != null ? bias : NEUTRAL;
        float floor = act == Unary.RELU ? 0f : Float.NEGATIVE_INFINITY;
        for (int h = 0; h < width; h += L) {
            int si = load ? ci + h : 0, ai = bias != null ? col + h : 0;
            FloatVector.fromArray(F, t, ti + h).add(FloatVector.fromArray(F, src, si))
                    .add(FloatVector.fromArray(F, add, ai)).max(floor).intoArray(c, ci + h);
        }
        if (act != Unary.IDENTITY && act != Unary.RELU) act.map(c, c, ci, ci + width);
        if (mask != null) {
            for (int h = 0; h < width; h += L) {
                FloatVector step = ZERO.blend(1f, FloatVector.fromArray(F, mask, ci + h).compare(VectorOperators.GT, 0f));
                FloatVector.fromArray(F, c, ci + h).mul(step).intoArray(c, ci + h);
            }
        }
    }

    /** A thread for each {@code perThread} of the work, at least one and at most the pool's. */
    private static int threadsFor(long work, long perThread) {
        return (int) Math.max(1, Math.min(Parallel.threads(), work / perThread));
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Rows of op(B) in each block of k. */
    private static int kcSize(int k) {
        return (k + blockCount(k, KC) - 1) / blockCount(k, KC);
    }

    private static int blockCount(int length, int max) {
        return Math.max(1, (length + max - 1) / max);
    }
}
