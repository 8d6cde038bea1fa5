package netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The ring sums over threads standing in for Spark's tasks, with an allGather of their own. */
class RingAllReduceTest {
    /** Spark's allGather for n threads: every caller gets every caller's string, in rank order. */
    static Function<String, String[]>[] gather(int n) {
        String[] slots = new String[n];
        CyclicBarrier in = new CyclicBarrier(n), out = new CyclicBarrier(n);
        @SuppressWarnings("unchecked")
        Function<String, String[]>[] f = new Function[n];
        for (int k = 0; k < n; k++) {
            int rank = k;
            f[k] = s -> {
                try {
                    slots[rank] = s;
                    in.await();
                    String[] all = slots.clone();
                    out.await();
                    return all;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
        }
        return f;
    }

    @Test
    void everyWorkerEndsWithTheSameSumForAnyLengthAndCount() throws Exception {
        for (int n : new int[] {1, 2, 3, 5}) {
            for (int len : new int[] {1, 4, 7, 1000, 300_001}) {
                float[][] v = new float[n][len];
                SplittableRandom r = new SplittableRandom(len * 31L + n);
                for (float[] a : v) for (int i = 0; i < len; i++) a[i] = (float) r.nextGaussian();
                double[] exact = new double[len];
                for (float[] a : v) for (int i = 0; i < len; i++) exact[i] += a[i];
                Function<String, String[]>[] g = gather(n);
                ExecutorService pool = Executors.newFixedThreadPool(n);
                Future<?>[] done = new Future[n];
                for (int k = 0; k < n; k++) {
                    int rank = k;
                    done[k] = pool.submit(() -> {
                        try (RingAllReduce ring = RingAllReduce.connect(rank, n, g[rank])) {
                            ring.sum(v[rank]);
                            ring.sum(v[rank]);  // twice: the second call reuses the buffers
                        }
                        return null;
                    });
                }
                for (Future<?> f : done) f.get();
                pool.shutdown();
                for (int k = 1; k < n; k++) assertArrayEquals(v[0], v[k], 0f, n + " workers, " + len + " values: worker " + k);
                for (int i = 0; i < len; i += Math.max(1, len / 50)) assertEquals(n * exact[i], v[0][i], 1e-4 * n * n, "value " + i);
            }
        }
    }
}
