package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SumsTest {
    /** Every length from 0 to past five 16-float vectors' worth of 4-vector chunks, at odd offsets. */
    @Test
    void runsSumToTheirValueWithTheVectorKernelAndWithout() {
        Random r = new Random(5);
        float[] a = new float[400];
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] = r.nextInt(2001) - 1000;  // integers: every order sums exactly
        try {
            for (boolean vector : new boolean[] {true, false}) {
                Gemm.useVectorKernel(vector);
                for (int n = 0; n <= 330; n++) {
                    int from = n % 7;
                    double expected = 0;
                    for (int i = from; i < from + n; i++) expected += d[i];
                    assertEquals(expected, Sums.sum(a, from, n), 0, "length " + n + (vector ? ", vectors" : ", loops"));
                    assertEquals(expected, Sums.sum(d, from, n), 0, "length " + n + ", double");
                }
            }
        } finally {
            Gemm.useVectorKernel(true);
        }
    }

    /** Real values: the fixed order's result, close to the exact sum; the same every time. */
    @Test
    void fractionsSumWithinRoundingAndAlwaysTheSame() {
        Random r = new Random(6);
        float[] a = new float[784 * 6];
        double exact = 0;
        for (int i = 0; i < a.length; i++) exact += a[i] = (float) r.nextGaussian();
        float first = Sums.sum(a, 0, a.length);
        assertEquals(exact, first, 1e-5 * a.length);
        for (int i = 0; i < 20_000; i++) assertEquals(first, Sums.sum(a, 0, a.length), 0, "call " + i);  // compiled too
    }

    /**
     * A dense layer's bias gradient, [rows, stride] summed over the rows, for column ranges that start and end anywhere
     * (whole blocks of four vectors, single vectors and the columns past them): with the vector kernel and without,
     * the very bits of one float sum per column, from 0, row after row.
     */
    @Test
    void columnSumsAreEachColumnSummedRowAfterRow() {
        int stride = 300;
        Random r = new Random(8);
        for (int rows : new int[] {0, 1, 3, 128}) {
            float[] x = new float[Math.max(1, rows) * stride];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] want = new float[stride];
            for (int c = 0; c < stride; c++) {
                float s = 0;
                for (int row = 0; row < rows; row++) s += x[row * stride + c];
                want[c] = s;
            }
            try {
                for (boolean vector : new boolean[] {true, false}) {
                    Gemm.useVectorKernel(vector);
                    for (int[] range : new int[][] {{0, stride}, {0, 10}, {7, 7}, {5, 290}, {64, 128}, {3, 300}}) {
                        float[] out = new float[stride];
                        java.util.Arrays.fill(out, Float.NaN);
                        Sums.columns(x, rows, stride, out, range[0], range[1]);
                        for (int c = 0; c < stride; c++) {
                            boolean inside = c >= range[0] && c < range[1];
                            assertEquals(inside ? want[c] : Float.NaN, out[c], 0, rows + " rows, column " + c + " of "
                                    + range[0] + ".." + range[1] + (vector ? ", vectors" : ", loops"));
                        }
                    }
                }
            } finally {
                Gemm.useVectorKernel(true);
            }
        }
    }

    /**
     * A convolution's bias gradient [batch, C, H·W] to [C] split over samples: at every thread count the very floats
     * of one thread summing each channel's runs sample after sample.
     */
    @Test
    void outerAndInnerSumsAreTheSameAtEveryThreadCount() {
        int outer = 128, kept = 6, inner = 784;
        Random r = new Random(7);
        float[] x = new float[outer * kept * inner];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Sums.OverOuterAndInner sums = new Sums.OverOuterAndInner();
        try {
            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {1, 3, outer}) {  // a batch smaller than the threads, one cut unevenly, all
                    float[] want = new float[kept];
                    for (int a = 0; a < n; a++) {
                        for (int c = 0; c < kept; c++) want[c] += Sums.sum(x, (a * kept + c) * inner, inner);
                    }
                    float[] out = new float[kept];
                    sums.sum(x, n, kept, inner, new float[n * kept], out);
                    assertArrayEquals(want, out, 0, threads + " threads, batch " + n);
                }
            }
        } finally {
            Parallel.setThreads(Runtime.getRuntime().availableProcessors());
        }
    }
}
