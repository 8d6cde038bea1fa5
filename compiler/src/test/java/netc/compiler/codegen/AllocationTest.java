package netc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Graph;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.kernels.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A training step allocates nothing once the buffers exist: the planned arrays are made once per batch capacity, and
 * kernels (convolution, pooling, recurrent layers, the optimizer with clipping) keep their working arrays; nor does the
 * typed single-sample {@code predict(x, out)} of a generated class. Measured with the JVM's per-thread allocation
 * counters on the calling thread and the pool's workers, over many calls after warm-up.
 */
class AllocationTest {
    @ParameterizedTest(name = "{0} on {1} threads")
    @CsvSource({"fashion_mlp, 1", "fashion_mlp, 2", "lenet, 1", "lenet, 2", "char_lstm, 1", "char_transformer, 2"})
    void aTrainingStepAllocatesNothing(String model, int threads) throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            Path file = Path.of("../models", model + ".net");
            Model m = NetCompiler.compile(file.toString(), Files.readString(file), "float").newModel();
            m.initParams(1);
            m.setClipNorm(1.0);
            if (!m.unboundDims().isEmpty()) m.setDims(java.util.Map.of("seq", 8));  // the transformer, on short windows
            m.setBatch(32);
            fill(m, 32);
            m.training = true;
            for (int i = 0; i < 30; i++) step(m);
            // the fewest bytes per step over windows of 50 steps: a step that allocates does so in every window, while
            // code still running in the interpreter or C1 (the JIT busy with other tests, or the machine with other
            // work) allocates only until it is compiled: fashion_mlp's first 750 steps on a loaded 2-core machine
            long fewest = fewestBytesPerCall(() -> step(m), 50, 40);
            assertTrue(fewest <= 16, model + ": " + fewest + " bytes allocated per training step");
        } finally {
            Parallel.setThreads(before);
        }
    }

    @ParameterizedTest(name = "on {0} threads")
    @CsvSource({"1", "2"})
    void predictAllocatesNothing(int threads) throws Throwable {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models/fashion_mlp.net"));
            Model m = c.newModel();
            m.initParams(1);
            MethodHandle predict = MethodHandles.publicLookup()
                    .findVirtual(c.modelClass(), "predict", MethodType.methodType(void.class, float[].class, float[].class))
                    .asType(MethodType.methodType(void.class, Model.class, float[].class, float[].class));
            float[] x = new float[784], out = new float[10], first = new float[10];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
            predict.invokeExact(m, x, first);
            for (int i = 0; i < 20_000; i++) predict.invokeExact(m, x, out); // warm-up: JIT compilation settles
            long perCall = fewestBytesPerCall(() -> {
                try {
                    predict.invokeExact(m, x, out);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            }, 10_000, 1);
            assertArrayEquals(first, out, 0f, "predict is deterministic");
            assertTrue(perCall == 0, "predict allocated " + perCall + " bytes per call");
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The fewest bytes allocated per call of {@code action} by the calling thread and the pool's workers, over
     * {@code windows} windows of {@code calls} calls, and more while the JIT is still compiling (up to ten times as
     * many): code that C2 has not compiled yet boxes its vectors, and after hundreds of compiled models in this JVM the
     * JIT's queue can hold a kernel back for seconds, while a step that allocates in compiled code does so in every
     * window, the JIT idle or not.
     */
    private static long fewestBytesPerCall(Runnable action, int calls, int windows) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long[] ids = measuredThreads();
        long fewest = Long.MAX_VALUE;
        for (int window = 0; window < 10 * windows && fewest > 0; window++) {
            long compiled = jit.getTotalCompilationTime();
            long[] start = mx.getThreadAllocatedBytes(ids);
            for (int i = 0; i < calls; i++) action.run();
            long[] stop = mx.getThreadAllocatedBytes(ids);
            long total = 0;
            for (int i = 0; i < ids.length; i++) total += stop[i] - start[i];
            fewest = Math.min(fewest, total / calls);
            if (window + 1 >= windows && jit.getTotalCompilationTime() == compiled) break; // the JIT was idle
        }
        return fewest;
    }

    // LeNet plans 1,066,924 bytes at batch 16: 0.74 of one array per value (1.44 MB) since relu's gradient is masked
    // at the pooled size (0.61 of 1.74 MB before, with two more full-size values; 0.58 of 1.84 MB with pool indices)
    @ParameterizedTest(name = "{0}")
    @CsvSource({"lenet, 16, 0.75", "fashion_mlp, 128, 0.90", "char_transformer, 32, 0.40"})
    void plannedMemoryIsAFractionOfOneBufferPerValue(String model, int batch, double most) {
        Graph g = NetCompiler.trainingGraph(NetCompiler.parse(Path.of("../models", model + ".net")), false);
        MemoryPlan plan = MemoryPlan.of(g, Phases.of(g));
        double ratio = (double) plan.plannedBytes(batch) / plan.naiveBytes(batch);
        assertTrue(ratio <= most, model + ": planned " + plan.plannedBytes(batch) + " of " + plan.naiveBytes(batch));
        assertTrue(plan.plannedBytes(batch) > 0);
    }

    static void step(Model m) {
        m.forwardOutputs();
        m.forwardLoss();
        m.updateBuffers();
        m.backward();
        m.step();
    }

    /** The calling thread and the parallel pool's workers (started by the warm-up). */
    private static long[] measuredThreads() {
        List<Long> ids = new ArrayList<>(List.of(Thread.currentThread().getId()));
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().startsWith("netc-parallel-")) ids.add(t.getId());
        long[] a = new long[ids.size()];
        for (int i = 0; i < a.length; i++) a[i] = ids.get(i);
        return a;
    }

    /** Random inputs for a batch: floats in [0, 1), indices below 10. */
    static void fill(Model m, int batch) {
        SplittableRandom r = new SplittableRandom(7);
        for (InputSpec in : m.inputs()) {
            Object buf = m.inputBuffer(in.name());
            int n = batch * in.sampleSize();
            if (buf instanceof int[] ib) for (int i = 0; i < n; i++) ib[i] = r.nextInt(10);
            else for (int i = 0; i < n; i++) ((float[]) buf)[i] = (float) r.nextDouble();
        }
    }
}
