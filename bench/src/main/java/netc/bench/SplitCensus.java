package netc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import netc.compiler.NetCompiler;
import netc.runtime.InputSpec;
import netc.runtime.KernelTimes;
import netc.runtime.Model;
import netc.runtime.kernels.Parallel;

/**
 * What a training step offers N threads, measured on any machine: each kernel's time on one thread (the timed build
 * of {@code netc bench --profile}), then the most threads each kernel's parallel loops split into with N allowed
 * ({@link Parallel#takeWidest}; the split depends on the shapes, not on the cores present). Prints the kernels that
 * do not split N ways, the share of the step at each split, and the speed-up those splits allow at most (Amdahl's
 * bound, before memory bandwidth and hand-offs). Run from the repository root:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar netc.bench.SplitCensus bench/mlp.net 128 16 [SEQ]}
 * (SEQ binds the inputs' sequence length, for models that have one).
 */
public final class SplitCensus {
    private SplitCensus() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SplitCensus MODEL.net BATCH THREADS [SEQ]");
            System.exit(1);
        }
        Path file = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]), threads = Integer.parseInt(args[2]);
        Model m = NetCompiler.compileTimed(file.getFileName().toString(), Files.readString(file)).newModel();
        m.initParams(1);
        if (args.length > 3) {
            Map<String, int[]> shapes = new HashMap<>();
            for (InputSpec in : m.inputs()) shapes.put(in.name(), new int[] {Integer.parseInt(args[3])});
            m.setSampleShapes(shapes);
        }
        m.setBatch(batch);
        m.training = true;
        SplittableRandom r = new SplittableRandom(3);
        for (InputSpec in : m.inputs()) {
            Object buffer = m.inputBuffer(in.name());
            if (buffer instanceof float[] f) for (int i = 0; i < f.length; i++) f[i] = (float) r.nextDouble();
            else if (buffer instanceof int[] ints) for (int i = 0; i < ints.length; i++) ints[i] = r.nextInt(10);
        }
        KernelTimes times = m.kernelTimes();

        // one thread: the kernels' times, after the JIT's warm-up
        Parallel.setThreads(1);
        run(m, 4_000_000_000L);
        times.reset();
        long steps = run(m, 3_000_000_000L);
        double[] us = new double[times.size()];
        for (int i = 0; i < us.length; i++) us[i] = times.nanos(i) / 1e3 / steps;

        // N threads: how far each kernel splits
        Parallel.setThreads(threads);
        for (int i = 0; i < 30; i++) step(m);
        times.reset();
        for (int i = 0; i < 10; i++) step(m);

        double total = 0, ideal = 0;
        Map<Integer, Double> bySplit = new TreeMap<>();
        List<String> narrower = new ArrayList<>();
        for (int i = 0; i < us.length; i++) {
            int split = Math.max(1, times.widest(i));
            total += us[i];
            ideal += us[i] / split;
            bySplit.merge(split, us[i], Double::sum);
            if (split < threads && us[i] >= 0.05) narrower.add(String.format("%10.1f µs  ×%-3d %s", us[i], split, times.name(i)));
        }
        narrower.sort(java.util.Comparator.reverseOrder());
        System.out.printf("%s at batch %d: a step takes %.1f µs on one thread; kernels that split fewer than %d ways:%n",
                file, batch, total, threads);
        narrower.stream().limit(20).forEach(System.out::println);
        StringBuilder shares = new StringBuilder();
        final double all = total;
        bySplit.forEach((s, t) -> shares.append(String.format("  ×%d %.1f%%", s, 100 * t / all)));
        System.out.println("share of the one-thread step by split at " + threads + " threads:" + shares);
        System.out.printf("speed-up bound from the splits alone: %.2f×%n", total / ideal);
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static void step(Model m) {
        m.trainOnInputs();
    }

    /** Steps for {@code nanos}; the number taken. */
    private static long run(Model m, long nanos) {
        long start = System.nanoTime(), n = 0;
        while (System.nanoTime() - start < nanos) {
            step(m);
            n++;
        }
        return n;
    }
}
