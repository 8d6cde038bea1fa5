package netc.runtime.kernels;

import java.util.Arrays;

/** The double-precision product: a plain triple loop, for gradient checks, where correctness matters and speed does not. */
final class DoubleGemm {
    private DoubleGemm() {
    }

    /** {@code C (+)= op(A)·op(B)}, arguments checked. */
    static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, boolean accumulate) {
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * n;
            if (!accumulate) {
                Arrays.fill(c, cRow, cRow + n, 0.0);
            }
            for (int p = 0; p < k; p++) {
                double aip = a[aOff + i * aRow + p * aCol];
                int bp = bOff + p * bRow;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bp + j * bCol];
                }
            }
        }
    }

}
