package netc.runtime.kernels;

import java.util.Arrays;
import netc.runtime.kernels.Conv.Geometry;

/**
 * The double-precision convolution of {@link Conv}'s double overloads, for gradient checks: a direct loop over the
 * definition, simple, single-threaded, and independent of the fast path it helps to check.
 */
final class ConvReference {
    /** What {@link #run} computes. */
    enum Mode { FORWARD, INPUT_GRAD, WEIGHT_GRAD }

    private ConvReference() {
    }

    /**
     * Every term {@code x[b, ci, iy, ix] · w[oc, ci, ki, kj]} of {@code y[b, oc, oy, ox]}, inside the input: in
     * {@link Mode#FORWARD} summed into y; in {@link Mode#INPUT_GRAD} (x holds dx, y holds dy) {@code dy · w} summed into
     * dx; in {@link Mode#WEIGHT_GRAD} (w holds dw, y holds dy) {@code dy · x} summed into dw. The array written is
     * zeroed first.
     */
    static void run(Mode mode, double[] x, double[] w, double[] y, int batch, Geometry g) {
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
