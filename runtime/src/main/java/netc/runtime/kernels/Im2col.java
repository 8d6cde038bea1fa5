package netc.runtime.kernels;

import java.util.Arrays;
import netc.runtime.kernels.Conv.Geometry;

/**
 * A convolution's im2col matrix of one sample in the compact layout (a row per input channel and kernel position, a
 * column per output position) and its inverse, col2im, which adds such a matrix back into the input.
 */
final class Im2col {
    private Im2col() {
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
}
