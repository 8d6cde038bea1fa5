package netc.runtime.kernels;

/**
 * The float row loops of {@link LayerNorm} a vector at a time; see {@link VectorNorm}. Same arguments and results as
 * the methods there, up to the order of the sums.
 */
interface NormKernel {
    void forward(float[] x, float[] w, float[] b, float[] y, int d, float eps, int from, int to);

    void gradient(float[] dy, float[] x, float[] w, float[] dx, int d, float eps, int from, int to);

    void paramGradient(float[] dy, float[] x, float[] out, int d, float eps, int rows);
}
