package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatKernel#sgemmWindows}: {@code C += A · B} with A read where it lies, through a table of rows and one of
 * columns (a convolution's windows in its padded input), and B read a vector of columns at a time. A register tile
 * holds 8 rows of C by one vector of columns, or 4 rows by two vectors where two remain: per value of k, a vector load
 * of B for each column vector, a broadcast of each row's value of A, and a fused multiply-add for each pair, so that
 * neither operand is copied or packed and no sum is reduced across lanes. Eight sums in flight cover the multiply-add's
 * latency on two pipes; the two-vector tile does two multiply-adds per broadcast (the broadcasts, one a cycle, bound
 * the one-vector tile) and keeps fewer row offsets live. Rows past the last repeat it: their sums, equal to its own,
 * are written to its row of C. Each loop runs along k alone (C2 boxes vectors that live across an inner loop's exit).
 * Loaded only with the Vector API module, through {@link VectorGemm}.
 */
final class VectorWindows {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;

    private VectorWindows() {
    }

    static void multiply(int m, int n, int k, float[] a, int aOff, int[] rowAt, int[] colAt, float[] b, int bOff,
                         float[] c, int cOff) {
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            for (int i = 0; i < m; i += 4) tile4x2(i, j, m, n, k, a, aOff, rowAt, colAt, b, bOff, c, cOff);
        }
        for (; j < n; j += L) {
            for (int i = 0; i < m; i += 8) tile8(i, j, m, n, k, a, aOff, rowAt, colAt, b, bOff, c, cOff);
        }
    }

    /** Rows i..i+7 of C (the last one repeated past m), columns j..j+L. */
    private static void tile8(int i, int j, int m, int n, int k, float[] a, int aOff, int[] rowAt, int[] colAt,
                              float[] b, int bOff, float[] c, int cOff) {
        int r1 = Math.min(i + 1, m - 1), r2 = Math.min(i + 2, m - 1), r3 = Math.min(i + 3, m - 1);
        int r4 = Math.min(i + 4, m - 1), r5 = Math.min(i + 5, m - 1), r6 = Math.min(i + 6, m - 1);
        int r7 = Math.min(i + 7, m - 1);
        int a0 = aOff + rowAt[i], a1 = aOff + rowAt[r1], a2 = aOff + rowAt[r2], a3 = aOff + rowAt[r3];
        int a4 = aOff + rowAt[r4], a5 = aOff + rowAt[r5], a6 = aOff + rowAt[r6], a7 = aOff + rowAt[r7];
        int c0 = cOff + i * n + j, c1 = cOff + r1 * n + j, c2 = cOff + r2 * n + j, c3 = cOff + r3 * n + j;
        int c4 = cOff + r4 * n + j, c5 = cOff + r5 * n + j, c6 = cOff + r6 * n + j, c7 = cOff + r7 * n + j;
        FloatVector s0 = FloatVector.fromArray(F, c, c0), s1 = FloatVector.fromArray(F, c, c1);
        FloatVector s2 = FloatVector.fromArray(F, c, c2), s3 = FloatVector.fromArray(F, c, c3);
        FloatVector s4 = FloatVector.fromArray(F, c, c4), s5 = FloatVector.fromArray(F, c, c5);
        FloatVector s6 = FloatVector.fromArray(F, c, c6), s7 = FloatVector.fromArray(F, c, c7);
        for (int q = 0, bq = bOff + j; q < k; q++, bq += n) {
            FloatVector v = FloatVector.fromArray(F, b, bq);
            int at = colAt[q];
            s0 = FloatVector.broadcast(F, a[a0 + at]).fma(v, s0);
            s1 = FloatVector.broadcast(F, a[a1 + at]).fma(v, s1);
            s2 = FloatVector.broadcast(F, a[a2 + at]).fma(v, s2);
            s3 = FloatVector.broadcast(F, a[a3 + at]).fma(v, s3);
            s4 = FloatVector.broadcast(F, a[a4 + at]).fma(v, s4);
            s5 = FloatVector.broadcast(F, a[a5 + at]).fma(v, s5);
            s6 = FloatVector.broadcast(F, a[a6 + at]).fma(v, s6);
            s7 = FloatVector.broadcast(F, a[a7 + at]).fma(v, s7);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c1);
        s2.intoArray(c, c2);
        s3.intoArray(c, c3);
        s4.intoArray(c, c4);
        s5.intoArray(c, c5);
        s6.intoArray(c, c6);
        s7.intoArray(c, c7);
    }

    /** Rows i..i+3 of C (the last one repeated past m), columns j..j+2L. */
    private static void tile4x2(int i, int j, int m, int n, int k, float[] a, int aOff, int[] rowAt, int[] colAt,
                                float[] b, int bOff, float[] c, int cOff) {
        int r1 = Math.min(i + 1, m - 1), r2 = Math.min(i + 2, m - 1), r3 = Math.min(i + 3, m - 1);
        int a0 = aOff + rowAt[i], a1 = aOff + rowAt[r1], a2 = aOff + rowAt[r2], a3 = aOff + rowAt[r3];
        int c0 = cOff + i * n + j, c1 = cOff + r1 * n + j, c2 = cOff + r2 * n + j, c3 = cOff + r3 * n + j;
        FloatVector s00 = FloatVector.fromArray(F, c, c0), s01 = FloatVector.fromArray(F, c, c0 + L);
        FloatVector s10 = FloatVector.fromArray(F, c, c1), s11 = FloatVector.fromArray(F, c, c1 + L);
        FloatVector s20 = FloatVector.fromArray(F, c, c2), s21 = FloatVector.fromArray(F, c, c2 + L);
        FloatVector s30 = FloatVector.fromArray(F, c, c3), s31 = FloatVector.fromArray(F, c, c3 + L);
        for (int q = 0, bq = bOff + j; q < k; q++, bq += n) {
            FloatVector v = FloatVector.fromArray(F, b, bq), w = FloatVector.fromArray(F, b, bq + L);
            int at = colAt[q];
            FloatVector u = FloatVector.broadcast(F, a[a0 + at]);
            s00 = u.fma(v, s00);
            s01 = u.fma(w, s01);
            u = FloatVector.broadcast(F, a[a1 + at]);
            s10 = u.fma(v, s10);
            s11 = u.fma(w, s11);
            u = FloatVector.broadcast(F, a[a2 + at]);
            s20 = u.fma(v, s20);
            s21 = u.fma(w, s21);
            u = FloatVector.broadcast(F, a[a3 + at]);
            s30 = u.fma(v, s30);
            s31 = u.fma(w, s31);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + L);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + L);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + L);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + L);
    }
}
