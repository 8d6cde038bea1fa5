package netc.runtime.kernels;

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
 * At stride 1 each output row spans the padded input's width (the wide layout, see {@link ConvJob}). Samples or groups are
 * spread over {@link Parallel}'s threads; the products inside run inline on each thread. A 1×1 kernel with stride 1
 * and no padding skips im2col (col is x itself, one sample per group).
 *
 * <p>The forward kernel takes an optional epilogue, as {@link Gemm} does: a bias per output channel and an activation
 * (a {@link Unary} with {@link Unary#epilogue()}).
 *
 * <p>The double overloads, for gradient checks, are a direct loop over the definition instead ({@link ConvReference}):
 * simple, single-threaded, and independent of the fast path they help to check.
 *
 * <p>This class holds the API and the choices made from the shapes alone (layouts, groups, partial sums); a call's
 * arguments and loop bodies are a {@link ConvJob}, the compact layout's copies {@link Im2col}.
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
     * Whether the wide layout serves (see {@link ConvJob}): stride 1, and at most {@link #WIDE_COST} times the product of
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
        ConvJob j = ConvJob.of(ConvJob.FORWARD, batch, g);
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
        ConvJob j = ConvJob.of(ConvJob.INPUT_GRAD, batch, g);
        if (j.windows) j.pack(w);
        overGroups(j, dy, w, dx);
    }

    /** Runs a forward or input-gradient job over the groups of samples, spread over the threads. */
    private static void overGroups(ConvJob j, float[] a, float[] b, float[] out) {
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
        ConvJob j = ConvJob.of(ConvJob.WEIGHT_GRAD, batch, g);
        int size = j.size, partials = partialGroups(batch, (long) size * j.n, size);
        float[] partial = partials == 1 && !j.windows ? dw : ConvJob.Scratch.get().floats(ConvJob.Scratch.PARTIAL, partials * size);
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

    // ---------------------------------------------------------------- double

    /**
     * {@link #forward(float[], float[], float[], int, Geometry)} in double precision, for gradient checks: a direct loop
     * over every (sample, output channel, output position, input channel, kernel position), the definition itself
     * rather than the fast path ({@link ConvReference}).
     */
    public static void forward(double[] x, double[] w, double[] y, int batch, Geometry g) {
        ConvReference.run(ConvReference.Mode.FORWARD, x, w, y, batch, g);
    }

    /** The double {@link #forward} with the float overload's epilogue: {@code y = act(conv(x, w) + bias)}. */
    public static void forward(double[] x, double[] w, double[] y, int batch, Geometry g, double[] bias, Unary act) {
        Epilogue.check(g.o(), bias == null ? -1 : bias.length, act);
        ConvReference.run(ConvReference.Mode.FORWARD, x, w, y, batch, g);
        int n = g.oh() * g.ow();
        for (int i = 0; i < batch * g.o() * n; i++) {
            y[i] = act.apply(bias == null ? y[i] : y[i] + bias[i / n % g.o()]);
        }
    }

    /** The gradient of the double {@link #forward} for x, by {@link ConvReference}; dx is overwritten. */
    public static void inputGrad(double[] dy, double[] w, double[] dx, int batch, Geometry g) {
        ConvReference.run(ConvReference.Mode.INPUT_GRAD, dx, w, dy, batch, g);
    }

    /** The gradient of the double {@link #forward} for w, by {@link ConvReference}; dw is overwritten. */
    public static void weightGrad(double[] dy, double[] x, double[] dw, int batch, Geometry g) {
        ConvReference.run(ConvReference.Mode.WEIGHT_GRAD, x, dw, dy, batch, g);
    }
}
