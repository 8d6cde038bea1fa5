package netc.runtime.kernels;

import java.util.Arrays;

/**
 * Convolution over one or two spatial dimensions (a 1-d convolution is a 2-d one with height 1), PyTorch's
 * {@code conv2d} semantics: cross-correlation with zero padding, stride and dilation, no groups.
 *
 * <p>Shapes: x [batch, C, H, W], weight [O, C, KH, KW], y [batch, O, OH, OW], the sizes in a {@link Geometry}. Every
 * kernel is a {@link Gemm} product of the weights with the input's windows, in one of three ways:
 * <ul>
 *   <li><em>implicit</em> (stride 1, the Vector API kernels there): one sample at a time, the product reads each row
 *   of the im2col matrix where it lies in the sample's padded input ({@link FloatKernel#sgemmRows}); the forward,
 *   and the weight gradient of samples with many output positions and few output channels
 *   ({@link FloatKernel#sgemmDotRows});
 *   <li><em>by windows</em> (stride 1 along the width, the Vector API kernels, at least a vector of output channels): the
 *   weight gradient, transposed, one sample at a time, {@code dwᵀ += col · dyᵀ} with col read where it lies
 *   ({@link FloatKernel#sgemmWindows}): a vector of output channels times a broadcast value of the input, no dot
 *   product to reduce; and (the wide layout) the input gradient, {@code wᵀ · dy} added straight into the windows of
 *   the sample's padded input ({@link FloatKernel#sgemmAddWindows}), col2im in the product's epilogue;
 *   <li>im2col over groups of samples: a group's im2col matrices lie side by side in one per-thread scratch matrix
 *   col [C·KH·KW, S·positions] of at most {@link #GROUP_FLOATS} floats (it stays in L2), so that each product is one
 *   wide product per group rather than a short one per sample. Forward {@code Y = w · col}; input gradient
 *   {@code dcol = wᵀ · DY} (DY the group's dy side by side), then scattered back (col2im); weight gradient
 *   {@code dw += DY · colᵀ}, a product along the group's output positions.
 * </ul>
 * At stride 1 each output row spans the padded input's width (the wide layout, see {@link Job}). Samples or groups are
 * spread over {@link Parallel}'s threads; the products inside run inline on each thread. A 1×1 kernel with stride 1
 * and no padding skips im2col (col is x itself, one sample per group).
 *
 * <p>The forward kernel takes an optional epilogue, as {@link Gemm} does: a bias per output channel and an activation
 * (a {@link Unary} with {@link Unary#epilogue()}).
 *
 * <p>The double overloads, for gradient checks, are a direct loop over the definition instead (one method for the
 * three modes): simple, single-threaded, and independent of the fast path they help to check.
 */
public final class Conv {
    /** Multiply-adds worth handing to another thread. */
    private static final long PARALLEL_MIN_WORK = 1 << 16;
    /** Most floats of a group's im2col matrix (512 KB: it stays in L2 while the product reads it). */
    static final int GROUP_FLOATS = 1 << 17;
    /**
     * The most product the wide layout may add, as a ratio of padded input width to output width: at 1.4 (LeNet's
     * second layer) the copies it saves still outweigh the product it adds; a 3×3 kernel on rows of 4 would not.
     */
    private static final double WIDE_COST = 1.5;
    /**
     * Fewest output positions of a sample (in the wide layout) for the implicit weight gradient, one sample's dot
     * products at a time; fewer take groups of samples and their im2col matrix.
     */
    private static final int IMPLICIT_DOT_LENGTH = 512;
    /** Fewest output positions in a group of the weight gradient (the length of its dot products). */
    private static final int DOT_LENGTH = 2048;
    /**
     * Most partial sums of the weight gradient (groups of samples): 16, so that each thread of a 16-core machine has a
     * part of a batch of 128 (8 left half of them idle, and the weight gradients are a third of a LeNet step).
     */
    private static final int MAX_GROUPS = 16;
    /** Most floats in the partial sums of the weight gradient (16 MB). */
    private static final int MAX_PARTIAL = 1 << 22;

    private Conv() {
    }

    /**
     * The sizes of a convolution, batch aside: C input channels of H×W, O output channels, a KH×KW kernel, strides
     * SH, SW, zero padding PH, PW and dilations DH, DW.
     */
    public record Geometry(int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        public Geometry {
            if (c < 1 || h < 1 || w < 1 || o < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || dh < 1
                    || dw < 1) {
                throw new IllegalArgumentException("bad convolution geometry " + this);
            }
        }

        /** Output rows. */
        public int oh() {
            return outSize(h, kh, sh, ph, dh);
        }

        /** Output columns. */
        public int ow() {
            return outSize(w, kw, sw, pw, dw);
        }

        /** Rows of the im2col matrix: C·KH·KW. */
        int k() {
            return c * kh * kw;
        }

        /** Floats of one sample's input. */
        int inSize() {
            return c * h * w;
        }

        boolean pointwise() {
            return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
        }
    }

    /** The output size along one dimension, floor mode; may be 0 or negative for a kernel larger than the input. */
    public static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        return Math.floorDiv(in + 2 * pad - dilation * (kernel - 1) - 1, stride) + 1;
    }

    /** Chunks of a parallel loop over items of {@code workPerItem} multiply-adds: at least {@link #PARALLEL_MIN_WORK}. */
    private static int minChunk(long workPerItem) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, PARALLEL_MIN_WORK / Math.max(1, workPerItem)));
    }

    /**
     * Samples per group: as many as keep the group's im2col matrix within {@link #GROUP_FLOATS} (at least one, and one
     * for a 1×1 kernel, whose col is x). A function of the shapes only, so results do not depend on the threads.
     */
    static int samplesPerGroup(Geometry g, int batch) {
        if (g.pointwise()) return 1;
        long perSample = (long) g.k() * positions(g);
        return (int) Math.max(1, Math.min(batch, GROUP_FLOATS / Math.max(1, perSample)));
    }

    /**
     * Whether the wide layout serves (see {@link Job}): stride 1, and at most {@link #WIDE_COST} times the product of
     * the compact layout.
     */
    static boolean wide(Geometry g) {
        return g.sh() == 1 && g.sw() == 1 && !g.pointwise() && g.w() + 2 * g.pw() <= WIDE_COST * g.ow();
    }

    /**
     * Positions of one sample in a group's matrices: OH·OW in the compact layout; in the wide layout OH rows of the
     * padded input's width, rounded up to a multiple of 16 (whole vectors, whichever the width: the rows of dy are given
     * zeros there too).
     */
    static int positions(Geometry g) {
        return wide(g) ? (g.oh() * (g.w() + 2 * g.pw()) + 15) / 16 * 16 : g.oh() * g.ow();
    }

    /**
     * Groups of samples for the weight gradient, each summed into its own partial buffer of {@code size} floats: a
     * function of the shapes only, so results do not depend on the number of threads.
     */
    private static int partialGroups(int batch, long workPerSample, int size) {
        int byMemory = Math.max(1, MAX_PARTIAL / Math.max(1, size));
        return Math.max(1, Math.min(Math.min(MAX_GROUPS, byMemory), batch / minChunk(workPerSample)));
    }

    /** The first output column j whose input column j·stride + shift is not left of the input. */
    private static int firstInside(int shift, int stride, int ow) {
        return shift >= 0 ? 0 : Math.min(ow, (-shift + stride - 1) / stride);
    }

    /** One past the last output column j whose input column j·stride + shift is inside width wd (at least lo). */
    private static int endInside(int shift, int stride, int wd, int ow, int lo) {
        int last = wd - 1 - shift;
        int end = last < 0 ? 0 : Math.min(ow, last / stride + 1);
        return Math.max(lo, end);
    }

    /**
     * {@code dst[to..to+len) = src[from..from+len)}: a loop for a short run (a call of {@code System.arraycopy} costs
     * more than the 10 values of a LeNet row it would move), the call for a long one.
     */
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
        if (len >= 32) {
            System.arraycopy(src, from, dst, to, len);
            return;
        }
        for (int j = 0; j < len; j++) dst[to + j] = src[from + j];
    }

    /** Per-thread scratch arrays, by slot, grown as needed and kept. */
    static final class Scratch {
        /**
         * Slots: a group's im2col matrix (or its gradient), the weight gradient's partial sums, a group's rows of y, a
         * sample's padded input (or its gradient).
         */
        static final int COL = 0, PARTIAL = 1, ROWS = 2, PAD = 3;
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        private final float[][] f = new float[4][0];
        private int[] i = new int[0];

        static Scratch get() {
            return PER_THREAD.get();
        }

        float[] floats(int slot, int n) {
            if (f[slot].length < n) {
                f[slot] = new float[n];
            }
            return f[slot];
        }

        int[] ints(int n) {
            if (i.length < n) {
                i = new int[n];
            }
            return i;
        }
    }

    // ---------------------------------------------------------------- float

    /**
     * The arguments of one float convolution, kept per calling thread and reused, so that a call allocates nothing
     * (a lambda capturing them would be a new object per call). Its {@link #run} is the loop body over groups of
     * samples (or over the partial sums' groups, for the weight gradient). No convolution runs inside another on the
     * same thread.
     *
     * <p>A group's matrices hold each sample's output positions row by row, {@code ps} apart: {@code ps = OW} in the
     * compact layout; in the wide layout (stride 1), {@code ps} is the padded input's width, so that each row of the
     * im2col matrix is one contiguous run of the padded input (a single copy instead of one per output row) and its
     * gradient one contiguous sum. The PW·2 + (KW − 1)·DW extra columns per output row cost that much more product,
     * which pays where output rows are short (LeNet's second layer: 10 values, 14 apart); they are dropped on the way
     * out, and the rows of dy are given zeros there, so that they add nothing to the gradients.
     */
    private static final class Job implements Parallel.Body {
        private static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);
        static final int FORWARD = 0, INPUT_GRAD = 1, WEIGHT_GRAD = 2;
        Geometry g;
        int mode, batch, o, k, n, inSize, group, partials, size;
        Unary act;
        /** The layout: wide or compact, positions per output row (ps) and per sample, the padded plane. */
        boolean wide;
        int ps, positions, hp, wp;
        /**
         * The implicit forward and weight gradient (wide layout, Vector API product; the weight gradient where a
         * sample has {@link #IMPLICIT_DOT_LENGTH} positions): no im2col matrix; the product reads each of its rows
         * where it lies in the sample's padded input, {@code rowAt} giving where, one sample at a time; the forward's
         * w packed for the product once, in {@code packed} ({@link FloatKernel#packRows}).
         */
        boolean implicit;
        /**
         * The gradients by windows (Vector API product), one sample at a time. The weight gradient (stride 1 along
         * the width, at least a vector of output channels): {@code dwᵀ += col · dyᵀ}, col read where it lies in the
         * padded input ({@link FloatKernel#sgemmWindows}: rowAt and colAt give where), dy transposed into [positions,
         * {@code lanes}], its output channels padded with zeros to whole vectors; the partial sums are dwᵀ [K, lanes].
         * The input gradient (the wide layout): {@code wᵀ · dy} added straight into the windows of a padded plane
         * ({@link FloatKernel#sgemmAddWindows}), the rows of the im2col matrix taken by kernel position and then
         * channel, so that rows added one after another do not overlap where there are channels enough (a load
         * that overlaps a store just made waits for it), w's columns in that order in {@code packed}.
         */
        boolean windows;
        int lanes;
        int[] rowAt = new int[0], colAt = new int[0];
        float[] a, b, out, partial, bias, packed = new float[0];

        /** The thread's job for a call; a, b and out are set by the caller. */
        static Job of(int mode, int batch, Geometry g) {
            Job j = PER_THREAD.get();
            j.mode = mode;
            j.batch = batch;
            j.g = g;
            j.o = g.o();
            j.k = g.k();
            j.n = g.oh() * g.ow();
            j.inSize = g.inSize();
            j.size = j.o * j.k;
            j.wide = wide(g);
            j.hp = g.h() + 2 * g.ph();
            j.wp = g.w() + 2 * g.pw();
            j.ps = j.wide ? j.wp : g.ow();
            j.positions = positions(g);
            j.group = samplesPerGroup(g, batch);
            FloatKernel product = VectorKernels.product();
            int vector = product == null ? 0 : product.vectorBits() / Float.SIZE;
            j.windows = product != null && (mode == WEIGHT_GRAD && g.sw() == 1 && !g.pointwise() && j.o >= vector
                    || mode == INPUT_GRAD && j.wide);
            j.implicit = j.wide && product != null
                    && (mode == FORWARD || mode == WEIGHT_GRAD && !j.windows && j.positions >= IMPLICIT_DOT_LENGTH);
            if (j.implicit && mode == FORWARD || j.windows && mode == INPUT_GRAD) {
                // whole panels of the product's tiles, no narrower last one
                j.positions = (g.oh() * j.wp + 31) / 32 * 32;
            }
            if (j.windows) {
                j.lanes = (j.o + vector - 1) / vector * vector;
                j.size = j.k * j.lanes;
                if (j.colAt.length < j.n) j.colAt = new int[j.n];
                for (int y = 0, q = 0; y < g.oh(); y++) {
                    for (int x = 0; x < g.ow(); x++, q++) j.colAt[q] = y * g.sh() * j.wp + x;
                }
            }
            if (j.implicit || j.windows) {
                j.group = 1;
                if (j.rowAt.length < j.k) j.rowAt = new int[j.k];
                for (int ci = 0; ci < g.c(); ci++) {
                    for (int ki = 0; ki < g.kh(); ki++) {
                        for (int kj = 0; kj < g.kw(); kj++) {
                            int p = mode == INPUT_GRAD ? (ki * g.kw() + kj) * g.c() + ci : (ci * g.kh() + ki) * g.kw() + kj;
                            j.rowAt[p] = (ci * j.hp + ki * g.dh()) * j.wp + kj * g.dw();
                        }
                    }
                }
            }
            if (mode == WEIGHT_GRAD && !g.pointwise() && !j.windows && !j.implicit) {
                // the dot products run along the group's positions: at least DOT_LENGTH of them, to amortise their
                // reductions (the matrix is read once, front to back: it need not stay in L2)
                j.group = Math.min(batch, Math.max(j.group, (DOT_LENGTH + j.positions - 1) / j.positions));
            }
            return j;
        }

        /** Drops the references to the caller's arrays once the call is done. */
        void release() {
            a = b = out = partial = bias = null;
            g = null;
            act = Unary.IDENTITY;
        }

        @Override
        public void run(int from, int to) {
            if (mode == WEIGHT_GRAD) {
                for (int p = from; p < to; p++) weightPartial(p);
                return;
            }
            for (int gi = from; gi < to; gi++) {
                int s0 = gi * group, count = Math.min(group, batch - s0);
                if (mode == FORWARD) forwardGroup(s0, count);
                else inputGradGroup(s0, count);
            }
        }

        /** The group's im2col matrix [K, count·positions] (x itself for a 1×1 kernel), at {@link #colOffset}. */
        private float[] cols(float[] x, int s0, int count) {
            if (g.pointwise()) return x;
            int ld = count * positions;
            float[] col = Scratch.get().floats(Scratch.COL, k * ld);
            for (int s = 0; s < count; s++) {
                if (wide) im2colWide(x, (s0 + s) * inSize, col, s * positions, ld);
                else im2col(x, (s0 + s) * inSize, g, col, s * positions, ld);
            }
            return col;
        }

        private int colOffset(int s0) {
            return g.pointwise() ? s0 * inSize : 0;
        }

        /**
         * The group's rows of y (or dy), [O, count·positions]: y itself for one sample in the compact layout, else
         * scratch, which {@code copyIn} fills from y (zeros in the wide layout's extra columns).
         */
        private float[] rows(float[] y, int count, boolean copyIn, int s0) {
            if (count == 1 && !wide) return y;
            int ld = count * positions, ow = g.ow(), oh = g.oh();
            float[] r = Scratch.get().floats(Scratch.ROWS, o * ld);
            if (!copyIn) return r;
            for (int s = 0; s < count; s++) {
                for (int oc = 0; oc < o; oc++) {
                    int to = oc * ld + s * positions, from = ((s0 + s) * o + oc) * n;
                    copyRows(y, from, ow, r, to, ps);
                    if (ps == ow) continue;
                    // zeros between the rows and after the last (the kernel's copies may write past each row's values)
                    for (int yy = 0; yy < oh; yy++) {
                        for (int j = to + yy * ps + ow; j < to + (yy + 1) * ps; j++) r[j] = 0f;
                    }
                    Arrays.fill(r, to + oh * ps, to + positions, 0f);
                }
            }
            return r;
        }

        /**
         * One channel's OH output rows of OW values, from rows {@code srcStride} apart to rows {@code dstStride} apart
         * (one of them OW, the other ps): one copy when both are OW, else a row at a time, through the row kernel
         * where it is there, which may write past each row's values up to the next row.
         */
        private void copyRows(float[] src, int from, int srcStride, float[] dst, int to, int dstStride) {
            int ow = g.ow(), oh = g.oh();
            RowKernel kernel = VectorKernels.rows();
            if (srcStride == ow && dstStride == ow) {
                copy(src, from, dst, to, n);
            } else if (kernel != null && ow >= RowKernel.MIN_LENGTH) {
                kernel.copy(src, from, srcStride, dst, to, dstStride, ow, oh);
            } else {
                for (int yy = 0; yy < oh; yy++) copy(src, from + yy * srcStride, dst, to + yy * dstStride, ow);
            }
        }

        private int rowsOffset(int s0, int count) {
            return count == 1 && !wide ? s0 * o * n : 0;
        }

        /** {@code y_s = act(w · col_s + bias)} for the group's samples. */
        private void forwardGroup(int s0, int count) {
            int ld = count * positions, rowsOff = rowsOffset(s0, count);
            float[] rows = rows(out, count, false, s0);
            if (implicit) {
                float[] src = padded(a, s0 * inSize);
                int base = src == a ? s0 * inSize : 0;
                VectorKernels.product().sgemmRows(o, ld, k, packed, src, base, rowAt, rows, rowsOff);
            } else {
                Gemm.sgemm(false, false, o, ld, k, b, 0, cols(a, s0, count), colOffset(s0), rows, rowsOff, false);
            }
            if (bias != null || act != Unary.IDENTITY) {
                // over each channel's whole row of the group, one long loop (extra columns included)
                for (int oc = 0; oc < o; oc++) epilogue(rows, rowsOff + oc * ld, ld, bias == null ? -0f : bias[oc]);
            }
            if (rows == out) return;
            for (int s = 0; s < count; s++) {
                for (int oc = 0; oc < o; oc++) {
                    copyRows(rows, oc * ld + s * positions, ps, out, ((s0 + s) * o + oc) * n, g.ow());
                }
            }
        }

        /** {@code r[from..from+len) = act(r + add)}. */
        private void epilogue(float[] r, int from, int len, float add) {
            if (act == Unary.RELU) {
                for (int i = from; i < from + len; i++) r[i] = Math.max(r[i] + add, 0f);
            } else {
                for (int i = from; i < from + len; i++) r[i] = Epilogue.activate(r[i] + add, act);
            }
        }

        /**
         * w's columns in the order of the input gradient's rows by windows: {@code packed[oc, (ki, kj, ci)] = w[oc,
         * (ci, ki, kj)]}.
         */
        void pack(float[] w) {
            if (packed.length < o * k) packed = new float[o * k];
            int taps = g.kh() * g.kw();
            for (int oc = 0; oc < o; oc++) {
                for (int r = 0; r < k; r++) packed[oc * k + r % taps * g.c() + r / taps] = w[oc * k + r];
            }
        }

        /** {@code dx_s = col2im(wᵀ · dy_s)} for the group's samples (a is dy, b is w). */
        private void inputGradGroup(int s0, int count) {
            if (windows) {
                for (int s = s0; s < s0 + count; s++) {
                    float[] pad = zeroedPad();
                    VectorKernels.product().sgemmAddWindows(k, positions, o, packed, 0, k, rows(a, 1, true, s), 0,
                            positions, pad, 0, rowAt);
                    inside(pad, out, s * inSize);
                }
                return;
            }
            int ld = count * positions;
            float[] dy = rows(a, count, true, s0);
            int dyOff = rowsOffset(s0, count);
            if (g.pointwise()) {
                Gemm.sgemm(true, false, k, n, o, b, 0, dy, dyOff, out, s0 * inSize, false);
                return;
            }
            float[] dcol = Scratch.get().floats(Scratch.COL, k * ld);
            Gemm.sgemm(true, false, k, ld, o, b, 0, dy, dyOff, dcol, 0, false);
            for (int s = 0; s < count; s++) {
                int at = (s0 + s) * inSize;
                if (wide) {
                    col2imWide(dcol, s * positions, ld, out, at);
                } else {
                    Arrays.fill(out, at, at + inSize, 0f);
                    col2im(dcol, s * positions, ld, out, at, g);
                }
            }
        }

        /** Partial sum p of the weight gradient: its samples' {@code dy_s · col_sᵀ}, a group at a time (a is dy, b is x). */
        private void weightPartial(int p) {
            int b0 = (int) ((long) batch * p / partials), b1 = (int) ((long) batch * (p + 1) / partials);
            int off = partials == 1 ? 0 : p * size;
            Arrays.fill(partial, off, off + size, 0f);
            if (implicit) {
                for (int s = b0; s < b1; s++) {
                    float[] dy = rows(a, 1, true, s), src = padded(b, s * inSize);
                    int base = src == b ? s * inSize : 0;
                    VectorKernels.product().sgemmDotRows(o, k, positions, dy, 0, src, base, rowAt, partial, off);
                }
                return;
            }
            if (windows) {
                float[] dyT = Scratch.get().floats(Scratch.ROWS, n * lanes);
                if (o < lanes) Arrays.fill(dyT, 0, n * lanes, 0f); // the padding channels stay zeros
                for (int s = b0; s < b1; s++) {
                    // dy's rows read front to back, each written down a column of dyT
                    for (int oc = 0; oc < o; oc++) {
                        for (int q = 0, from = (s * o + oc) * n; q < n; q++) dyT[q * lanes + oc] = a[from + q];
                    }
                    float[] src = padded(b, s * inSize);
                    int base = src == b ? s * inSize : 0;
                    VectorKernels.product().sgemmWindows(k, lanes, n, src, base, rowAt, colAt, dyT, 0, partial, off);
                }
                return;
            }
            int parts = (b1 - b0 + group - 1) / group; // groups of equal size: no short last one
            for (int q = 0; q < parts; q++) {
                int s0 = b0 + (int) ((long) (b1 - b0) * q / parts);
                int count = b0 + (int) ((long) (b1 - b0) * (q + 1) / parts) - s0;
                float[] dy = rows(a, count, true, s0), col = cols(b, s0, count);
                Gemm.sgemm(false, true, o, k, count * positions, dy, rowsOffset(s0, count), col, colOffset(s0),
                        partial, off, true);
            }
        }

        /** Floats of {@link #padded}'s copy: the padded planes, and as far past them as the last row of B reaches. */
        private int paddedLength() {
            int planes = g.c() * hp * wp;
            return windows ? planes : planes + (g.kw() - 1) * g.dw() + positions - (g.oh() * wp) + wp;
        }

        /**
         * One sample's input, padded: x itself (the sample at xOff) without padding when every row of the wide layout
         * lies inside x, else a copy (from 0, in per-thread scratch) in the middle of zeros, with zeros past it as far
         * as the last row reaches.
         */
        private float[] padded(float[] x, int xOff) {
            int end = paddedLength();
            if (g.ph() == 0 && g.pw() == 0 && (windows || !implicit || xOff + end <= x.length)) return x;
            float[] src = Scratch.get().floats(Scratch.PAD, end);
            Arrays.fill(src, 0, end, 0f);
            for (int ci = 0; ci < g.c(); ci++) {
                for (int yy = 0; yy < g.h(); yy++) {
                    copy(x, xOff + (ci * g.h() + yy) * g.w(), src, (ci * hp + yy + g.ph()) * wp + g.pw(), g.w());
                }
            }
            return src;
        }

        /**
         * One sample's im2col matrix in the wide layout, at {@code colOff}, rows {@code ld} apart: row (ci, ki, kj) is
         * the padded input's plane ci from (ki·dh, kj·dw) on, {@code positions} values in a row (the last ones read
         * into the next plane or sample, or are zeros past the padded input or the array).
         */
        private void im2colWide(float[] x, int xOff, float[] col, int colOff, int ld) {
            float[] src = padded(x, xOff);
            int base = src == x ? xOff : 0, plane = hp * wp, reach = (g.kw() - 1) * g.dw();
            int end = src == x ? x.length : paddedLength();
            RowKernel kernel = VectorKernels.rows();
            int row = 0;
            for (int ci = 0; ci < g.c(); ci++) {
                for (int ki = 0; ki < g.kh(); ki++) {
                    int from = base + ci * plane + ki * g.dh() * wp;
                    if (kernel != null && positions >= RowKernel.MIN_LENGTH && from + reach + positions <= end) {
                        // the KW rows of (ci, ki): runs dw apart in the padded input
                        kernel.copy(src, from, g.dw(), col, colOff + row * ld, ld, positions, g.kw());
                        row += g.kw();
                        continue;
                    }
                    for (int kj = 0; kj < g.kw(); kj++, row++) {
                        int at = from + kj * g.dw(), to = colOff + row * ld, len = Math.max(0, Math.min(positions, end - at));
                        System.arraycopy(src, at, col, to, len);
                        Arrays.fill(col, to + len, to + positions, 0f);
                    }
                }
            }
        }

        /**
         * Adds one sample's im2col gradient in the wide layout (at {@code colOff}, rows {@code ld} apart) into a padded
         * plane, each row one contiguous sum, and writes the plane's inside to dx (overwritten).
         */
        private void col2imWide(float[] dcol, int colOff, int ld, float[] dx, int dxOff) {
            int plane = hp * wp;
            float[] pad = zeroedPad();
            RowKernel rows = VectorKernels.rows();
            int row = 0;
            for (int ci = 0; ci < g.c(); ci++) {
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++, row++) {
                        int to = ci * plane + ki * g.dh() * wp + kj * g.dw(), from = colOff + row * ld;
                        if (rows != null && positions >= RowKernel.MIN_LENGTH) {
                            rows.add(dcol, from, 0, pad, to, 0, positions, 1);
                        } else {
                            for (int t = 0; t < positions; t++) pad[to + t] += dcol[from + t];
                        }
                    }
                }
            }
            inside(pad, dx, dxOff);
        }

        /** The padded planes in per-thread scratch, zeros, as far as the last row of the wide layout reaches. */
        private float[] zeroedPad() {
            int reach = (g.kw() - 1) * g.dw();
            int size = (g.c() - 1) * hp * wp + (g.kh() - 1) * g.dh() * wp + reach + positions;
            float[] pad = Scratch.get().floats(Scratch.PAD, size);
            Arrays.fill(pad, 0, size, 0f);
            return pad;
        }

        /** Writes the inside of the padded planes to dx (overwritten). */
        private void inside(float[] pad, float[] dx, int dxOff) {
            for (int ci = 0; ci < g.c(); ci++) {
                for (int yy = 0; yy < g.h(); yy++) {
                    copy(pad, (ci * hp + yy + g.ph()) * wp + g.pw(), dx, dxOff + (ci * g.h() + yy) * g.w(), g.w());
                }
            }
        }
    }

    /**
     * {@code y = conv(x, w)}: x [batch, C, H, W], w [O, C, KH, KW], y [batch, O, OH, OW] (every array dense and
     * row-major).
     */
    public static void forward(float[] x, float[] w, float[] y, int batch, Geometry g) {
        forward(x, w, y, batch, g, null, Unary.IDENTITY);
    }

    /**
     * {@code y = act(conv(x, w) + bias)}, the bias (length O, or null for none) added to every position of its
     * output channel; otherwise as the overload without an epilogue.
     *
     * @param act a {@link Unary} with {@link Unary#epilogue()}
     */
    public static void forward(float[] x, float[] w, float[] y, int batch, Geometry g, float[] bias, Unary act) {
        Epilogue.check(g.o(), bias == null ? -1 : bias.length, act);
        Job j = Job.of(Job.FORWARD, batch, g);
        j.bias = bias;
        j.act = act;
        if (j.implicit) j.packed = VectorKernels.product().packRows(j.o, j.k, w, 0, j.packed);
        overGroups(j, x, w, y);
    }

    /**
     * The gradient of {@link #forward} for x: {@code dx = conv_transpose(dy, w)}, per sample {@code dcol = wᵀ · dy_b}
     * scattered back (col2im) into dx_b. dx is overwritten.
     */
    public static void inputGrad(float[] dy, float[] w, float[] dx, int batch, Geometry g) {
        Job j = Job.of(Job.INPUT_GRAD, batch, g);
        if (j.windows) j.pack(w);
        overGroups(j, dy, w, dx);
    }

    /** Runs a forward or input-gradient job over the groups of samples, spread over the threads. */
    private static void overGroups(Job j, float[] a, float[] b, float[] out) {
        j.a = a;
        j.b = b;
        j.out = out;
        try {
            Parallel.forRange((j.batch + j.group - 1) / j.group, minChunk((long) j.o * j.k * j.n * j.group), j);
        } finally {
            j.release();
        }
    }

    /**
     * The gradient of {@link #forward} for w: {@code dw = Σ_b dy_b · col_bᵀ}. The batch is cut into a number of parts
     * that depends only on the shapes (not on the thread count), each summed into its own buffer a group of samples at
     * a time, and the buffers are added in order: the result is the same whatever the number of threads. dw is
     * overwritten.
     */
    public static void weightGrad(float[] dy, float[] x, float[] dw, int batch, Geometry g) {
        Job j = Job.of(Job.WEIGHT_GRAD, batch, g);
        int size = j.size, partials = partialGroups(batch, (long) size * j.n, size);
        float[] partial = partials == 1 && !j.windows ? dw : Scratch.get().floats(Scratch.PARTIAL, partials * size);
        j.a = dy;
        j.b = x;
        j.partials = partials;
        j.partial = partial;
        try {
            Parallel.forRange(partials, 1, j);
        } finally {
            j.release();
        }
        if (j.windows) {
            // dwᵀ's partial sums added in order, transposed into dw
            int k = j.k, o = j.o, lanes = j.lanes;
            for (int p = 1; p < partials; p++) {
                for (int i = 0, off = p * size; i < size; i++) partial[i] += partial[off + i];
            }
            for (int r = 0; r < k; r++) {
                for (int oc = 0; oc < o; oc++) dw[oc * k + r] = partial[r * lanes + oc];
            }
        } else if (partials > 1) {
            System.arraycopy(partial, 0, dw, 0, size);
            for (int p = 1; p < partials; p++) {
                int off = p * size;
                for (int i = 0; i < size; i++) dw[i] += partial[off + i];
            }
        }
    }

    /**
     * One sample's im2col matrix, written at {@code colOff} with rows {@code ld} apart: row (ci, ki, kj) holds, for
     * every output position (y, x), the input value at (ci, y·sh + ki·dh − ph, x·sw + kj·dw − pw), or 0 in the
     * padding. At stride 1 along the width, with the Vector API row kernel there ({@link VectorKernels#rows()}) and
     * rows of at least 8 values inside the input, each matrix row's segments are copied by one call of the kernel: a
     * call of {@code System.arraycopy} per short segment (LeNet's second layer: 10 values) costs more than the values
     * it moves.
     */
    static void im2col(float[] x, int xOff, Geometry g, float[] col, int colOff, int ld) {
        int oh = g.oh(), ow = g.ow(), n = oh * ow, row = 0, sh = g.sh(), sw = g.sw(), wd = g.w();
        RowKernel rows = sw == 1 ? VectorKernels.rows() : null;
        for (int ci = 0; ci < g.c(); ci++) {
            for (int ki = 0; ki < g.kh(); ki++) {
                int down = ki * g.dh() - g.ph(), y0 = firstInside(down, sh, oh), y1 = endInside(down, sh, g.h(), oh, y0);
                for (int kj = 0; kj < g.kw(); kj++, row++) {
                    int shift = kj * g.dw() - g.pw(), lo = firstInside(shift, sw, ow), hi = endInside(shift, sw, wd, ow, lo);
                    // the values inside, one call of the row kernel or one copy per output row; then zeros where the
                    // row reads padding (after the copies, which may write past each row's values): output rows above
                    // and below the input, then columns left and right of it
                    int base = colOff + row * ld, src = xOff + (ci * g.h() + y0 * sh + down) * wd + shift;
                    if (rows != null && hi - lo >= RowKernel.MIN_LENGTH) {
                        rows.copy(x, src + lo, sh * wd, col, base + y0 * ow + lo, ow, hi - lo, y1 - y0);
                    } else if (hi > lo) { // (a kernel tap that reads only padding copies nothing: src + lo may lie before x)
                        for (int y = y0, from = src; y < y1; y++, from += sh * wd) {
                            int at = base + y * ow;
                            if (sw == 1) {
                                System.arraycopy(x, from + lo, col, at + lo, hi - lo);
                            } else {
                                for (int j = lo; j < hi; j++) {
                                    col[at + j] = x[from + j * sw];
                                }
                            }
                        }
                    }
                    Arrays.fill(col, base, base + y0 * ow, 0f);
                    Arrays.fill(col, base + y1 * ow, base + n, 0f);
                    for (int y = y0; y < y1 && (lo > 0 || hi < ow); y++) {
                        Arrays.fill(col, base + y * ow, base + y * ow + lo, 0f);
                        Arrays.fill(col, base + y * ow + hi, base + (y + 1) * ow, 0f);
                    }
                }
            }
        }
    }

    /**
     * Adds each element of one sample's im2col matrix (at {@code colOff}, rows {@code ld} apart) back to the input
     * position it was copied from (padding dropped). As in {@link #im2col}, a matrix row's segments of at least 8
     * values at stride 1 go through one call of the Vector API row kernel when it is there.
     */
    static void col2im(float[] col, int colOff, int ld, float[] x, int xOff, Geometry g) {
        int oh = g.oh(), ow = g.ow(), row = 0, sh = g.sh(), sw = g.sw(), wd = g.w();
        RowKernel rows = sw == 1 ? VectorKernels.rows() : null;
        for (int ci = 0; ci < g.c(); ci++) {
            for (int ki = 0; ki < g.kh(); ki++) {
                int down = ki * g.dh() - g.ph(), y0 = firstInside(down, sh, oh), y1 = endInside(down, sh, g.h(), oh, y0);
                for (int kj = 0; kj < g.kw(); kj++, row++) {
                    int shift = kj * g.dw() - g.pw(), lo = firstInside(shift, sw, ow), hi = endInside(shift, sw, wd, ow, lo);
                    int base = colOff + row * ld;
                    if (rows != null && hi - lo >= RowKernel.MIN_LENGTH) {
                        int dst = xOff + (ci * g.h() + y0 * sh + down) * wd + shift + lo;
                        rows.add(col, base + y0 * ow + lo, ow, x, dst, sh * wd, hi - lo, y1 - y0);
                        continue;
                    }
                    for (int y = y0; y < y1; y++) {
                        int at = base + y * ow, dst = xOff + (ci * g.h() + y * sh + down) * wd + shift;
                        if (sw == 1) {
                            for (int j = lo; j < hi; j++) {
                                x[dst + j] += col[at + j];
                            }
                        } else {
                            for (int j = lo; j < hi; j++) {
                                x[dst + j * sw] += col[at + j];
                            }
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- double

    /** What {@link #reference} computes. */
    private enum Mode { FORWARD, INPUT_GRAD, WEIGHT_GRAD }

    /**
     * {@link #forward(float[], float[], float[], int, Geometry)} in double precision, for gradient checks: a direct loop
     * over every (sample, output channel, output position, input channel, kernel position), the definition itself
     * rather than the fast path.
     */
    public static void forward(double[] x, double[] w, double[] y, int batch, Geometry g) {
        reference(Mode.FORWARD, x, w, y, batch, g);
    }

    /** The double {@link #forward} with the float overload's epilogue: {@code y = act(conv(x, w) + bias)}. */
    public static void forward(double[] x, double[] w, double[] y, int batch, Geometry g, double[] bias, Unary act) {
        Epilogue.check(g.o(), bias == null ? -1 : bias.length, act);
        reference(Mode.FORWARD, x, w, y, batch, g);
        int n = g.oh() * g.ow();
        for (int i = 0; i < batch * g.o() * n; i++) {
            y[i] = act.apply(bias == null ? y[i] : y[i] + bias[i / n % g.o()]);
        }
    }

    /** The gradient of the double {@link #forward} for x, by {@link #reference}; dx is overwritten. */
    public static void inputGrad(double[] dy, double[] w, double[] dx, int batch, Geometry g) {
        reference(Mode.INPUT_GRAD, dx, w, dy, batch, g);
    }

    /** The gradient of the double {@link #forward} for w, by {@link #reference}; dw is overwritten. */
    public static void weightGrad(double[] dy, double[] x, double[] dw, int batch, Geometry g) {
        reference(Mode.WEIGHT_GRAD, x, dw, dy, batch, g);
    }

    /**
     * Every term {@code x[b, ci, iy, ix] · w[oc, ci, ki, kj]} of {@code y[b, oc, oy, ox]}, inside the input: in
     * {@link Mode#FORWARD} summed into y; in {@link Mode#INPUT_GRAD} (x holds dx, y holds dy) {@code dy · w} summed into
     * dx; in {@link Mode#WEIGHT_GRAD} (w holds dw, y holds dy) {@code dy · x} summed into dw. The array written is
     * zeroed first.
     */
    private static void reference(Mode mode, double[] x, double[] w, double[] y, int batch, Geometry g) {
        int c = g.c(), h = g.h(), wd = g.w(), o = g.o(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow();
        switch (mode) {
            case FORWARD -> Arrays.fill(y, 0, batch * o * oh * ow, 0.0);
            case INPUT_GRAD -> Arrays.fill(x, 0, batch * c * h * wd, 0.0);
            case WEIGHT_GRAD -> Arrays.fill(w, 0, o * c * kh * kw, 0.0);
        }
        for (int b = 0; b < batch; b++) {
            for (int oc = 0; oc < o; oc++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((b * o + oc) * oh + oy) * ow + ox;
                        for (int ci = 0; ci < c; ci++) {
                            for (int ki = 0; ki < kh; ki++) {
                                int iy = oy * g.sh() + ki * g.dh() - g.ph();
                                for (int kj = 0; kj < kw; kj++) {
                                    int ix = ox * g.sw() + kj * g.dw() - g.pw();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int xi = ((b * c + ci) * h + iy) * wd + ix, wi = ((oc * c + ci) * kh + ki) * kw + kj;
                                    switch (mode) {
                                        case FORWARD -> y[yi] += x[xi] * w[wi];
                                        case INPUT_GRAD -> x[xi] += y[yi] * w[wi];
                                        case WEIGHT_GRAD -> w[wi] += y[yi] * x[xi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
