package netc.runtime.kernels;

import java.util.Random;

/**
 * Prints sgemm throughput (GFLOP/s, best of repeated runs) for the shapes of a dense layer's
 * training step and for 1024³, for each transpose combination, at 1 and 2 threads. Not a test:
 * run it by hand after changing the kernel, e.g.
 * {@code java -cp target/classes:target/test-classes netc.runtime.kernels.GemmBenchmark}.
 * Arguments, if given, are the thread counts to measure.
 */
public final class GemmBenchmark {

    /** {m, k, n}. */
    private static final int[][] SHAPES = {
        {128, 784, 256}, {128, 256, 784}, {256, 128, 784}, {1024, 1024, 1024},
    };

    private GemmBenchmark() {
    }

    public static void main(String[] args) {
        int[] threadCounts = args.length == 0 ? new int[] {1, 2}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Random random = new Random(1);
        System.out.printf("%-16s %-6s", "m x k x n", "op");
        for (int t : threadCounts) {
            System.out.printf(" %8s", t + " thr");
        }
        System.out.println("   (GFLOP/s)");
        for (int[] shape : SHAPES) {
            int m = shape[0], k = shape[1], n = shape[2];
            float[] a = random(random, m * k), b = random(random, k * n), c = new float[m * n];
            for (int combo = 0; combo < 4; combo++) {
                boolean transA = (combo & 2) != 0, transB = (combo & 1) != 0;
                System.out.printf("%-16s %-6s", m + "x" + k + "x" + n,
                        (transA ? "T" : "N") + (transB ? "T" : "N"));
                for (int threads : threadCounts) {
                    Parallel.setThreads(threads);
                    System.out.printf(" %8.1f", measure(transA, transB, m, n, k, a, b, c));
                }
                System.out.println();
            }
        }
    }

    private static double measure(boolean transA, boolean transB, int m, int n, int k,
                                  float[] a, float[] b, float[] c) {
        double flops = 2.0 * m * n * k, best = 0;
        long end = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            Gemm.sgemm(transA, transB, m, n, k, a, 0, b, 0, c, 0, false);
            best = Math.max(best, flops / (System.nanoTime() - start));
        }
        return best;
    }

    private static float[] random(Random random, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        return x;
    }
}
