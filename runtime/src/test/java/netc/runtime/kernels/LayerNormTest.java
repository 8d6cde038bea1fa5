package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerNorm}'s float rows, with the Vector API and without, agree with its double rows (the definitions the
 * gradient checks verify) to float precision, for rows shorter than a vector, of whole vectors and with a tail, and
 * touch only the rows they are given; the build runs this at 256 and 512 bits.
 */
class LayerNormTest {
    static final int ROWS = 37;
    static final float EPS = 1e-5f;

    @Test
    void floatRowsMatchTheDefinitionWithAndWithoutVectors() {
        assertTrue(VectorKernels.norm() != null || !VectorKernels.WANTED, "the vector rows load where the Vector API runs");
        boolean before = VectorKernels.use;
        try {
            for (boolean vectors : new boolean[] {true, false}) {
                VectorKernels.use = vectors && before;
                for (int d : new int[] {1, 5, 16, 32, 45, 128}) check(d, vectors);
            }
        } finally {
            VectorKernels.use = before;
        }
    }

    private static void check(int d, boolean vectors) {
        SplittableRandom r = new SplittableRandom(d);
        int n = ROWS * d;
        double[] x = new double[n], dy = new double[n], w = new double[d], b = new double[d];
        for (int i = 0; i < n; i++) {
            x[i] = 3 + 2 * r.nextGaussian(); // an offset mean, as residual streams have
            dy[i] = r.nextGaussian();
        }
        for (int j = 0; j < d; j++) {
            w[j] = 1 + 0.3 * r.nextGaussian();
            b[j] = 0.1 * r.nextGaussian();
        }
        double[] y = new double[n], dx = new double[n], params = new double[2 * d];
        LayerNorm.forward(x, w, b, y, d, EPS, 0, ROWS);
        LayerNorm.gradient(dy, x, w, dx, d, EPS, 0, ROWS);
        LayerNorm.paramGradient(dy, x, params, d, EPS, ROWS);

        float[] xf = f(x), dyf = f(dy), wf = f(w), bf = f(b);
        float[] yf = new float[n], dxf = new float[n], paramsf = new float[2 * d];
        java.util.Arrays.fill(yf, Float.NaN);
        java.util.Arrays.fill(dxf, Float.NaN);
        // two ranges, as two threads would have them; a row past them stays untouched
        LayerNorm.forward(xf, wf, bf, yf, d, EPS, 0, 11);
        LayerNorm.forward(xf, wf, bf, yf, d, EPS, 11, ROWS - 1);
        LayerNorm.gradient(dyf, xf, wf, dxf, d, EPS, 0, 11);
        LayerNorm.gradient(dyf, xf, wf, dxf, d, EPS, 11, ROWS - 1);
        java.util.Arrays.fill(paramsf, 7f); // whatever was there before
        new LayerNorm.ParamGradient().compute(dyf, xf, paramsf, d, EPS, ROWS, new float[2 * ROWS]);

        String where = "d = " + d + (vectors ? ", vectors" : ", loops");
        for (int i = 0; i < n; i++) {
            if (i >= (ROWS - 1) * d) {
                assertTrue(Float.isNaN(yf[i]) && Float.isNaN(dxf[i]), where + ": the last row is not in the ranges");
                continue;
            }
            assertEquals(y[i], yf[i], 1e-5 * (1 + Math.abs(y[i])), where + ": y[" + i + "]");
            assertEquals(dx[i], dxf[i], 1e-4 * (1 + Math.abs(dx[i])), where + ": dx[" + i + "]");
        }
        for (int j = 0; j < 2 * d; j++) {
            assertEquals(params[j], paramsf[j], 1e-4 * (1 + Math.abs(params[j])), where + ": params[" + j + "]");
        }
    }

    /**
     * The gradients in w and b of many rows (a transformer's batch of positions), at 1, 2 and 4 threads: the threads'
     * rows of statistics and columns of sums give the very floats of one thread.
     */
    @Test
    void paramGradientsAreTheSameAtEveryThreadCount() {
        int rows = 2048;
        SplittableRandom r = new SplittableRandom(4);
        for (int d : new int[] {45, 128}) {
            float[] x = new float[rows * d], dy = new float[rows * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (1 + r.nextGaussian());
                dy[i] = (float) r.nextGaussian();
            }
            float[] one = null;
            try {
                for (int threads : new int[] {1, 2, 4}) {
                    Parallel.setThreads(threads);
                    float[] out = new float[2 * d];
                    new LayerNorm.ParamGradient().compute(dy, x, out, d, EPS, rows, new float[2 * rows]);
                    if (one == null) one = out;
                    else org.junit.jupiter.api.Assertions.assertArrayEquals(one, out, 0, "d = " + d + ", " + threads + " threads");
                }
            } finally {
                Parallel.setThreads(Runtime.getRuntime().availableProcessors());
            }
        }
    }

    private static float[] f(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }
}
