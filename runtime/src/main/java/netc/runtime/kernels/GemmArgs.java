package netc.runtime.kernels;

/** The argument checks of the products: dimensions and whether each matrix fits in its array. */
final class GemmArgs {
    private GemmArgs() {
    }

    /** Checks the dimensions and that A (m×k), B (k×n) and C (m×n) fit in their arrays at their offsets. */
    static void check(int m, int n, int k, int aLength, int aOff,
                                       int bLength, int bOff, int cLength, int cOff) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(
                    "negative matrix dimension: m=" + m + ", n=" + n + ", k=" + k);
        }
        checkFits("A", aLength, aOff, (long) m * k);
        checkFits("B", bLength, bOff, (long) k * n);
        checkFits("C", cLength, cOff, (long) m * n);
    }

    private static void checkFits(String name, int length, int offset, long size) {
        if (offset < 0 || size > length - (long) offset) {
            throw new IndexOutOfBoundsException(name + ": " + size + " elements at offset "
                    + offset + " do not fit in an array of length " + length);
        }
    }
}
