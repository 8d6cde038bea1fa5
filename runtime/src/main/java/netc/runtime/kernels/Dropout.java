package netc.runtime.kernels;

/**
 * Inverted dropout's mask: each element 0 with probability p, else 1/(1 − p). Each element draws 32 random bits (half
 * of one value of a {@link Stream}) and is dropped when they, read as an unsigned number, are below p·2³²; the choice
 * is made by arithmetic, not by a branch, which would be mispredicted for a quarter of the elements at p = 0.25 (a
 * branch per {@code nextDouble() < p} took 4.6 ns an element, this 1). The threads draw the parts of a mask at once,
 * each computing its values from their place in the stream: the mask is the same at every thread count.
 */
public final class Dropout {
    /** Pairs of elements a thread draws at least (about 4 µs). */
    private static final int GRAIN_PAIRS = 2048;

    private Dropout() {
    }

    /**
     * A model's random bits for its dropout masks: the values {@code new java.util.SplittableRandom(seed).nextLong()}
     * gives one after another, each computed from its place alone. SplittableRandom adds a fixed gamma to its seed for
     * each value and mixes the sum with a fixed function (Stafford's 13th), so value i is that function of
     * {@code seed + (i + 1)·gamma}: no thread waits for the values before its own. Not thread-safe (one per model
     * instance), and it allocates nothing per mask.
     */
    public static final class Stream {
        /** SplittableRandom's gamma for a seeded generator: 2⁶⁴ divided by the golden ratio, odd. */
        private static final long GAMMA = 0x9e3779b97f4a7c15L;
        private final long seed;
        /** Values drawn so far. */
        private long drawn;
        // the float mask being drawn, for the threads
        private final Parallel.Body body = this::pairs;
        private float[] out;
        private int n;
        private long below, first;
        private float keep;

        public Stream(long seed) {
            this.seed = seed;
        }

        /** Value i (from 0) of the stream. */
        long value(long i) {
            return mix(seed + (i + 1) * GAMMA);
        }

        /** SplittableRandom's mix of its seed into a value. */
        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        /** Takes the next {@code count} values: the place of the first. */
        private long take(long count) {
            long at = drawn;
            drawn += count;
            return at;
        }

        /**
         * Parallel body: pairs [from, to) of the mask, elements 2·from up to 2·to (n at most), the seeds of their values
         * a gamma apart.
         */
        private void pairs(int from, int to) {
            long z = seed + (first + from + 1) * GAMMA;
            int whole = Math.min(to, n / 2);
            for (int i = from; i < whole; i++, z += GAMMA) {
                long bits = mix(z);
                out[2 * i] = kept(bits >>> 32, below) * keep;
                out[2 * i + 1] = kept(bits & 0xFFFF_FFFFL, below) * keep;
            }
            if (whole < to) out[n - 1] = kept(mix(z) >>> 32, below) * keep;  // an odd n's last element
        }
    }

    /** The mask of n elements into {@code out}, for 0 ≤ p < 1: elements 2i and 2i + 1 from the stream's next value i. */
    public static void mask(Stream s, float[] out, int n, double p) {
        int pairs = (int) ((n + 1L) / 2);
        s.out = out;
        s.n = n;
        s.below = threshold(p);
        s.keep = (float) (1 / (1 - p));
        s.first = s.take(pairs);
        try {
            Parallel.forRange(pairs, GRAIN_PAIRS, s.body);
        } finally {
            s.out = null;
        }
    }

    /** As {@link #mask(Stream, float[], int, double)} in double precision (gradient checks), on one thread. */
    public static void mask(Stream s, double[] out, int n, double p) {
        long below = threshold(p), first = s.take((n + 1L) / 2);
        double keep = 1 / (1 - p);
        for (int i = 0; i < n; i += 2) {
            long bits = s.value(first + i / 2);
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
