package netc.runtime.kernels;

import java.util.Arrays;

/**
 * Max and average pooling over one or two spatial dimensions without padding, floor mode (PyTorch's
 * {@code max_pool2d} / {@code avg_pool2d} with their defaults); a 1-d pooling is a 2-d one with height 1.
 * x is [planes, H, W] (planes = batch · channels), the result [planes, OH, OW] with {@code OH = (H − KH) / SH + 1}.
 * Planes are spread over {@link Parallel}'s threads. The double overloads serve gradient checks.
 *
 * <p>Max pooling's values are {@link #max}, its gradient {@link #maxGrad}: each window's dy at the window's first
 * maximum, found again from x, so that the forward pass (and a prediction) only compares. {@link #maxIndex} gives
 * where the maxima are, for the gradient's own gradient.
 */
public final class Pool {
    /** Input elements worth handing to another thread. */
    private static final int PARALLEL_MIN_WORK = 1 << 14;

    private Pool() {
    }

    /** The output size along one dimension (floor mode). */
    public static int outSize(int in, int kernel, int stride) {
        return Math.floorDiv(in - kernel, stride) + 1;
    }

    private static int minChunk(int planeSize) {
        return Math.max(1, PARALLEL_MIN_WORK / Math.max(1, planeSize));
    }

    /**
     * An int whose order is the float order, with −0 equal to +0 and NaN above everything: sign-magnitude bits made
     * two's complement ({@link Float#floatToIntBits} makes every NaN the positive canonical one).
     */
    private static int key(float v) {
        int b = Float.floatToIntBits(v), s = b >> 31;
        return ((b & 0x7fffffff) ^ s) - s;
    }

    private static long key(double v) {
        long b = Double.doubleToLongBits(v), s = b >> 63;
        return ((b & 0x7fffffffffffffffL) ^ s) - s;
    }

    /**
     * Max pooling: each output is the maximum of its window by {@link Math#max} (NaN if any value is NaN, +0 over −0);
     * the 2×2 windows of stride 2 half a vector of windows at a time with the Vector API.
     */
    public static void max(float[] x, float[] y, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        Job j = Job.of(Job.MAX, planes, h, w, kh, kw, sh, sw);
        j.x = x;
        j.y = y;
        j.run(planes);
    }

    /** As {@link #max(float[], float[], int, int, int, int, int, int, int)} in double precision. */
    public static void max(double[] x, double[] y, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        int oh = outSize(h, kh, sh), ow = outSize(w, kw, sw);
        Parallel.forRange(planes, minChunk(h * w), (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < kh; a++) {
                            for (int b = 0; b < kw; b++) m = Math.max(m, x[(p * h + i * sh + a) * w + j * sw + b]);
                        }
                        y[(p * oh + i) * ow + j] = m;
                    }
                }
            }
        });
    }

    /**
     * For each window, the flat index into x of its first maximum in row-major order (PyTorch's choice at ties); a NaN
     * counts as the maximum. The comparisons of max pooling are as unpredictable as the data, so the selection is
     * branch-free, and a row of windows is processed together, one window element at a time, so that the windows'
     * dependency chains interleave.
     */
    public static void maxIndex(float[] x, int[] idx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        Job j = Job.of(Job.MAX_INDEX, planes, h, w, kh, kw, sh, sw);
        j.x = x;
        j.idx = idx;
        j.run(planes);
    }

    /**
     * Max pooling's gradient: dx (x's shape) is zero but at each window's first maximum (as {@link #maxIndex}), where
     * the window's dy is added (windows that overlap add theirs in window order); one pass over x and dx. The common
     * 2×2 windows of stride 2 that cover x a vector of dx at a time, with the Vector API.
     */
    public static void maxGrad(float[] dy, float[] x, float[] dx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        Job j = Job.of(Job.MAX_GRAD, planes, h, w, kh, kw, sh, sw);
        j.x = x;
        j.y = dy;
        j.dx = dx;
        j.run(planes);
    }

    /** As {@link #maxGrad(float[], float[], float[], int, int, int, int, int, int, int)} in double precision. */
    public static void maxGrad(double[] dy, double[] x, double[] dx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        int oh = outSize(h, kh, sh), ow = outSize(w, kw, sw);
        Parallel.forRange(planes, minChunk(h * w), (from, to) -> {
            Arrays.fill(dx, from * h * w, to * h * w, 0.0);
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        dx[maxAt(x, p, i, j, h, w, kh, kw, sh, sw)] += dy[(p * oh + i) * ow + j];
                    }
                }
            }
        });
    }

    /** The flat index of the first maximum (or NaN) of window (i, j) of plane p. */
    private static int maxAt(double[] x, int p, int i, int j, int h, int w, int kh, int kw, int sh, int sw) {
        int best = (p * h + i * sh) * w + j * sw;
        long m = key(x[best]);
        for (int a = 0; a < kh; a++) {
            for (int b = 0, row = (p * h + i * sh + a) * w + j * sw; b < kw; b++) {
                long k = key(x[row + b]);
                if (k > m) {
                    m = k;
                    best = row + b;
                }
            }
        }
        return best;
    }

    /** As {@link #maxIndex(float[], int[], int, int, int, int, int, int, int)} in double precision. */
    public static void maxIndex(double[] x, int[] idx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        int oh = outSize(h, kh, sh), ow = outSize(w, kw, sw);
        Parallel.forRange(planes, minChunk(h * w), (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) idx[(p * oh + i) * ow + j] = maxAt(x, p, i, j, h, w, kh, kw, sh, sw);
                }
            }
        });
    }

    /** Average pooling: each output is the mean of its window (windows lie inside the input: no padding). */
    public static void avgForward(float[] x, float[] y, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        Job j = Job.of(Job.AVG, planes, h, w, kh, kw, sh, sw);
        j.x = x;
        j.y = y;
        j.run(planes);
    }

    /** The gradient of average pooling: each output's gradient spread evenly over its window. dx is overwritten. */
    public static void avgBackward(float[] dy, float[] dx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        Job j = Job.of(Job.AVG_GRAD, planes, h, w, kh, kw, sh, sw);
        j.x = dx;
        j.y = dy;
        j.run(planes);
    }

    /**
     * The arguments of one float pooling, kept per calling thread and reused, so that a call allocates nothing (a
     * lambda capturing them would be a new object per call); its {@link #run(int, int)} is the loop body over planes.
     */
    private static final class Job implements Parallel.Body {
        private static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);
        static final int MAX_INDEX = 0, AVG = 1, AVG_GRAD = 2, MAX = 3, MAX_GRAD = 4;
        int mode, h, w, kh, kw, sh, sw, oh, ow;
        float scale;
        float[] x, y, dx;
        int[] idx;

        static Job of(int mode, int planes, int h, int w, int kh, int kw, int sh, int sw) {
            Job j = PER_THREAD.get();
            j.mode = mode;
            j.h = h;
            j.w = w;
            j.kh = kh;
            j.kw = kw;
            j.sh = sh;
            j.sw = sw;
            j.oh = outSize(h, kh, sh);
            j.ow = outSize(w, kw, sw);
            j.scale = (float) (1.0 / (kh * kw));
            return j;
        }

        /** Runs over every plane, then drops the references to the caller's arrays. */
        void run(int planes) {
            try {
                Parallel.forRange(planes, minChunk(h * w), this);
            } finally {
                x = y = dx = null;
                idx = null;
            }
        }

        @Override
        public void run(int from, int to) {
            boolean twoByTwo = kh == 2 && kw == 2 && sh == 2 && sw == 2;
            if (mode == MAX_GRAD && twoByTwo && h == 2 * oh && w == 2 * ow) maxGrad2x2Range(from, to);
            else if (mode == MAX_GRAD) maxGradRange(from, to, twoByTwo);
            else if (mode == MAX_INDEX) maxIndexRange(from, to, twoByTwo);
            else if (mode == MAX && twoByTwo) max2x2Range(from, to);
            else if (mode == MAX) maxRange(from, to);
            else if (mode == AVG) avgRange(from, to);
            else avgGradRange(from, to);
        }

        /** The flat index into x of the first maximum (or NaN) of window (i, j) of plane p. */
        private int maxAt(int p, int i, int j, boolean twoByTwo) {
            int corner = (p * h + i * sh) * w + j * sw, best = corner;
            if (twoByTwo) return first2x2(corner);
            int m = key(x[best]);
            for (int a = 0; a < kh; a++) {
                for (int b = 0, row = corner + a * w; b < kw; b++) {
                    int k = key(x[row + b]);
                    if (k > m) {
                        m = k;
                        best = row + b;
                    }
                }
            }
            return best;
        }

        /**
         * The common 2×2 window at a, about 2.5 times faster than the general loop: the maximum by {@link Math#max} (NaN
         * if any value is NaN; +0 over −0), then the first position holding it (or the first NaN) from three flags,
         * without a branch.
         */
        private int first2x2(int a) {
            float v0 = x[a], v1 = x[a + 1], v2 = x[a + w], v3 = x[a + w + 1];
            float m = Math.max(Math.max(v0, v1), Math.max(v2, v3));
            // n_k = 1 when v_k is not the maximum (equal to it, or a NaN when the maximum is NaN)
            int n0 = (v0 == m) | (v0 != v0) ? 0 : 1, n1 = (v1 == m) | (v1 != v1) ? 0 : 1;
            int n2 = (v2 == m) | (v2 != v2) ? 0 : 1;
            int k = n0 + (n0 & n1) + (n0 & n1 & n2); // the window position of the first maximum
            return a + (k & 1) + (k >> 1) * w;
        }

        private void maxIndexRange(int from, int to, boolean twoByTwo) {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) idx[(p * oh + i) * ow + j] = maxAt(p, i, j, twoByTwo);
                }
            }
        }

        /** 2×2 windows of stride 2 that cover x: by the Vector API row kernel where it is there, else as below. */
        private void maxGrad2x2Range(int from, int to) {
            RowKernel rows = VectorKernels.rows();
            if (rows != null) from = rows.maxGrad2x2(y, x, dx, from, to, h, w, oh, ow);
            maxGradRange(from, to, true);
        }

        /** y is dy here: each window's dy added at its first maximum, into zeros, window after window. */
        private void maxGradRange(int from, int to, boolean twoByTwo) {
            Arrays.fill(dx, from * h * w, to * h * w, 0f);
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) dx[maxAt(p, i, j, twoByTwo)] += y[(p * oh + i) * ow + j];
                }
            }
        }

        /**
         * The end of the planes from {@code to} back that the row kernel may take: its loads reach one value past a
         * plane's last row, which must not be past the end of x.
         */
        private int vectorEnd(int to) {
            return x.length > to * h * w ? to : to - 1;
        }

        /**
         * The 2×2 window with stride 2: half a vector of windows at a time by the Vector API row kernel where it is
         * there; otherwise (and the planes where the vectors would read past x) two independent maxima and theirs,
         * since a chain of three is the general loop's cost per window.
         */
        private void max2x2Range(int from, int to) {
            RowKernel rows = VectorKernels.rows();
            int inside = vectorEnd(to);
            if (rows != null && from < inside) from = rows.max2x2(x, y, from, inside, h, w, oh, ow);
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    int out = (p * oh + i) * ow, top = (p * h + 2 * i) * w;
                    for (int j = 0; j < ow; j++) {
                        int a = top + 2 * j;
                        y[out + j] = Math.max(Math.max(x[a], x[a + 1]), Math.max(x[a + w], x[a + w + 1]));
                    }
                }
            }
        }

        private void maxRange(int from, int to) {
            for (int p = from; p < to; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float m = Float.NEGATIVE_INFINITY;
                        for (int a = 0, at = (p * h + i * sh) * w + j * sw; a < kh; a++, at += w) {
                            for (int b = 0; b < kw; b++) m = Math.max(m, x[at + b]);
                        }
                        y[(p * oh + i) * ow + j] = m;
                    }
                }
            }
        }

        private void avgRange(int from, int to) {
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float s = 0;
                        for (int a = 0; a < kh; a++) {
                            int row = in + (i * sh + a) * w + j * sw;
                            for (int b = 0; b < kw; b++) {
                                s += x[row + b];
                            }
                        }
                        y[out + i * ow + j] = s * scale;
                    }
                }
            }
        }

        /** x is dx and y is dy here. */
        private void avgGradRange(int from, int to) {
            Arrays.fill(x, from * h * w, to * h * w, 0f);
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float g = y[out + i * ow + j] * scale;
                        for (int a = 0; a < kh; a++) {
                            int row = in + (i * sh + a) * w + j * sw;
                            for (int b = 0; b < kw; b++) {
                                x[row + b] += g;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Average pooling: each output is the mean of its window (windows lie inside the input: no padding). */
    public static void avgForward(double[] x, double[] y, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        int oh = outSize(h, kh, sh), ow = outSize(w, kw, sw);
        double scale = (1.0 / (kh * kw));
        Parallel.forRange(planes, minChunk(h * w), (from, to) -> {
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = 0;
                        for (int a = 0; a < kh; a++) {
                            int row = in + (i * sh + a) * w + j * sw;
                            for (int b = 0; b < kw; b++) {
                                s += x[row + b];
                            }
                        }
                        y[out + i * ow + j] = s * scale;
                    }
                }
            }
        });
    }

    /** The gradient of average pooling: each output's gradient spread evenly over its window. dx is overwritten. */
    public static void avgBackward(double[] dy, double[] dx, int planes, int h, int w, int kh, int kw, int sh, int sw) {
        int oh = outSize(h, kh, sh), ow = outSize(w, kw, sw);
        double scale = (1.0 / (kh * kw));
        Parallel.forRange(planes, minChunk(h * w), (from, to) -> {
            Arrays.fill(dx, from * h * w, to * h * w, 0.0);
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double g = dy[out + i * ow + j] * scale;
                        for (int a = 0; a < kh; a++) {
                            int row = in + (i * sh + a) * w + j * sw;
                            for (int b = 0; b < kw; b++) {
                                dx[row + b] += g;
                            }
                        }
                    }
                }
            }
        });
    }
}
