package netc.spark;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The ring all-reduce's time per call for buffers of given sizes, n workers as threads of one process over loopback
 * sockets (what local[n] measures): {@code java -cp ... netc.spark.AllReduceBench N FLOATS...}. Prints one line per size.
 */
public final class AllReduceBench {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        for (int a = 1; a < args.length; a++) {
            int len = Integer.parseInt(args[a]);
            Function<String, String[]>[] g = RingAllReduceTest.gather(n);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            Future<Double>[] done = new Future[n];
            for (int k = 0; k < n; k++) {
                int rank = k;
                done[k] = pool.submit(() -> {
                    float[] v = new float[len];
                    try (RingAllReduce ring = RingAllReduce.connect(rank, n, g[rank])) {
                        for (int i = 0; i < 200; i++) ring.sum(v);  // warm-up
                        int reps = 1000;
                        long t0 = System.nanoTime();
                        for (int i = 0; i < reps; i++) ring.sum(v);
                        return (System.nanoTime() - t0) / 1e6 / reps;
                    }
                });
            }
            double ms = done[0].get();
            for (Future<Double> f : done) f.get();
            pool.shutdown();
            System.out.printf("%d workers, %,d floats: %.3f ms per all-reduce, %.2f GB/s per worker sent%n", n, len, ms,
                    2.0 * (n - 1) / n * len * 4 / (ms / 1e3) / 1e9);
        }
    }
}
