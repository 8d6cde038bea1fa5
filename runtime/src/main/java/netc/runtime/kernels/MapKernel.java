package netc.runtime.kernels;

/**
 * Elementwise functions over ranges of arrays, whole vectors at a time: the functions built on e^x, which the scalar
 * loops call through {@code Math.exp} one element at a time. {@link Unary#map} and {@link Unary#mapTimes} use it where
 * the Vector API runs; see {@link VectorMath}.
 */
interface MapKernel {
    /**
     * {@code y[i] = f(x[i])}, or with {@code g} not null {@code y[i] = g[i]·f(x[i])}, for i in [from, to); false, with
     * nothing written, when {@code f} has no vector form here.
     */
    boolean map(Unary f, float[] x, float[] g, float[] y, int from, int to);
}
