package netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

import netc.runtime.Tensor;

class BatcherTest {
    /** n samples: "x" float[3] holding (i, i + 0.25, i + 0.5), "y" int holding i. */
    private static DataSet data(int n) {
        float[] x = new float[3 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = i + 0.25f;
            x[3 * i + 2] = i + 0.5f;
            y[i] = i;
        }
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", Tensor.of(new int[] {n, 3}, x));
        m.put("y", Tensor.ofInts(new int[] {n}, y));
        return new DataSet(m);
    }

    /** The sample indices of one epoch, batch by batch, checking that both columns agree. */
    private static List<int[]> epoch(Batcher b, int batchSize) {
        b.startEpoch();
        List<int[]> batches = new ArrayList<>();
        float[] x = new float[3 * batchSize];
        int[] y = new int[batchSize];
        while (b.next()) {
            int n = b.batchSize();
            b.fill("x", x);
            b.fill("y", y);
            for (int k = 0; k < n; k++) {
                assertArrayEquals(new float[] {y[k], y[k] + 0.25f, y[k] + 0.5f}, Arrays.copyOfRange(x, 3 * k, 3 * k + 3));
            }
            batches.add(Arrays.copyOf(y, n));
        }
        return batches;
    }

    private static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void unshuffledBatchesFollowTheNaturalOrderWithASmallerLastBatch() {
        Batcher b = new Batcher(data(10), 4, false, 0);
        assertEquals(3, b.batchesPerEpoch());
        List<int[]> e = epoch(b, 4);
        assertEquals(3, e.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, e.get(1));
        assertArrayEquals(new int[] {8, 9}, e.get(2));
        assertArrayEquals(flat(e), flat(epoch(b, 4)));
    }

    @Test
    void shuffledEpochsCoverEverySampleOnceInDifferentOrders() {
        Batcher b = new Batcher(data(10), 4, true, 123);
        List<int[]> first = epoch(b, 4);
        List<int[]> second = epoch(b, 4);
        for (List<int[]> e : List.of(first, second)) {
            assertEquals(List.of(4, 4, 2), e.stream().map(a -> a.length).toList());
            int[] sorted = flat(e).clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
        }
        assertFalse(Arrays.equals(flat(first), flat(second)));
        assertFalse(Arrays.equals(flat(first), new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    }

    @Test
    void orderDependsOnlyOnSeedAndEpoch() {
        Batcher a = new Batcher(data(50), 8, true, 99);
        Batcher b = new Batcher(data(50), 8, true, 99);
        Batcher c = new Batcher(data(50), 8, true, 100);
        int[] a0 = flat(epoch(a, 8));
        int[] a1 = flat(epoch(a, 8));
        assertArrayEquals(a0, flat(epoch(b, 8)));
        assertArrayEquals(a1, flat(epoch(b, 8)));
        assertNotEquals(Arrays.toString(a0), Arrays.toString(flat(epoch(c, 8))));
        a.startEpoch(0);  // resuming at an epoch repeats its order
        assertEquals(0, a.epoch());
        List<Integer> again = new ArrayList<>();
        int[] y = new int[8];
        while (a.next()) {
            a.fill("y", y);
            for (int k = 0; k < a.batchSize(); k++) again.add(y[k]);
        }
        assertArrayEquals(a0, again.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void wideSamplesAreGatheredByTheThreadsExactlyAsByOne() {
        // 200 samples of 1,000 values (touched at both ends before the copies) and of 20 ints, batches of 96: a
        // shuffled batch is shared out among the threads
        int n = 200, width = 1000, tokens = 20;
        float[] x = new float[n * width];
        for (int i = 0; i < x.length; i++) x[i] = i / width + (i % width) * 1e-4f;
        int[] t = new int[n * tokens];
        for (int i = 0; i < t.length; i++) t[i] = i;
        DataSet d = new DataSet(java.util.Map.of("x", Tensor.of(new int[] {n, width}, x), "t", Tensor.ofInts(new int[] {n, tokens}, t)));
        int before = netc.runtime.kernels.Parallel.threads();
        List<float[]> batches = new ArrayList<>();
        try {
            for (int threads : new int[] {1, 3}) {
                netc.runtime.kernels.Parallel.setThreads(threads);
                Batcher b = new Batcher(d, 96, true, 5);
                b.startEpoch();
                float[] dst = new float[96 * width];
                int[] tdst = new int[96 * tokens];
                for (int batch = 0; b.next(); batch++) {
                    b.fill("x", dst);
                    b.fill("t", tdst);
                    float[] got = Arrays.copyOf(dst, b.batchSize() * width);
                    for (int k = 0; k < b.batchSize(); k++) {
                        int sample = (int) got[k * width];
                        assertArrayEquals(Arrays.copyOfRange(x, sample * width, (sample + 1) * width),
                                Arrays.copyOfRange(got, k * width, (k + 1) * width), threads + " threads, batch " + batch + ", row " + k);
                        assertArrayEquals(Arrays.copyOfRange(t, sample * tokens, (sample + 1) * tokens),
                                Arrays.copyOfRange(tdst, k * tokens, (k + 1) * tokens), threads + " threads, batch " + batch + ", tokens " + k);
                    }
                    if (threads == 1) batches.add(got);
                    else assertArrayEquals(batches.get(batch), got, "batch " + batch);
                }
            }
        } finally {
            netc.runtime.kernels.Parallel.setThreads(before);
        }
        assertEquals(3, batches.size());
    }

    @Test
    void exhaustedEpochStaysExhausted() {
        Batcher b = new Batcher(data(3), 5, true, 1);
        b.startEpoch();
        assertTrue(b.next());
        assertEquals(3, b.batchSize());
        assertFalse(b.next());
        assertEquals(0, b.batchSize());
        assertFalse(b.next());
    }

    @Test
    void emptyDataHasNoBatches() {
        Batcher b = new Batcher(new DataSet(new LinkedHashMap<>()), 5, true, 1);
        assertEquals(0, b.batchesPerEpoch());
        b.startEpoch();
        assertFalse(b.next());
    }

    @Test
    void misuseIsReported() {
        assertThrows(IllegalArgumentException.class, () -> new Batcher(data(3), 0, false, 0));
        Batcher b = new Batcher(data(10), 4, false, 0);
        assertThrows(IllegalStateException.class, b::next);
        b.startEpoch();
        b.next();
        assertThrows(IllegalArgumentException.class, () -> b.fill("x", new int[12]));
        assertThrows(IllegalArgumentException.class, () -> b.fill("y", new float[4]));
        assertThrows(IllegalArgumentException.class, () -> b.fill("x", new float[11]));
        assertThrows(IllegalArgumentException.class, () -> b.fill("z", new float[12]));
    }
}
