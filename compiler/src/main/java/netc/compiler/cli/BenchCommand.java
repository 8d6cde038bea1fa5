package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Graph;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.kernels.Gemm;
import netc.runtime.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "bench",
        description = {"Measure in one warm JVM: compile time, training samples/s on synthetic data, single-sample predict latency, "
                + "batch inference samples/s, memory.",
                "With --sgemm MxKxN instead of a model: the runtime's single-precision matrix product rate."})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--sgemm", paramLabel = "MxKxN", description = "measure the product of an MxK and a KxN matrix instead of a model, in GFLOP/s")
    String sgemm;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--batch", paramLabel = "N", description = "training batch (default: the train block's)")
    Integer batch;

    @Option(names = "--seconds", defaultValue = "3", paramLabel = "S", description = "time spent measuring training (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--json", description = "end with one JSON line of figures")
    boolean json;

    @Option(names = "--profile", description = "then time each kernel of the training step (of the forward pass for a model without a loss) and of a single-sample predict, and list them by time")
    boolean profile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batch != null && batch < 1) throw new UserError("--batch must be at least 1, got " + batch);
        if (!(seconds > 0 && seconds <= 600)) throw new UserError("--seconds must be in (0, 600], got " + seconds);
        Common.setThreads(threads, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if (sgemm != null) {
            if (model != null) throw new UserError("give either MODEL.net or --sgemm MxKxN, not both");
            if (batch != null) throw new UserError("--batch applies to a model, not to --sgemm");
            return SgemmBench.run(sgemm, seconds, json, out);
        }
        if (model == null) throw new UserError("missing MODEL.net (or --sgemm MxKxN)");
        String text = Files.readString(Common.existingFile(model, "model file"));

        // compile time: the median of warm compilations, from text to a loaded class
        double[] ms = new double[7];
        NetCompiler.Compiled c = null;
        for (int i = 0; i < ms.length + 5; i++) {
            c = NetCompiler.compile(model.toString(), text, "float");
            if (i >= 5) ms[i - 5] = c.compileMillis();
        }
        Arrays.sort(ms);
        double compileMs = ms[ms.length / 2];
        Graph g = c.graph();
        int b = batch != null ? batch : g.train().batch();
        HeapCheck.require(model, c, b, true);
        Model m = c.newModel();
        m.initParams(1);
        Common.bindDims(model, m, g.train());

        double samplesPerS = Double.NaN;
        if (m.hasLoss()) {
            m.setBatch(b);
            fillRandom(m, g, b, new SplittableRandom(3));
            m.training = true;
            warmUp(() -> trainStep(m));
            long steps = 0, t0 = System.nanoTime(), limit = (long) (seconds * 1e9);
            while (System.nanoTime() - t0 < limit) {
                trainStep(m);
                steps++;
            }
            samplesPerS = steps * b / ((System.nanoTime() - t0) / 1e9);
            m.training = false;
        }

        // batch inference: forward passes of the outputs at the training batch, in eval mode
        m.setBatch(b);
        fillRandom(m, g, b, new SplittableRandom(5));
        for (int i = 0; i < 20; i++) m.forwardOutputs();
        long passes = 0, t1 = System.nanoTime(), inferLimit = (long) (Math.min(seconds, 1.0) * 1e9);
        while (System.nanoTime() - t1 < inferLimit) {
            m.forwardOutputs();
            passes++;
        }
        double inferPerS = passes * b / ((System.nanoTime() - t1) / 1e9);

        // single-sample predict latency: after a warm-up long enough for the JIT to compile the single-row kernels
        // (the Vector API is slow until C2 has), the median of rounds' mean times; a large model's rounds are fewer calls
        m.setBatch(1);
        fillRandom(m, g, 1, new SplittableRandom(4));
        long warm = System.nanoTime(), calls = 0;
        for (; (calls < 20_000 && System.nanoTime() - warm < 3_000_000_000L) || System.nanoTime() - warm < 500_000_000L; calls++) {
            m.forwardOutputs();
        }
        double callNs = (System.nanoTime() - warm) / (double) calls;
        int reps = (int) Math.max(1, Math.min(5_000, 100_000_000L / callNs));  // about 0.1 s a round
        double[] rounds = new double[7];
        for (int r = 0; r < rounds.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) m.forwardOutputs();
            rounds[r] = (System.nanoTime() - t0) / 1e3 / reps;
        }
        Arrays.sort(rounds);
        double predictUs = rounds[rounds.length / 2];

        netc.compiler.codegen.MemoryPlan plan = netc.compiler.codegen.MemoryPlan.of(g, netc.compiler.codegen.Phases.of(g));
        long naive = plan.naiveBytes(b), planned = plan.plannedBytes(b);

        BenchProfile kernels = null, predictKernels = null;
        if (profile) {
            // a build that reads the clock between its kernels, its figures apart from the ones above
            Model timed = NetCompiler.compileTimed(model.toString(), text).newModel();
            timed.initParams(1);
            Common.bindDims(model, timed, g.train());
            timed.setBatch(b);
            fillRandom(timed, g, b, new SplittableRandom(3));
            timed.training = timed.hasLoss();
            kernels = BenchProfile.measure(timed, timed.hasLoss() ? () -> trainStep(timed) : timed::forwardOutputs, seconds,
                    "step");
            timed.setBatch(1);
            fillRandom(timed, g, 1, new SplittableRandom(4));
            timed.training = false;
            predictKernels = BenchProfile.measure(timed, timed::forwardOutputs, Math.min(seconds, 1.0), "sample");
        }

        String train = Double.isNaN(samplesPerS) ? "no training (no loss)" : String.format("train %,.0f samples/s (batch %d)", samplesPerS, b);
        out.printf("%s: compile %.1f ms, %s, predict %.1f µs, infer %,.0f samples/s (batch %d), "
                        + "buffers %,d bytes planned (%,d one per value), %d thread%s, %s%n",
                g.name(), compileMs, train, predictUs, inferPerS, b, planned, naive, Parallel.threads(),
                Parallel.threads() == 1 ? "" : "s", SgemmBench.kernel());
        if (kernels != null) {
            kernels.print(out);
            predictKernels.print(out);
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("compile_ms", Math.round(compileMs * 10) / 10.0);
            j.put("train_samples_per_s", Double.isNaN(samplesPerS) ? null : Math.round(samplesPerS));
            j.put("predict_us", Math.round(predictUs * 100) / 100.0);
            j.put("infer_samples_per_s", Math.round(inferPerS));
            j.put("planned_bytes", planned);
            j.put("naive_bytes", naive);
            j.put("threads", Parallel.threads());
            j.put("batch", b);
            j.put("vector_bits", Gemm.vectorBits());
            if (kernels != null) {
                j.put("profile", kernels.json());
                j.put("predict_profile", predictKernels.json());
            }
            out.println(Common.jsonLine(j));
        }
        return 0;
    }

    /** At least 20 steps and 3 seconds: the JIT compiles the kernels (a large model's, in seconds) before a clock starts. */
    static void warmUp(Runnable step) {
        long warm = System.nanoTime();
        for (int i = 0; i < 20 || System.nanoTime() - warm < 3_000_000_000L; i++) step.run();
    }

    private static void trainStep(Model m) {
        m.forwardOutputs();
        m.forwardLoss();
        m.updateBuffers();
        m.backward();
        m.step();
    }

    /** Random inputs for {@code batch} samples in the model's input buffers (see {@link SyntheticData}). */
    private static void fillRandom(Model m, Graph g, int batch, SplittableRandom r) {
        for (InputSpec in : m.inputs()) SyntheticData.fill(g, in, m.inputBuffer(in.name()), batch * in.sampleSize(), r);
    }
}
