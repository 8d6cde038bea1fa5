package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DropoutTest {
    /** The stream is SplittableRandom's: masks drawn with it are those drawn from {@code nextLong()} one after another. */
    @Test
    void theStreamIsSplittableRandomsSequence() {
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            SplittableRandom r = new SplittableRandom(seed);
            Dropout.Stream s = new Dropout.Stream(seed);
            for (int i = 0; i < 1000; i++) assertEquals(r.nextLong(), s.value(i), "seed " + seed + ", value " + i);
        }
    }

    /**
     * Masks of odd and even sizes, one after another from one stream, at 1, 2 and 4 threads: each element what the
     * sequential draw gives (32 bits of each value, the high half first), the mask the same at every thread count.
     */
    @Test
    void masksAreTheSequentialDrawAtEveryThreadCount() {
        double p = 0.3;
        long below = (long) (p * 0x1p32);
        float keep = (float) (1 / (1 - p));
        int[] sizes = {1, 7, 100_000, 4097, 64};
        try {
            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                SplittableRandom r = new SplittableRandom(9);
                Dropout.Stream s = new Dropout.Stream(9);
                for (int n : sizes) {
                    float[] want = new float[n];
                    for (int i = 0; i < n; i += 2) {
                        long bits = r.nextLong();
                        want[i] = Integer.toUnsignedLong((int) (bits >>> 32)) < below ? 0 : keep;
                        if (i + 1 < n) want[i + 1] = Integer.toUnsignedLong((int) bits) < below ? 0 : keep;
                    }
                    float[] got = new float[n + 3];
                    java.util.Arrays.fill(got, -1);
                    Dropout.mask(s, got, n, p);
                    assertArrayEquals(want, java.util.Arrays.copyOf(got, n), threads + " threads, n " + n);
                    for (int i = n; i < got.length; i++) assertEquals(-1, got[i], "past the mask");
                }
            }
        } finally {
            Parallel.setThreads(Runtime.getRuntime().availableProcessors());
        }
    }

    /** A large mask drops about p of its elements; the double mask (gradient checks) is the float one's pattern. */
    @Test
    void aboutPAreDroppedAndDoubleMasksMatch() {
        int n = 200_001;
        float[] f = new float[n];
        double[] d = new double[n];
        Dropout.mask(new Dropout.Stream(3), f, n, 0.25);
        Dropout.mask(new Dropout.Stream(3), d, n, 0.25);
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            if (f[i] == 0) dropped++;
            assertEquals(f[i] == 0 ? 0 : 1 / 0.75, d[i], 1e-6, "element " + i);
        }
        assertEquals(0.25, dropped / (double) n, 0.005);
    }
}
