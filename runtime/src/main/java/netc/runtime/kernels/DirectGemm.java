package netc.runtime.kernels;

/** Tiny products as a plain loop nest. */
final class DirectGemm {
    /** Products with at most this many multiply-adds (m·n·k) are a plain loop nest. */
    static final long MAX_MNK = 1 << 12;

    private DirectGemm() {
    }

    /**
     * A tiny product (at most {@link #MAX_MNK} multiply-adds, e.g. a last layer at batch 1) as a plain loop
     * nest, for positive m, n and k: packing would cost more than the product. Each sum is kept in a register and
     * eight run side by side (eight columns, or four slices of k for a lone column), enough to hide the latency of
     * the multiply-adds.
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * aRow, ci = cOff + i * n, j = 0;
            for (; j + 8 <= n; j += 8) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int p = 0, ap = ai, bp = bOff + j * bCol; p < k; p++, ap += aCol, bp += bRow) {
                    float u = a[ap];
                    s0 = Math.fma(u, b[bp], s0);
                    s1 = Math.fma(u, b[bp + bCol], s1);
                    s2 = Math.fma(u, b[bp + 2 * bCol], s2);
                    s3 = Math.fma(u, b[bp + 3 * bCol], s3);
                    s4 = Math.fma(u, b[bp + 4 * bCol], s4);
                    s5 = Math.fma(u, b[bp + 5 * bCol], s5);
                    s6 = Math.fma(u, b[bp + 6 * bCol], s6);
                    s7 = Math.fma(u, b[bp + 7 * bCol], s7);
                }
                c[ci + j] = accumulate ? c[ci + j] + s0 : s0;
                c[ci + j + 1] = accumulate ? c[ci + j + 1] + s1 : s1;
                c[ci + j + 2] = accumulate ? c[ci + j + 2] + s2 : s2;
                c[ci + j + 3] = accumulate ? c[ci + j + 3] + s3 : s3;
                c[ci + j + 4] = accumulate ? c[ci + j + 4] + s4 : s4;
                c[ci + j + 5] = accumulate ? c[ci + j + 5] + s5 : s5;
                c[ci + j + 6] = accumulate ? c[ci + j + 6] + s6 : s6;
                c[ci + j + 7] = accumulate ? c[ci + j + 7] + s7 : s7;
            }
            for (; j < n; j++) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                int p = 0, ap = ai, bp = bOff + j * bCol;
                for (; p + 4 <= k; p += 4, ap += 4 * aCol, bp += 4 * bRow) {
                    s0 = Math.fma(a[ap], b[bp], s0);
                    s1 = Math.fma(a[ap + aCol], b[bp + bRow], s1);
                    s2 = Math.fma(a[ap + 2 * aCol], b[bp + 2 * bRow], s2);
                    s3 = Math.fma(a[ap + 3 * aCol], b[bp + 3 * bRow], s3);
                }
                for (; p < k; p++, ap += aCol, bp += bRow) s0 = Math.fma(a[ap], b[bp], s0);
                float s = (s0 + s1) + (s2 + s3);
                c[ci + j] = accumulate ? c[ci + j] + s : s;
            }
        }
    }

}
