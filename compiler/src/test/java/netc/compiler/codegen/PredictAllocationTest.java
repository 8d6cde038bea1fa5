package netc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.SplittableRandom;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The typed single-sample {@code predict(x, out)} of a generated class allocates nothing per call: the Fashion MLP's
 * buffers are planned once, the kernels keep their scratch per thread.
 */
class PredictAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static long allocatedPerCall(int threads) throws Throwable {
        Parallel.setThreads(threads);
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
        int calls = 10_000;
        long tid = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        for (int i = 0; i < calls; i++) predict.invokeExact(m, x, out);
        long bytes = THREADS.getThreadAllocatedBytes(tid) - before;
        assertArrayEquals(first, out, 0f, "predict is deterministic");
        return bytes / calls;
    }

    @Test
    void predictAllocatesNothingOnOneThread() throws Throwable {
        long perCall = allocatedPerCall(1);
        assertTrue(perCall == 0, "predict allocated " + perCall + " bytes per call");
    }

    @Test
    void predictAllocatesNothingOnTwoThreads() throws Throwable {
        long perCall = allocatedPerCall(2);
        assertTrue(perCall == 0, "predict allocated " + perCall + " bytes per call");
    }
}
