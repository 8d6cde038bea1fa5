package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netc.runtime.KernelTimes;
import netc.runtime.Model;
import netc.runtime.kernels.Parallel;

/**
 * {@code netc bench --profile}: where a step's time goes, kernel by kernel, and a single-sample predict's. The model is
 * compiled again with the clock read between its kernels ({@code NetCompiler.compileTimed}), warmed up like the
 * measured one, and run for the given time; each kernel's share is its time over the runs' time. What lies outside
 * the kernels (the calls between them, the clock itself) is the difference. A kernel's time includes the pool's
 * workers inside it; kernels that did not run (a predict's backward pass) are left out.
 */
final class BenchProfile {
    /** Kernels listed by name; the rest are summed in one line. */
    private static final int LISTED = 15;

    /** One kernel's mean time per run, and the most chunks its parallel loops were split into. */
    record Entry(String kernel, double us, int split) {
    }

    private final List<Entry> entries;
    /** The mean time of a run: a step, or a sample's predict. */
    private final double runUs;
    /** What one run is: "step" or "sample". */
    private final String unit;
    /** The threads the runs had. */
    private final int threads;

    private BenchProfile(List<Entry> entries, double runUs, String unit, int threads) {
        this.entries = entries;
        this.runUs = runUs;
        this.unit = unit;
        this.threads = threads;
    }

    /**
     * Times {@code step} on the timed model {@code m} (its inputs filled) for {@code seconds} after a warm-up; a run
     * is one {@code unit} ("step", "sample").
     */
    static BenchProfile measure(Model m, Runnable step, double seconds, String unit) {
        KernelTimes times = m.kernelTimes();
        BenchCommand.warmUp(step);
        times.reset();
        long steps = 0, t0 = System.nanoTime(), limit = (long) (seconds * 1e9);
        while (System.nanoTime() - t0 < limit) {
            step.run();
            steps++;
        }
        double runUs = (System.nanoTime() - t0) / 1e3 / steps;
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) {
            if (times.calls(i) > 0) entries.add(new Entry(times.name(i), times.nanos(i) / 1e3 / steps, times.widest(i)));
        }
        entries.sort(Comparator.comparingDouble(Entry::us).reversed());
        return new BenchProfile(entries, runUs, unit, Parallel.threads());
    }

    /**
     * The kernels' times summed by op (gemm, fused, softmax, ...), largest first, each with its kernels' widest split;
     * the optimizer's step as "step".
     */
    List<Entry> byOp() {
        Map<String, Entry> sums = new LinkedHashMap<>();
        for (Entry e : entries) {
            String[] words = e.kernel().split(" ");
            String op = words[0].matches("k\\d+") ? words[1] : "step";
            sums.merge(op, new Entry(op, e.us(), e.split()),
                    (a, b) -> new Entry(op, a.us() + b.us(), Math.max(a.split(), b.split())));
        }
        List<Entry> ops = new ArrayList<>(sums.values());
        ops.sort(Comparator.comparingDouble(Entry::us).reversed());
        return ops;
    }

    void print(PrintWriter out) {
        out.printf("%s: %,.1f µs a %s (the timed build); by op%s:%n", unit.equals("step") ? "profile" : "predict profile",
                runUs, unit, threads > 1 ? " (×N: the most threads one of its loops ran on)" : "");
        for (Entry e : byOp()) line(out, e.us(), e.split(), e.kernel());
        out.printf("kernels by time:%n");
        double listed = 0;
        for (int i = 0; i < Math.min(LISTED, entries.size()); i++) {
            Entry e = entries.get(i);
            line(out, e.us(), e.split(), e.kernel());
            listed += e.us();
        }
        double all = entries.stream().mapToDouble(Entry::us).sum();
        if (entries.size() > LISTED) line(out, all - listed, 0, "the other " + (entries.size() - LISTED) + " kernels");
        line(out, runUs - all, 0, "outside the kernels");
    }

    /**
     * One line of the listing: µs a run, its share of the run, with more than one thread the most threads its loops
     * ran on ({@code split}; 0 for a line of no one kernel), what took them.
     */
    private void line(PrintWriter out, double us, int split, String what) {
        String spread = threads == 1 ? "" : split == 0 ? "      " : String.format("×%-3d  ", split);
        out.printf("  %9.1f µs %5.1f%%  %s%s%n", us, 100 * us / runUs, spread, what);
    }

    /** The JSON figures: the time of a run ({@code step_us}, {@code sample_us}) and every kernel's, largest first. */
    Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put(unit + "_us", round(runUs));
        List<Map<String, Object>> kernels = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("kernel", e.kernel());
            k.put("us", round(e.us()));
            k.put("split", e.split());
            kernels.add(k);
        }
        j.put("kernels", kernels);
        Map<String, Object> ops = new LinkedHashMap<>();
        for (Entry e : byOp()) ops.put(e.kernel(), round(e.us()));
        j.put("ops_us", ops);
        return j;
    }

    private static double round(double us) {
        return Math.round(us * 100) / 100.0;
    }
}
