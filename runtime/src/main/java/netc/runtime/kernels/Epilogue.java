package netc.runtime.kernels;

/**
 * What a product or a convolution applies to each value it stores: plus a bias over the columns, then an activation
 * (a {@link Unary} function with {@link Unary#epilogue()}), then times a mask's step {@code (mask > 0 ? 1 : 0)}. The
 * scalar form here serves the loops, the edges of the vector tiles and the double-precision reference; the activations
 * are {@link Unary}'s, the generated elementwise kernels' formulas.
 */
final class Epilogue {
    private Epilogue() {
    }

    /** The activation {@code act} of x: relu and identity here, the others as {@link Unary} defines them. */
    static float activate(float x, Unary act) {
        if (act == Unary.IDENTITY) return x;  // identity tests, not a switch: no lookup per element in the scalar loops
        return act == Unary.RELU ? Math.max(x, 0f) : act.apply(x);
    }

    /** {@code act(v + bias[col]) · (mask[at] > 0 ? 1 : 0)}, the bias and the mask skipped when null. */
    static float apply(float v, float[] bias, int col, Unary act, float[] mask, int at) {
        float y = activate(bias == null ? v : v + bias[col], act);
        return mask == null ? y : y * (mask[at] > 0 ? 1f : 0f);
    }

    /** The epilogue over the m×n matrix C at cOff, in place, in double precision. */
    static void apply(int m, int n, double[] c, int cOff, double[] bias, Unary act, double[] mask) {
        for (int i = 0; i < m; i++) {
            for (int j = 0, at = cOff + i * n; j < n; j++, at++) {
                double y = act.apply(bias == null ? c[at] : c[at] + bias[j]);
                c[at] = mask == null ? y : y * (mask[at] > 0 ? 1.0 : 0.0);
            }
        }
    }

    /** The epilogue over the m×n matrix C at cOff, in place. */
    static void apply(int m, int n, float[] c, int cOff, float[] bias, Unary act, float[] mask) {
        for (int i = 0; i < m; i++) {
            for (int j = 0, at = cOff + i * n; j < n; j++, at++) c[at] = apply(c[at], bias, j, act, mask, at);
        }
    }

    /** Checks an epilogue: a bias of at least n values (length −1: none) and a known activation. */
    static void check(int n, int biasLength, Unary act) {
        if (!act.epilogue()) throw new IllegalArgumentException(act.lowerName() + " cannot run in a product's epilogue");
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
