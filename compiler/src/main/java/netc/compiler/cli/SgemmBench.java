package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import netc.runtime.UserError;
import netc.runtime.kernels.Gemm;
import netc.runtime.kernels.Parallel;

/** {@code netc bench --sgemm MxKxN}: the runtime's single-precision product rate on this machine. */
final class SgemmBench {
    /** Rounds measured after the warm-up; the fastest one is reported. */
    private static final int ROUNDS = 7;

    private SgemmBench() {
    }

    /** Which kernel products run on, e.g. {@code "vector kernel, 512-bit"} or {@code "loops kernel"}. */
    static String kernel() {
        return Gemm.vectorBits() > 0 ? "vector kernel, " + Gemm.vectorBits() + "-bit" : "loops kernel";
    }

    static int run(String size, double seconds, boolean json, PrintWriter out) {
        int[] mkn = parse(size);
        int m = mkn[0], k = mkn[1], n = mkn[2];
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        double flops = 2.0 * m * n * k;
        // warm-up: a third of the time, at least 5 products, so that C2 has compiled the kernel
        long warm = System.nanoTime(), warmLimit = (long) (seconds / 3 * 1e9);
        for (int i = 0; i < 5 || System.nanoTime() - warm < warmLimit; i++) product(m, n, k, a, b, c);
        // rounds of at least 3 products over the rest of the time: the fastest round's rate
        long roundNanos = (long) (seconds * 2 / 3 / ROUNDS * 1e9);
        double best = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            int reps = 0;
            while (reps < 3 || System.nanoTime() - t0 < roundNanos) {
                product(m, n, k, a, b, c);
                reps++;
            }
            best = Math.max(best, flops * reps / (System.nanoTime() - t0));
        }
        out.printf("sgemm %dx%dx%d: %.1f GFLOP/s, %d thread%s, %s%n", m, k, n, best, Parallel.threads(),
                Parallel.threads() == 1 ? "" : "s", kernel());
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("sgemm_gflops", Math.round(best * 10) / 10.0);
            j.put("m", m);
            j.put("k", k);
            j.put("n", n);
            j.put("threads", Parallel.threads());
            j.put("kernel", Gemm.kernelName());
            j.put("vector_bits", Gemm.vectorBits());
            out.println(Common.jsonLine(j));
        }
        return 0;
    }

    private static void product(int m, int n, int k, float[] a, float[] b, float[] c) {
        Gemm.sgemm(false, false, m, n, k, a, 0, b, 0, c, 0, false);
    }

    /** "128x784x256" as {128, 784, 256}: positive sizes whose matrices fit in Java arrays. */
    static int[] parse(String size) {
        String[] parts = size.trim().toLowerCase(java.util.Locale.ROOT).split("x", -1);
        if (parts.length != 3) throw new UserError("--sgemm: expected MxKxN (e.g. 128x784x256), got '" + size + "'");
        int[] mkn = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                mkn[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UserError("--sgemm: '" + parts[i] + "' in '" + size + "' is not a whole number");
            }
            if (mkn[i] < 1) throw new UserError("--sgemm: sizes must be at least 1, got '" + size + "'");
        }
        long m = mkn[0], k = mkn[1], n = mkn[2];
        if (m * k > Integer.MAX_VALUE - 8 || k * n > Integer.MAX_VALUE - 8 || m * n > Integer.MAX_VALUE - 8) {
            throw new UserError("--sgemm: " + size + " has a matrix of more than 2^31 floats");
        }
        long bytes = 4 * (m * k + k * n + m * n);
        if (bytes > Runtime.getRuntime().maxMemory() * 0.8) {
            throw new UserError(String.format("--sgemm: %s needs %,d MB for its matrices, the JVM has %,d MB (raise it with JAVA_OPTS=-Xmx...)",
                    size, bytes >> 20, Runtime.getRuntime().maxMemory() >> 20));
        }
        return mkn;
    }
}
