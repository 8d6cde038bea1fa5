package netc.runtime.kernels;

/** A single-precision product kernel behind {@link Gemm#sgemm}: arguments already checked, m, n, k all positive. */
interface FloatKernel {
    /** {@code strips}: B's whole strips as {@link PackedWeights} lays them out, for m = 1 (of op(B), whether B is transposed or not); or null. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
               float[] strips, float[] c, int cOff, boolean accumulate, float[] bias, Unary act, float[] mask);

    /**
     * A [m, k] row-major at aOff packed for {@link #sgemmRows}: into {@code into} where it is long enough, else into a
     * new array; returns the one it used. A convolution packs its weights once for all its samples.
     */
    float[] packRows(int m, int k, float[] a, int aOff, float[] into);

    /**
     * {@code C = A · B}, A [m, k] as {@link #packRows} packed it, C [m, n] at cOff (overwritten), and row p of B (n
     * values) at {@code bOff + rowAt[p]}: rows anywhere, overlapping or not, such as the windows of a padded image that
     * a convolution multiplies (im2col without the copy).
     */
    void sgemmRows(int m, int n, int k, float[] packedA, float[] b, int bOff, int[] rowAt, float[] c, int cOff);

    /**
     * {@code C += A · Bᵀ}, A [m, k] row-major at aOff, C [m, n] at cOff, and row j of B (k values) at
     * {@code bOff + rowAt[j]}: the weight gradient of a convolution without its im2col matrix.
     */
    void sgemmDotRows(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, int[] rowAt, float[] c, int cOff);

    /**
     * {@code C += A · B}, B [k, n] row-major at bOff (n a multiple of the kernel's vector of floats), C [m, n] at cOff,
     * and A [m, k] read where it lies: element (i, q) at {@code aOff + rowAt[i] + colAt[q]}. The im2col matrix of a
     * convolution at stride 1 along the width is such a matrix in its padded input, its output positions along k: the
     * weight gradient, transposed, is this product with dy transposed as B.
     */
    void sgemmWindows(int m, int n, int k, float[] a, int aOff, int[] rowAt, int[] colAt, float[] b, int bOff, float[] c,
                      int cOff);

    /**
     * {@code C[cOff + rowAt[i] + j] += Σ_p A[p, i] · B[p, j]} for i < m, j < n: Aᵀ · B added into rows of C that lie
     * anywhere, overlapping or not. A [k, m] at aOff, rows lda apart; B [k, n] at bOff, rows ldb apart; n a multiple of
     * two of the kernel's vectors of floats. The windows of a convolution's padded input are such rows: its input
     * gradient is this product of w and dy, with col2im in its epilogue.
     */
    void sgemmAddWindows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
                         int cOff, int[] rowAt);

    /** The width of the vectors the kernel computes with, in bits. */
    int vectorBits();
}
