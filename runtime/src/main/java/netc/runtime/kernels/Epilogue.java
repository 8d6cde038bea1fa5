package netc.runtime.kernels;

import java.util.Locale;

/**
 * What a product or a convolution applies to each value it stores: plus a bias over the columns, then an activation
 * ({@link Gemm#NONE}, {@link Gemm#RELU}, {@link Gemm#SIGMOID}, {@link Gemm#TANH}), then times a mask's step
 * {@code (mask > 0 ? 1 : 0)}. The scalar form here serves the loops, the edges of the vector tiles and the
 * double-precision reference; sigmoid and tanh use the generated elementwise kernels' formulas (computed in double).
 */
final class Epilogue {
    private Epilogue() {
    }

    /** The code of an activation name: {@code none}, {@code identity}, {@code relu}, {@code sigmoid} or {@code tanh}. */
    static int activation(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "none": case "identity": return Gemm.NONE;
            case "relu": return Gemm.RELU;
            case "sigmoid": return Gemm.SIGMOID;
            case "tanh": return Gemm.TANH;
            default: throw new IllegalArgumentException("unknown epilogue activation: " + name);
        }
    }

    /** The activation {@code act} of x, with the generated elementwise kernels' formulas. */
    static float activate(float x, int act) {
        switch (act) {
            case Gemm.RELU: return Math.max(x, 0f);
            case Gemm.SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-x)));
            case Gemm.TANH: return (float) Math.tanh(x);
            default: return x;
        }
    }

    /** The activation {@code act} of x in double precision. */
    static double activate(double x, int act) {
        switch (act) {
            case Gemm.RELU: return Math.max(x, 0.0);
            case Gemm.SIGMOID: return 1.0 / (1.0 + Math.exp(-x));
            case Gemm.TANH: return Math.tanh(x);
            default: return x;
        }
    }

    /** {@code act(v + bias[col]) · (mask[at] > 0 ? 1 : 0)}, the bias and the mask skipped when null. */
    static float apply(float v, float[] bias, int col, int act, float[] mask, int at) {
        float y = activate(bias == null ? v : v + bias[col], act);
        return mask == null ? y : y * (mask[at] > 0 ? 1f : 0f);
    }

    /** The epilogue over the m×n matrix C at cOff, in place, in double precision. */
    static void apply(int m, int n, double[] c, int cOff, double[] bias, int act, double[] mask) {
        for (int i = 0; i < m; i++) {
            for (int j = 0, at = cOff + i * n; j < n; j++, at++) {
                double y = activate(bias == null ? c[at] : c[at] + bias[j], act);
                c[at] = mask == null ? y : y * (mask[at] > 0 ? 1.0 : 0.0);
            }
        }
    }

    /** The epilogue over the m×n matrix C at cOff, in place. */
    static void apply(int m, int n, float[] c, int cOff, float[] bias, int act, float[] mask) {
        for (int i = 0; i < m; i++) {
            for (int j = 0, at = cOff + i * n; j < n; j++, at++) c[at] = apply(c[at], bias, j, act, mask, at);
        }
    }

    /** Checks an epilogue: a bias of at least n values (length −1: none) and a known activation. */
    static void check(int n, int biasLength, int act) {
        if (act < Gemm.NONE || act > Gemm.TANH) {
            throw new IllegalArgumentException("unknown epilogue activation code " + act);
        }
        if (biasLength >= 0 && biasLength < n) {
            throw new IndexOutOfBoundsException("bias: " + n + " elements do not fit in an array of length "
                    + biasLength);
        }
    }

    /** Checks a mask laid out like C: m×n values from cOff. */
    static void checkMask(int m, int n, int cOff, int maskLength) {
        if ((long) cOff + (long) m * n > maskLength) {
            throw new IndexOutOfBoundsException("mask: " + m + "×" + n + " at offset " + cOff + " does not fit in an array of length " + maskLength);
        }
    }
}
