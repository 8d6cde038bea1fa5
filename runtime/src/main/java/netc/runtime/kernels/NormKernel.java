package netc.runtime.kernels;

/**
 * The float row loops of {@link LayerNorm} a vector at a time; see {@link VectorNorm}. {@code forward} and
 * {@code gradient} take the arguments of the methods there and give their results up to the order of the sums; the
 * other two are {@link LayerNorm.ParamGradient}'s passes.
 */
interface NormKernel {
    void forward(float[] x, float[] w, float[] b, float[] y, int d, float eps, int from, int to);

    void gradient(float[] dy, float[] x, float[] w, float[] dx, int d, float eps, int from, int to);

    /** Each row's mean and rstd, rows [from, to), into {@code stats[2r]} and {@code stats[2r + 1]}. */
    void rowStats(float[] x, int d, float eps, float[] stats, int from, int to);

    /** {@link LayerNorm.ParamGradient}'s sums for columns [from, to) over all rows, from the rows' statistics. */
    void paramGradient(float[] dy, float[] x, float[] stats, float[] out, int d, int rows, int from, int to);
}
