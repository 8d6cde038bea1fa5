package netc.runtime.kernels;

/** A single-precision product kernel behind {@link Gemm#sgemm}: arguments already checked, m, n, k all positive. */
interface FloatKernel {
    /** {@code strips}: B's whole strips as {@link PackedWeights} lays them out, for m = 1 and B not transposed; or null. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
               float[] strips, float[] c, int cOff, boolean accumulate, float[] bias, int act, float[] mask);

    /** The width of the vectors the kernel computes with, in bits. */
    int vectorBits();
}
