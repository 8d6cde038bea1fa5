package netc.runtime.kernels;

/**
 * A copy of a weight matrix B [k, n] (or of the transpose of B [n, k], a dense layer's weight) laid out for products
 * with a single row, i.e. one sample through a dense layer:
 * B's columns in strips of {@link #STRIP}, each strip's k rows of {@link #STRIP} values contiguous, the last strip
 * padded with zeros (so that every column is summed the same way). Such a product keeps a strip of sums in registers
 * while B streams through, and reads the copy front to back instead of a few
 * cache lines of every row of B (784×256: about 5.5 µs instead of 9 on two threads of a Zen 3).
 *
 * <p>A model keeps one per weight matrix and passes its weights' version number with each product (see
 * {@link Gemm#sgemm(int, int, int, float[], int, float[], int, PackedWeights, long, float[], int, boolean, float[],
 * int)}). The copy is made by the second product at a version (the first reads B itself), so that a model trained one
 * sample at a time, whose weights change between any two products, never pays for copies it would use once. Not
 * thread-safe: one per model instance.
 */
public final class PackedWeights {
    /** Columns per strip: the sums of eight 8-lane vectors. Narrower matrices have nothing to pack. */
    public static final int STRIP = 64;

    private float[] strips = new float[0];
    /** The matrix and version of the last product, and whether the strips hold them. */
    private float[] source;
    private int sourceOff, k, n;
    private long version;
    private boolean packed, transposed;

    /**
     * The strips of op(B) (B row-major k×n at {@code bOff} in {@code b}, or n×k and {@code transposed}) at this
     * version, or null for the first product at a version (or of another matrix) of an untransposed B, which reads B
     * itself.
     */
    float[] strips(float[] b, int bOff, int k, int n, long version, boolean transposed) {
        if (b != source || bOff != sourceOff || k != this.k || n != this.n || version != this.version || transposed != this.transposed) {
            source = b;
            sourceOff = bOff;
            this.k = k;
            this.n = n;
            this.version = version;
            this.transposed = transposed;
            packed = false;
            // B itself serves the first product, but a transposed B ([n, k], a dense layer's weight) is read through
            // its copy from the first product on, so that every single-row product sums in the same order
            if (!transposed) return null;
        }
        if (!packed) {
            int count = (n + STRIP - 1) / STRIP;
            if (strips.length < count * STRIP * k) strips = new float[count * STRIP * k];
            for (int s = 0, at = 0; s < count; s++) {
                int width = Math.min(STRIP, n - s * STRIP);
                for (int p = 0; p < k; p++, at += STRIP) {
                    if (transposed) {
                        // strip s, row p holds B[s·STRIP + c, p] for c < STRIP
                        for (int c = 0, src = bOff + s * STRIP * k + p; c < width; c++, src += k) strips[at + c] = b[src];
                    } else {
                        System.arraycopy(b, bOff + p * n + s * STRIP, strips, at, width);
                    }
                    java.util.Arrays.fill(strips, at + width, at + STRIP, 0f);
                }
            }
            packed = true;
        }
        return strips;
    }
}
