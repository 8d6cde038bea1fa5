package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The products of a convolution's gradients that read or write its windows where they lie in the padded input, with
 * nothing copied or packed and no sum reduced across lanes.
 *
 * <p>{@link FloatKernel#sgemmWindows} (the weight gradient): {@code C += A · B} with A read through a table of rows and
 * one of columns, B a vector of columns at a time. A register tile holds 8 rows of C by one vector of columns, or 4
 * rows by two vectors where two remain: per value of k, a vector load of B for each column vector, a broadcast of each
 * row's value of A, and a fused multiply-add for each pair. Eight sums in flight cover the multiply-add's latency on
 * two pipes; the two-vector tile does two multiply-adds per broadcast (the broadcasts, one a cycle, bound the
 * one-vector tile) and keeps fewer row offsets live. Rows past the last repeat it: their sums, equal to its own, are
 * written to its row of C.
 *
 * <p>{@link FloatKernel#sgemmAddWindows} (the input gradient with col2im in its epilogue): {@code Aᵀ · B} added into
 * rows of C anywhere. A tile of {@link #H} rows by two vectors of columns, A's values broadcast from consecutive
 * places of its rows, the sums added into C's rows when k is done. The last rows, fewer than a tile, go through a
 * scratch copy of A's columns beside zeros and a scratch tile.
 *
 * <p>Each loop runs along k alone (C2 boxes vectors that live across an inner loop's exit). Loaded only with the Vector
 * API module, through {@link VectorGemm}.
 */
final class VectorWindows {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;

    /**
     * Rows of the add-windows tile: 6, in 12 registers at either width. A 12-row tile at AVX-512 (24 of its 32
     * registers) was no faster and too large for C2 to compile whole: its 24 multiply-adds inline past the inlining
     * budget, and in a JVM that had compiled other models first (ThreadCountTest and FixturesTest before
     * AllocationTest) some of its vector stores stayed calls that box their vectors, 1.8 MB a LeNet step. With 6 rows
     * a batch of 128's input gradient of LeNet's second convolution took 1,327–1,653 µs against 1,460–1,664, and
     * LeNet's step 17.3–19.7k samples/s against 13.8–16.4k at one thread (2-core Zen 4, alternating).
     */
    static final int H = 6;
    /** Where the rows of the scratch tile start: 2L apart. */
    private static final int[] TILE_ROWS = new int[H];

    static {
        for (int t = 0; t < H; t++) TILE_ROWS[t] = 2 * L * t;
    }

    /** Per-thread scratch of the last rows: A's columns beside zeros, [k, H], and the tile, [H, 2L]. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        private float[] a = new float[0];
        private final float[] tile = new float[H * 2 * L];

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }
    }

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

    static void addWindows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
                           int cOff, int[] rowAt) {
        int whole = m / H * H;
        for (int i = 0; i < whole; i += H) {
            for (int j = 0; j < n; j += 2 * L) tile(k, a, aOff + i, lda, b, bOff + j, ldb, c, cOff + j, rowAt, i);
        }
        if (whole == m) return;
        Scratch s = Scratch.PER_THREAD.get();
        float[] ap = s.a(k * H), t = s.tile;
        for (int p = 0; p < k; p++) {
            for (int i = whole; i < whole + H; i++) ap[p * H + i - whole] = i < m ? a[aOff + p * lda + i] : 0f;
        }
        for (int j = 0; j < n; j += 2 * L) {
            java.util.Arrays.fill(t, 0f);
            tile(k, ap, 0, H, b, bOff + j, ldb, t, 0, TILE_ROWS, 0);
            for (int i = whole; i < m; i++) {
                int to = cOff + rowAt[i] + j, from = (i - whole) * 2 * L;
                for (int e = 0; e < 2 * L; e++) c[to + e] += t[from + e];
            }
        }
    }

    /** {@code C[cj + rows[ri + t] ..] += Σ_p A[ai + p·lda + t] · B[bj + p·ldb ..]} for t < 6, two vectors of columns. */
    private static void tile(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] c, int cj,
                              int[] rows, int ri) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < k; p++, ai += lda, bj += ldb) {
            FloatVector b0 = FloatVector.fromArray(F, b, bj), b1 = FloatVector.fromArray(F, b, bj + L);
            FloatVector u = FloatVector.broadcast(F, a[ai]);
            c00 = u.fma(b0, c00);
            c01 = u.fma(b1, c01);
            u = FloatVector.broadcast(F, a[ai + 1]);
            c10 = u.fma(b0, c10);
            c11 = u.fma(b1, c11);
            u = FloatVector.broadcast(F, a[ai + 2]);
            c20 = u.fma(b0, c20);
            c21 = u.fma(b1, c21);
            u = FloatVector.broadcast(F, a[ai + 3]);
            c30 = u.fma(b0, c30);
            c31 = u.fma(b1, c31);
            u = FloatVector.broadcast(F, a[ai + 4]);
            c40 = u.fma(b0, c40);
            c41 = u.fma(b1, c41);
            u = FloatVector.broadcast(F, a[ai + 5]);
            c50 = u.fma(b0, c50);
            c51 = u.fma(b1, c51);
        }
        int x = cj + rows[ri];
        FloatVector.fromArray(F, c, x).add(c00).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c01).intoArray(c, x + L);
        x = cj + rows[ri + 1];
        FloatVector.fromArray(F, c, x).add(c10).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c11).intoArray(c, x + L);
        x = cj + rows[ri + 2];
        FloatVector.fromArray(F, c, x).add(c20).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c21).intoArray(c, x + L);
        x = cj + rows[ri + 3];
        FloatVector.fromArray(F, c, x).add(c30).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c31).intoArray(c, x + L);
        x = cj + rows[ri + 4];
        FloatVector.fromArray(F, c, x).add(c40).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c41).intoArray(c, x + L);
        x = cj + rows[ri + 5];
        FloatVector.fromArray(F, c, x).add(c50).intoArray(c, x);
        FloatVector.fromArray(F, c, x + L).add(c51).intoArray(c, x + L);
    }
}
