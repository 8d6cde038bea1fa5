package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorGemm}'s register tiles: the micro-kernel that does a product's multiply-adds, a tile of C of
 * {@link #MR} (or another of {@link #HEIGHTS}) rows by {@link #NR} columns in vector registers over a block of k, one
 * method per height. Its callers pack the operands, plan the blocks and the threads, and write the tiles to C.
 */
final class VectorTiles {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = VectorWidth.L;

    /**
     * Rows of C in a register tile of two vectors a row. With 16-float vectors, 12 (24 accumulators of AVX-512's 32
     * registers: about 113 GFLOP/s on a Zen 4 core against 85 for 6 rows); with 8-float vectors, 6 (twelve
     * accumulators) where C2 keeps them all in the sixteen AVX2 registers, as JDK 17's does (about 84 GFLOP/s against
     * 50 for 4 rows on a Zen 3 core), and 4 on JDK 25, whose C2 spills with twelve (39 GFLOP/s) and runs eight at 69.
     */
    static final int MR = L == 16 ? 12 : Runtime.version().feature() >= 25 ? 4 : 6;
    /** Columns of C in a register tile (two vectors). */
    static final int NR = 2 * L;
    /** Register tile heights, largest first: those whose accumulators fit this machine's registers. */
    static final int[] HEIGHTS = MR == 12 ? new int[]{12, 8, 6, 4} : MR == 6 ? new int[]{6, 4} : new int[]{4};

    private VectorTiles() {
    }

    /**
     * The height of the register tile, and of the micro-panel of op(A), for a panel of this many rows of C: {@link #MR}
     * for a whole one, the lowest of {@link #HEIGHTS} that holds the last one (128 rows: ten tiles of 12 and one of 8,
     * not eleven of 12).
     */
    static int height(int rows) {
        int best = MR;
        for (int h : HEIGHTS) {
            if (h >= rows) best = h;
        }
        return best;
    }

    /**
     * The micro-kernel: the rows×NR tile {@code A panel · B panel} over kc steps, held in vector registers, then
     * written to {@code out} from {@code oi} with row stride {@code ldo}: C itself for a whole tile that overwrites C,
     * or a scratch tile (row stride NR) that {@code VectorGemm.store} adds to C or an edge tile leaves partly unused.
     * (Adding C's values here too costs the loop registers: some 10% on large products.) Vectors never cross a call: C2
     * keeps them in registers only inside one compiled method, and boxes each one on the heap otherwise. One method per
     * height (rows of C): {@link #MR}, or for the last panel of rows any of {@link #HEIGHTS}. Row p of op(B) is at
     * {@code bi + rowAt[ro + p]} where the in-place path reads B itself (rows n apart, or a convolution's table), and
     * at {@code bi + p·NR} in a packed panel (rowAt null): C2 compiles the loop once for each case, and the second,
     * whose loads it can prove in bounds before the loop, runs some 7% faster.
     */
    static void tile(int rows, int kc, float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro,
                             float[] out, int oi, int ldo) {
        switch (rows) {
            case 12 -> tile12(kc, ap, ai, bp, bi, rowAt, ro, out, oi, ldo);
            case 8 -> tile8(kc, ap, ai, bp, bi, rowAt, ro, out, oi, ldo);
            case 6 -> tile6(kc, ap, ai, bp, bi, rowAt, ro, out, oi, ldo);
            default -> tile4(kc, ap, ai, bp, bi, rowAt, ro, out, oi, ldo);
        }
    }

    /** The 12-row tile in 24 registers (16-float vectors, AVX-512's 32 registers). */
    private static void tile12(int kc, float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro, float[] out,
                               int oi, int ldo) {
        FloatVector c000 = FloatVector.zero(F), c001 = c000, c010 = c000, c011 = c000, c020 = c000, c021 = c000, c030 = c000, c031 = c000;
        FloatVector c040 = c000, c041 = c000, c050 = c000, c051 = c000, c060 = c000, c061 = c000, c070 = c000, c071 = c000;
        FloatVector c080 = c000, c081 = c000, c090 = c000, c091 = c000, c100 = c000, c101 = c000, c110 = c000, c111 = c000;
        for (int p = 0; p < kc; p++, ai += 12) {
            int at = rowAt == null ? bi + p * NR : bi + rowAt[ro + p];
            FloatVector b0 = FloatVector.fromArray(F, bp, at), b1 = FloatVector.fromArray(F, bp, at + L);
            FloatVector u = FloatVector.broadcast(F, ap[ai]);
            c000 = u.fma(b0, c000);
            c001 = u.fma(b1, c001);
            u = FloatVector.broadcast(F, ap[ai + 1]);
            c010 = u.fma(b0, c010);
            c011 = u.fma(b1, c011);
            u = FloatVector.broadcast(F, ap[ai + 2]);
            c020 = u.fma(b0, c020);
            c021 = u.fma(b1, c021);
            u = FloatVector.broadcast(F, ap[ai + 3]);
            c030 = u.fma(b0, c030);
            c031 = u.fma(b1, c031);
            u = FloatVector.broadcast(F, ap[ai + 4]);
            c040 = u.fma(b0, c040);
            c041 = u.fma(b1, c041);
            u = FloatVector.broadcast(F, ap[ai + 5]);
            c050 = u.fma(b0, c050);
            c051 = u.fma(b1, c051);
            u = FloatVector.broadcast(F, ap[ai + 6]);
            c060 = u.fma(b0, c060);
            c061 = u.fma(b1, c061);
            u = FloatVector.broadcast(F, ap[ai + 7]);
            c070 = u.fma(b0, c070);
            c071 = u.fma(b1, c071);
            u = FloatVector.broadcast(F, ap[ai + 8]);
            c080 = u.fma(b0, c080);
            c081 = u.fma(b1, c081);
            u = FloatVector.broadcast(F, ap[ai + 9]);
            c090 = u.fma(b0, c090);
            c091 = u.fma(b1, c091);
            u = FloatVector.broadcast(F, ap[ai + 10]);
            c100 = u.fma(b0, c100);
            c101 = u.fma(b1, c101);
            u = FloatVector.broadcast(F, ap[ai + 11]);
            c110 = u.fma(b0, c110);
            c111 = u.fma(b1, c111);
        }
        c000.intoArray(out, oi);
        c001.intoArray(out, oi + L);
        c010.intoArray(out, oi + ldo);
        c011.intoArray(out, oi + ldo + L);
        c020.intoArray(out, oi + 2 * ldo);
        c021.intoArray(out, oi + 2 * ldo + L);
        c030.intoArray(out, oi + 3 * ldo);
        c031.intoArray(out, oi + 3 * ldo + L);
        c040.intoArray(out, oi + 4 * ldo);
        c041.intoArray(out, oi + 4 * ldo + L);
        c050.intoArray(out, oi + 5 * ldo);
        c051.intoArray(out, oi + 5 * ldo + L);
        c060.intoArray(out, oi + 6 * ldo);
        c061.intoArray(out, oi + 6 * ldo + L);
        c070.intoArray(out, oi + 7 * ldo);
        c071.intoArray(out, oi + 7 * ldo + L);
        c080.intoArray(out, oi + 8 * ldo);
        c081.intoArray(out, oi + 8 * ldo + L);
        c090.intoArray(out, oi + 9 * ldo);
        c091.intoArray(out, oi + 9 * ldo + L);
        c100.intoArray(out, oi + 10 * ldo);
        c101.intoArray(out, oi + 10 * ldo + L);
        c110.intoArray(out, oi + 11 * ldo);
        c111.intoArray(out, oi + 11 * ldo + L);
    }

    /** The 8-row tile in 16 registers (16-float vectors only: AVX2's sixteen registers hold no more than 6 rows). */
    private static void tile8(int kc, float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro, float[] out,
                               int oi, int ldo) {
        FloatVector c000 = FloatVector.zero(F), c001 = c000, c010 = c000, c011 = c000, c020 = c000, c021 = c000, c030 = c000, c031 = c000;
        FloatVector c040 = c000, c041 = c000, c050 = c000, c051 = c000, c060 = c000, c061 = c000, c070 = c000, c071 = c000;
        for (int p = 0; p < kc; p++, ai += 8) {
            int at = rowAt == null ? bi + p * NR : bi + rowAt[ro + p];
            FloatVector b0 = FloatVector.fromArray(F, bp, at), b1 = FloatVector.fromArray(F, bp, at + L);
            FloatVector u = FloatVector.broadcast(F, ap[ai]);
            c000 = u.fma(b0, c000);
            c001 = u.fma(b1, c001);
            u = FloatVector.broadcast(F, ap[ai + 1]);
            c010 = u.fma(b0, c010);
            c011 = u.fma(b1, c011);
            u = FloatVector.broadcast(F, ap[ai + 2]);
            c020 = u.fma(b0, c020);
            c021 = u.fma(b1, c021);
            u = FloatVector.broadcast(F, ap[ai + 3]);
            c030 = u.fma(b0, c030);
            c031 = u.fma(b1, c031);
            u = FloatVector.broadcast(F, ap[ai + 4]);
            c040 = u.fma(b0, c040);
            c041 = u.fma(b1, c041);
            u = FloatVector.broadcast(F, ap[ai + 5]);
            c050 = u.fma(b0, c050);
            c051 = u.fma(b1, c051);
            u = FloatVector.broadcast(F, ap[ai + 6]);
            c060 = u.fma(b0, c060);
            c061 = u.fma(b1, c061);
            u = FloatVector.broadcast(F, ap[ai + 7]);
            c070 = u.fma(b0, c070);
            c071 = u.fma(b1, c071);
        }
        c000.intoArray(out, oi);
        c001.intoArray(out, oi + L);
        c010.intoArray(out, oi + ldo);
        c011.intoArray(out, oi + ldo + L);
        c020.intoArray(out, oi + 2 * ldo);
        c021.intoArray(out, oi + 2 * ldo + L);
        c030.intoArray(out, oi + 3 * ldo);
        c031.intoArray(out, oi + 3 * ldo + L);
        c040.intoArray(out, oi + 4 * ldo);
        c041.intoArray(out, oi + 4 * ldo + L);
        c050.intoArray(out, oi + 5 * ldo);
        c051.intoArray(out, oi + 5 * ldo + L);
        c060.intoArray(out, oi + 6 * ldo);
        c061.intoArray(out, oi + 6 * ldo + L);
        c070.intoArray(out, oi + 7 * ldo);
        c071.intoArray(out, oi + 7 * ldo + L);
    }

    /** The 4-row tile in eight registers. */
    private static void tile4(int kc, float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro, float[] out,
                               int oi, int ldo) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++, ai += 4) {
            int at = rowAt == null ? bi + p * NR : bi + rowAt[ro + p];
            FloatVector b0 = FloatVector.fromArray(F, bp, at), b1 = FloatVector.fromArray(F, bp, at + L);
            FloatVector u = FloatVector.broadcast(F, ap[ai]);
            c00 = u.fma(b0, c00);
            c01 = u.fma(b1, c01);
            u = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = u.fma(b0, c10);
            c11 = u.fma(b1, c11);
            u = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = u.fma(b0, c20);
            c21 = u.fma(b1, c21);
            u = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = u.fma(b0, c30);
            c31 = u.fma(b1, c31);
        }
        c00.intoArray(out, oi);
        c01.intoArray(out, oi + L);
        c10.intoArray(out, oi + ldo);
        c11.intoArray(out, oi + ldo + L);
        c20.intoArray(out, oi + 2 * ldo);
        c21.intoArray(out, oi + 2 * ldo + L);
        c30.intoArray(out, oi + 3 * ldo);
        c31.intoArray(out, oi + 3 * ldo + L);
    }

    /** The 6-row tile in twelve registers. */
    private static void tile6(int kc, float[] ap, int ai, float[] bp, int bi, int[] rowAt, int ro, float[] out,
                               int oi, int ldo) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++, ai += 6) {
            int at = rowAt == null ? bi + p * NR : bi + rowAt[ro + p];
            FloatVector b0 = FloatVector.fromArray(F, bp, at), b1 = FloatVector.fromArray(F, bp, at + L);
            FloatVector u = FloatVector.broadcast(F, ap[ai]);
            c00 = u.fma(b0, c00);
            c01 = u.fma(b1, c01);
            u = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = u.fma(b0, c10);
            c11 = u.fma(b1, c11);
            u = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = u.fma(b0, c20);
            c21 = u.fma(b1, c21);
            u = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = u.fma(b0, c30);
            c31 = u.fma(b1, c31);
            u = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = u.fma(b0, c40);
            c41 = u.fma(b1, c41);
            u = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = u.fma(b0, c50);
            c51 = u.fma(b1, c51);
        }
        c00.intoArray(out, oi);
        c01.intoArray(out, oi + L);
        c10.intoArray(out, oi + ldo);
        c11.intoArray(out, oi + ldo + L);
        c20.intoArray(out, oi + 2 * ldo);
        c21.intoArray(out, oi + 2 * ldo + L);
        c30.intoArray(out, oi + 3 * ldo);
        c31.intoArray(out, oi + 3 * ldo + L);
        c40.intoArray(out, oi + 4 * ldo);
        c41.intoArray(out, oi + 4 * ldo + L);
        c50.intoArray(out, oi + 5 * ldo);
        c51.intoArray(out, oi + 5 * ldo + L);
    }
}
