package netc.runtime.kernels;

import java.util.Arrays;
import netc.runtime.kernels.Conv.Geometry;

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
final class ConvJob implements Parallel.Body {
    /**
     * Fewest output positions of a sample (in the wide layout) for the implicit weight gradient, one sample's dot
     * products at a time; fewer take groups of samples and their im2col matrix.
     */
    private static final int IMPLICIT_DOT_LENGTH = 512;
    /** Fewest output positions in a group of the weight gradient (the length of its dot products). */
    private static final int DOT_LENGTH = 2048;
    private static final ThreadLocal<ConvJob> PER_THREAD = ThreadLocal.withInitial(ConvJob::new);
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
    static ConvJob of(int mode, int batch, Geometry g) {
        ConvJob j = PER_THREAD.get();
        j.mode = mode;
        j.batch = batch;
        j.g = g;
        j.o = g.o();
        j.k = g.k();
        j.n = g.oh() * g.ow();
        j.inSize = g.inSize();
        j.size = j.o * j.k;
        j.wide = Conv.wide(g);
        j.hp = g.h() + 2 * g.ph();
        j.wp = g.w() + 2 * g.pw();
        j.ps = j.wide ? j.wp : g.ow();
        j.positions = Conv.positions(g);
        j.group = Conv.samplesPerGroup(g, batch);
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
            else Im2col.im2col(x, (s0 + s) * inSize, g, col, s * positions, ld);
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
                Im2col.col2im(dcol, s * positions, ld, out, at, g);
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
}
