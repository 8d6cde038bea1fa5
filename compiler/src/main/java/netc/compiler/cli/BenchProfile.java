package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netc.runtime.KernelTimes;
import netc.runtime.Model;

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

    /** One kernel's mean time per step. */
    record Entry(String kernel, double us) {
    }

    private final List<Entry> entries;
    /** The mean time of a run: a step, or a sample's predict. */
    private final double runUs;
    /** What one run is: "step" or "sample". */
    private final String unit;

    private BenchProfile(List<Entry> entries, double runUs, String unit) {
        this.entries = entries;
        this.runUs = runUs;
        this.unit = unit;
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
            if (times.calls(i) > 0) entries.add(new Entry(times.name(i), times.nanos(i) / 1e3 / steps));
        }
        entries.sort(Comparator.comparingDouble(Entry::us).reversed());
        return new BenchProfile(entries, runUs, unit);
    }

    /** The kernels' times summed by op (gemm, fused, softmax, ...), largest first; the optimizer's step as "step". */
    List<Entry> byOp() {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Entry e : entries) {
            String[] words = e.kernel().split(" ");
            String op = words[0].matches("k\\d+") ? words[1] : "step";
            sums.merge(op, e.us(), Double::sum);
        }
        List<Entry> ops = new ArrayList<>();
        sums.forEach((op, us) -> ops.add(new Entry(op, us)));
        ops.sort(Comparator.comparingDouble(Entry::us).reversed());
        return ops;
    }

    void print(PrintWriter out) {
        out.printf("%s: %,.1f µs a %s (the timed build); by op:%n", unit.equals("step") ? "profile" : "predict profile",
                runUs, unit);
        for (Entry e : byOp()) line(out, e.us(), e.kernel());
        out.printf("kernels by time:%n");
        double listed = 0;
        for (int i = 0; i < Math.min(LISTED, entries.size()); i++) {
            line(out, entries.get(i).us(), entries.get(i).kernel());
            listed += entries.get(i).us();
        }
        double all = entries.stream().mapToDouble(Entry::us).sum();
        if (entries.size() > LISTED) line(out, all - listed, "the other " + (entries.size() - LISTED) + " kernels");
        line(out, runUs - all, "outside the kernels");
    }

    /** One line of the listing: µs a step, its share of the step, what took them. */
    private void line(PrintWriter out, double us, String what) {
        out.printf("  %9.1f µs %5.1f%%  %s%n", us, 100 * us / runUs, what);
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
