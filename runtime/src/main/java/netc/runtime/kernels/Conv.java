package netc.runtime.kernels;

import java.util.Arrays;

/**
 * Convolution over one or two spatial dimensions (a 1-d convolution is a 2-d one with height 1), PyTorch's
 * {@code conv2d} semantics: cross-correlation with zero padding, stride and dilation, no groups.
 *
 * <p>Shapes: x [batch, C, H, W], weight [O, C, KH, KW], y [batch, O, OH, OW] with
 * {@code OH = (H + 2·PH − DH·(KH − 1) − 1) / SH + 1} (floor) and likewise OW. Every kernel is im2col plus one
 * {@link Gemm} product per sample: the per-sample matrix col [C·KH·KW, OH·OW] lives in a per-thread scratch
 * buffer that grows once and is reused. Samples are spread over {@link Parallel}'s threads; the products
 * inside then run inline on each thread. A 1×1 kernel with stride 1 and no padding skips im2col (col is x).
 *
 * <p>The forward kernel takes an optional epilogue, as {@link Gemm} does: a bias per output channel and an activation
 * ({@link Gemm#RELU}, {@link Gemm#SIGMOID}, {@link Gemm#TANH}), applied to each sample's output right after its
 * product, while it is in cache.
 *
 * <p>The double overloads, for gradient checks, are a direct loop over the definition instead (one method for the
 * three modes): simple, single-threaded, and independent of the fast path they help to check.
 */
public final class Conv {
    /** Multiply-adds worth handing to another thread. */
    private static final long PARALLEL_MIN_WORK = 1 << 16;
    /**
     * With more output channels than this, each sample's weight gradient is computed transposed, {@code dwᵀ += col_b ·
     * dy_bᵀ} ([C·KH·KW, O], transposed once at the end): the product is then tall rather than short and wide, and its
     * transposed operand is dy_b, much smaller than the im2col matrix (the product about 1.7 times faster for LeNet's
     * second layer). Up to this many, the short product takes the kernel's path for few rows, which suits it better.
     */
    private static final int TRANSPOSED_GRAD_ABOVE = 8;
    /** Most partial sums of the weight gradient (groups of samples). */
    private static final int MAX_GROUPS = 8;
    /** Most floats in the partial sums of the weight gradient (16 MB). */
    private static final int MAX_PARTIAL = 1 << 22;

    private Conv() {
    }

    /** The output size along one dimension, floor mode; may be 0 or negative for a kernel larger than the input. */
    public static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        return Math.floorDiv(in + 2 * pad - dilation * (kernel - 1) - 1, stride) + 1;
    }

    private static boolean isPointwise(int kh, int kw, int sh, int sw, int ph, int pw) {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }

    /** Samples per chunk so that a chunk holds at least {@link #PARALLEL_MIN_WORK} multiply-adds. */
    private static int minChunk(long workPerSample) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, PARALLEL_MIN_WORK / Math.max(1, workPerSample)));
    }

    /**
     * Groups of samples for the weight gradient, each summed into its own partial buffer of {@code size} floats: a
     * function of the shapes only, so results do not depend on the number of threads.
     */
    private static int groups(int batch, long workPerSample, int size) {
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

    /** Per-thread scratch arrays, by slot, grown as needed and kept. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        private final float[][] f = new float[2][0];
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
     * (a lambda capturing them would be a new object per call). Its {@link #run} is the loop body over samples (or
     * groups of samples, for the weight gradient). No convolution runs inside another on the same thread.
     */
    private static final class Job implements Parallel.Body {
        private static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);
        static final int FORWARD = 0, INPUT_GRAD = 1, WEIGHT_GRAD = 2;
        int mode, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, k, n, inSize, groups, size, act;
        boolean direct, transposed;
        float[] a, b, out, partial, bias;

        /** The thread's job with the shapes of a call; a, b and out are set by the caller. */
        static Job of(int mode, int batch, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
            Job j = PER_THREAD.get();
            j.mode = mode;
            j.batch = batch;
            j.c = c;
            j.h = h;
            j.wd = wd;
            j.o = o;
            j.kh = kh;
            j.kw = kw;
            j.sh = sh;
            j.sw = sw;
            j.ph = ph;
            j.pw = pw;
            j.dh = dh;
            j.dw = dw;
            j.oh = outSize(h, kh, sh, ph, dh);
            j.ow = outSize(wd, kw, sw, pw, dw);
            j.k = c * kh * kw;
            j.n = j.oh * j.ow;
            j.inSize = c * h * wd;
            j.size = o * j.k;
            j.direct = isPointwise(kh, kw, sh, sw, ph, pw);
            return j;
        }

        /** Drops the references to the caller's arrays once the call is done. */
        void release() {
            a = b = out = partial = bias = null;
            act = Gemm.NONE;
            transposed = false;
        }

        @Override
        public void run(int from, int to) {
            float[] col = direct ? null : Scratch.get().floats(0, k * n);
            if (mode == WEIGHT_GRAD) {
                weightGroups(from, to, col);
                return;
            }
            for (int s = from; s < to; s++) {
                if (mode == FORWARD) {
                    if (direct) {
                        Gemm.sgemm(false, false, o, n, k, b, 0, a, s * inSize, out, s * o * n, false);
                    } else {
                        im2col(a, s * inSize, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, col);
                        Gemm.sgemm(false, false, o, n, k, b, 0, col, 0, out, s * o * n, false);
                    }
                    if (bias != null || act != Gemm.NONE) epilogue(out, s * o * n);
                } else if (direct) {
                    Gemm.sgemm(true, false, k, n, o, b, 0, a, s * o * n, out, s * inSize, false);
                } else {
                    Gemm.sgemm(true, false, k, n, o, b, 0, a, s * o * n, col, 0, false);
                    Arrays.fill(out, s * inSize, (s + 1) * inSize, 0f);
                    col2im(col, out, s * inSize, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
                }
            }
        }

        /** {@code y = act(y + bias[channel])} over one sample's output, at {@code off}. */
        private void epilogue(float[] y, int off) {
            for (int oc = 0; oc < o; oc++) {
                float add = bias == null ? -0f : bias[oc]; // −0: the additive identity
                int at = off + oc * n;
                if (act == Gemm.RELU) {
                    for (int j = at; j < at + n; j++) y[j] = Math.max(y[j] + add, 0f);
                } else {
                    for (int j = at; j < at + n; j++) y[j] = Epilogue.activate(y[j] + add, act);
                }
            }
        }

        /** Groups {@code [from, to)} of the weight gradient, each summed into its own part of {@link #partial}. */
        private void weightGroups(int from, int to, float[] col) {
            for (int g = from; g < to; g++) {
                int b0 = (int) ((long) batch * g / groups), b1 = (int) ((long) batch * (g + 1) / groups);
                int off = groups == 1 ? 0 : g * size;
                Arrays.fill(partial, off, off + size, 0f);
                for (int s = b0; s < b1; s++) {
                    float[] cols = direct ? b : col;
                    int colOff = direct ? s * inSize : 0;
                    if (!direct) im2col(b, s * inSize, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, col);
                    if (transposed) {
                        Gemm.sgemm(false, true, k, o, n, cols, colOff, a, s * o * n, partial, off, true);
                    } else {
                        Gemm.sgemm(false, true, o, k, n, a, s * o * n, cols, colOff, partial, off, true);
                    }
                }
            }
        }
    }

    /**
     * {@code y = conv(x, w)}: x [batch, C, H, W], w [O, C, KH, KW], y [batch, O, OH, OW] (every array dense and
     * row-major). Each sample is one product {@code y_b [O, OH·OW] = w [O, C·KH·KW] · col_b [C·KH·KW, OH·OW]}, with
     * col_b the sample's im2col matrix; samples are spread over {@link Parallel}'s threads.
     */
    public static void forward(float[] x, float[] w, float[] y, int batch, int c, int h, int wd, int o,
                               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        forward(x, w, y, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw, null, Gemm.NONE);
    }

    /**
     * {@code y = act(conv(x, w) + bias)}, the bias (length O, or null for none) added to every position of its
     * output channel; otherwise as the overload without an epilogue.
     *
     * @param act {@link Gemm#NONE}, {@link Gemm#RELU}, {@link Gemm#SIGMOID} or {@link Gemm#TANH}
     */
    public static void forward(float[] x, float[] w, float[] y, int batch, int c, int h, int wd, int o,
                               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, float[] bias, int act) {
        Epilogue.check(o, bias == null ? -1 : bias.length, act);
        Job j = Job.of(Job.FORWARD, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
        j.bias = bias;
        j.act = act;
        overSamples(j, x, w, y);
    }

    /**
     * The gradient of {@link #forward} for x: {@code dx = conv_transpose(dy, w)}. Per sample
     * {@code dcol = wᵀ · dy_b}, scattered back (col2im) into dx_b. dx is overwritten.
     */
    public static void inputGrad(float[] dy, float[] w, float[] dx, int batch, int c, int h, int wd, int o,
                                 int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        overSamples(Job.of(Job.INPUT_GRAD, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw), dy, w, dx);
    }

    /** Runs a forward or input-gradient job over the samples, spread over the threads. */
    private static void overSamples(Job j, float[] a, float[] b, float[] out) {
        j.a = a;
        j.b = b;
        j.out = out;
        try {
            Parallel.forRange(j.batch, minChunk((long) j.o * j.k * j.n), j);
        } finally {
            j.release();
        }
    }

    /**
     * The gradient of {@link #forward} for w: {@code dw = Σ_b dy_b · col_bᵀ} (see {@link #TRANSPOSED_GRAD_ABOVE}). The
     * batch is cut into a number of groups that depends only on the shapes (not on the thread count), each group sums
     * into its own buffer, and the buffers are added in order: the result is the same whatever the number of threads.
     * dw is overwritten.
     */
    public static void weightGrad(float[] dy, float[] x, float[] dwt, int batch, int c, int h, int wd, int o,
                                  int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Job j = Job.of(Job.WEIGHT_GRAD, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
        int size = j.size, groups = groups(batch, (long) o * j.k * j.n, size), k = j.k;
        boolean transposed = o > TRANSPOSED_GRAD_ABOVE;
        float[] partial = groups == 1 && !transposed ? dwt : Scratch.get().floats(1, groups * size);
        j.a = dy;
        j.b = x;
        j.groups = groups;
        j.partial = partial;
        j.transposed = transposed;
        try {
            Parallel.forRange(groups, 1, j);
        } finally {
            j.release();
        }
        if (transposed) {
            // the groups' dwᵀ [C·KH·KW, O], summed in order, into dw [O, C·KH·KW]
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < k; i++) {
                    float sum = partial[i * o + oc];
                    for (int g = 1; g < groups; g++) sum += partial[g * size + i * o + oc];
                    dwt[oc * k + i] = sum;
                }
            }
        } else if (groups > 1) {
            System.arraycopy(partial, 0, dwt, 0, size);
            for (int g = 1; g < groups; g++) {
                int off = g * size;
                for (int i = 0; i < size; i++) {
                    dwt[i] += partial[off + i];
                }
            }
        }
    }

    /**
     * The im2col matrix of one sample: row (ci, ki, kj) holds, for every output position (y, x), the input value
     * at (ci, y·sh + ki·dh − ph, x·sw + kj·dw − pw), or 0 in the padding. At stride 1 along the width, with the
     * Vector API row kernel there ({@link VectorKernels#rows()}) and rows of at least 8 values inside the input, each
     * matrix row's segments are copied by one call of the kernel: a call of {@code System.arraycopy} per short
     * segment (LeNet's second layer: 10 values) costs more than the values it moves.
     */
    static void im2col(float[] x, int xOff, int c, int h, int wd, int kh, int kw, int sh, int sw, int ph, int pw,
                       int dh, int dw, int oh, int ow, float[] col) {
        int n = oh * ow, row = 0;
        RowKernel rows = sw == 1 ? VectorKernels.rows() : null;
        for (int ci = 0; ci < c; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                int down = ki * dh - ph, y0 = firstInside(down, sh, oh), y1 = endInside(down, sh, h, oh, y0);
                for (int kj = 0; kj < kw; kj++, row++) {
                    int shift = kj * dw - pw, lo = firstInside(shift, sw, ow), hi = endInside(shift, sw, wd, ow, lo);
                    // zeros where the row reads padding: output rows above and below the input, then columns left
                    // and right of it; then the values inside, one call of the row kernel or one copy per output row
                    int base = row * n, src = xOff + (ci * h + y0 * sh + down) * wd + shift;
                    Arrays.fill(col, base, base + y0 * ow, 0f);
                    Arrays.fill(col, base + y1 * ow, base + n, 0f);
                    for (int y = y0; y < y1 && (lo > 0 || hi < ow); y++) {
                        Arrays.fill(col, base + y * ow, base + y * ow + lo, 0f);
                        Arrays.fill(col, base + y * ow + hi, base + (y + 1) * ow, 0f);
                    }
                    if (rows != null && hi - lo >= RowKernel.MIN_LENGTH) {
                        rows.copy(x, src + lo, sh * wd, col, base + y0 * ow + lo, ow, hi - lo, y1 - y0);
                        continue;
                    }
                    for (int y = y0; y < y1; y++, src += sh * wd) {
                        int at = base + y * ow;
                        if (sw == 1) {
                            System.arraycopy(x, src + lo, col, at + lo, hi - lo);
                        } else {
                            for (int j = lo; j < hi; j++) {
                                col[at + j] = x[src + j * sw];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Adds each element of an im2col matrix back to the input position it was copied from (padding dropped). As in
     * {@link #im2col}, a matrix row's segments of at least 8 values at stride 1 go through one call of the Vector API
     * row kernel when it is there.
     */
    static void col2im(float[] col, float[] x, int xOff, int c, int h, int wd, int kh, int kw, int sh, int sw,
                       int ph, int pw, int dh, int dw, int oh, int ow) {
        int n = oh * ow, row = 0;
        RowKernel rows = sw == 1 ? VectorKernels.rows() : null;
        for (int ci = 0; ci < c; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                int down = ki * dh - ph, y0 = firstInside(down, sh, oh), y1 = endInside(down, sh, h, oh, y0);
                for (int kj = 0; kj < kw; kj++, row++) {
                    int shift = kj * dw - pw, lo = firstInside(shift, sw, ow), hi = endInside(shift, sw, wd, ow, lo);
                    if (rows != null && hi - lo >= RowKernel.MIN_LENGTH) {
                        int dst = xOff + (ci * h + y0 * sh + down) * wd + shift + lo;
                        rows.add(col, row * n + y0 * ow + lo, ow, x, dst, sh * wd, hi - lo, y1 - y0);
                        continue;
                    }
                    for (int y = y0; y < y1; y++) {
                        int at = row * n + y * ow, dst = xOff + (ci * h + y * sh + down) * wd + shift;
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
     * {@link #forward(float[], float[], float[], int, int, int, int, int, int, int, int, int, int, int, int, int)} in
     * double precision, for gradient checks: a direct loop over every (sample, output channel, output position, input
     * channel, kernel position), the definition itself rather than the fast path.
     */
    public static void forward(double[] x, double[] w, double[] y, int batch, int c, int h, int wd, int o,
                               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        reference(Mode.FORWARD, x, w, y, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    /** The double {@link #forward} with the float overload's epilogue: {@code y = act(conv(x, w) + bias)}. */
    public static void forward(double[] x, double[] w, double[] y, int batch, int c, int h, int wd, int o,
                               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, double[] bias, int act) {
        Epilogue.check(o, bias == null ? -1 : bias.length, act);
        reference(Mode.FORWARD, x, w, y, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
        int n = outSize(h, kh, sh, ph, dh) * outSize(wd, kw, sw, pw, dw);
        for (int i = 0; i < batch * o * n; i++) {
            y[i] = Epilogue.activate(bias == null ? y[i] : y[i] + bias[i / n % o], act);
        }
    }

    /** The gradient of the double {@link #forward} for x, by {@link #reference}; dx is overwritten. */
    public static void inputGrad(double[] dy, double[] w, double[] dx, int batch, int c, int h, int wd, int o,
                                 int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        reference(Mode.INPUT_GRAD, dx, w, dy, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    /** The gradient of the double {@link #forward} for w, by {@link #reference}; dw is overwritten. */
    public static void weightGrad(double[] dy, double[] x, double[] dwt, int batch, int c, int h, int wd, int o,
                                  int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        reference(Mode.WEIGHT_GRAD, x, dwt, dy, batch, c, h, wd, o, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    /**
     * Every term {@code x[b, ci, iy, ix] · w[oc, ci, ki, kj]} of {@code y[b, oc, oy, ox]}, inside the input: in
     * {@link Mode#FORWARD} summed into y; in {@link Mode#INPUT_GRAD} (x holds dx, y holds dy) {@code dy · w} summed into
     * dx; in {@link Mode#WEIGHT_GRAD} (w holds dw, y holds dy) {@code dy · x} summed into dw. The array written is
     * zeroed first.
     */
    private static void reference(Mode mode, double[] x, double[] w, double[] y, int batch, int c, int h, int wd,
                                  int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int oh = outSize(h, kh, sh, ph, dh), ow = outSize(wd, kw, sw, pw, dw);
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
                                int iy = oy * sh + ki * dh - ph;
                                for (int kj = 0; kj < kw; kj++) {
                                    int ix = ox * sw + kj * dw - pw;
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
