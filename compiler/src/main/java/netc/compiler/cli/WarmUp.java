package netc.compiler.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Param;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.train.Trainer;

/**
 * The JIT's warm-up before {@code netc train} starts its clock. While a thread of its own loads the data, the thread
 * that will train trains a spare instance of the model on random samples, so that the JIT compiles the generated
 * kernels, the runtime's and the data path's meanwhile — for that thread: compiled on another, code that finds this
 * thread's per-thread buffers still empty is thrown away and compiled again in the first epoch. The first steps of a
 * cold JVM run the Vector API in the interpreter (a second for the MLP of {@code bench/mlp.net}, three for LeNet), and
 * the compiled code arrives over the next few hundred. The warm-up stops when the JIT has caught up — two windows of
 * at least {@value #WINDOW_MS} ms in a row with steps no faster than in the window before and the compiler mostly
 * idle — after {@code -Dnetc.warmup=SECONDS} (default {@value #DEFAULT_SECONDS}; 0 for none), or after
 * {@value #RUN_SHARE} times as many steps as the run itself will take, whichever comes first: the JIT needs about a
 * thousand steps of that MLP to catch up, and a one-epoch run of it is 469. The real model, its optimizer state and its
 * random streams are untouched: results are the same without it.
 */
final class WarmUp {
    static final String DEFAULT_SECONDS = "5";
    /** Most parameters of a model a spare instance is made for (their values, gradients and optimizer state). */
    private static final long MAX_PARAMS = 1L << 22;
    private static final long WINDOW_MS = 100;
    /** The most steps the warm-up takes, as a multiple of the run's. */
    private static final int RUN_SHARE = 2;

    private final long start = System.nanoTime(), limitNanos;
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private long maxSteps = Long.MAX_VALUE;
    // the current window and the one before
    private long windowStart = start, windowSteps, windowJitMs = jitMs();
    private double lastStepNanos = Double.POSITIVE_INFINITY;
    private int steadyWindows;

    /** What {@link #whileLoading} loaded, and the steps the warm-up took meanwhile. */
    record Loaded<T>(T value, long warmUpSteps) {
    }

    private WarmUp(double seconds) {
        this.limitNanos = (long) (seconds * 1e9);
    }

    /**
     * Runs {@code load} on a thread of its own while this thread warms the JIT up on a spare instance of {@code c}'s
     * model, on random samples at batch {@code batch}, then returns what {@code load} returned (or throws what it
     * threw) and the steps taken. Without a warm-up, where the batch is not known before the data ({@code null}), the
     * model is larger than {@link #MAX_PARAMS} parameters (its first epoch is long enough for the JIT to catch up), has
     * no loss, or {@code -Dnetc.warmup=0}, it just loads.
     *
     * @param like  the real model, its symbolic dimensions bound: the samples take its inputs' shapes
     * @param steps the steps the run will take with the loaded data: the warm-up takes at most {@value #RUN_SHARE} times as many
     */
    static <T> Loaded<T> whileLoading(NetCompiler.Compiled c, Model like, Integer batch, Supplier<T> load,
                                      ToLongFunction<T> steps) {
        double seconds = seconds();
        long params = 0;
        for (Param p : c.forward().params()) params += p.node().shape().numelIfKnown();
        if (batch == null || seconds == 0 || params > MAX_PARAMS || !like.hasLoss() || batch > like.maxBatch()) {
            return new Loaded<>(load.get(), 0);
        }
        Model spare = c.newModel();
        DataSet samples = SyntheticData.of(c.graph(), like.inputs(), batch, new SplittableRandom(7));
        FutureTask<T> loading = new FutureTask<>(load::get);
        Thread loader = new Thread(loading, "netc-load");
        loader.setDaemon(true);
        loader.start();
        WarmUp w = new WarmUp(seconds);
        long taken = 0;
        try {
            taken = Trainer.warmUp(spare, samples, batch, done -> w.goOn(done, loading, steps));
        } catch (RuntimeException | OutOfMemoryError e) {
            // the warm-up only speeds the run up: whatever stops it, the real run meets and reports on its own
        }
        try {
            return new Loaded<>(loading.get(), taken);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while loading the data");
        }
    }

    /** Whether to take another step after {@code done}: asked before each step. */
    private <T> boolean goOn(long done, Future<T> loading, ToLongFunction<T> steps) {
        if (maxSteps == Long.MAX_VALUE && loading.isDone()) {
            try {
                maxSteps = RUN_SHARE * steps.applyAsLong(loading.get());
            } catch (ExecutionException | InterruptedException e) {
                return false;  // the caller reports it
            }
        }
        long now = System.nanoTime();
        if (done >= maxSteps || now - start >= limitNanos) return false;
        long stepsInWindow = done - windowSteps, elapsed = now - windowStart;
        if (elapsed < WINDOW_MS * 1_000_000 || stepsInWindow < 4) return true;
        long jitMs = jitMs();
        double stepNanos = (double) elapsed / stepsInWindow;
        // steady: no more than 10% faster than the window before, and the compiler busy under a tenth of the window
        boolean steady = stepNanos > 0.9 * lastStepNanos && (jitMs - windowJitMs) * 10_000_000 < elapsed;
        steadyWindows = steady ? steadyWindows + 1 : 0;
        lastStepNanos = stepNanos;
        windowStart = now;
        windowSteps = done;
        windowJitMs = jitMs;
        return steadyWindows < 2;
    }

    private long jitMs() {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** The longest warm-up: {@value #DEFAULT_SECONDS} s, or {@code -Dnetc.warmup=SECONDS} (0 for none). */
    static double seconds() {
        String v = System.getProperty("netc.warmup", DEFAULT_SECONDS);
        try {
            double s = Double.parseDouble(v);
            if (s >= 0 && s <= 60) return s;
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserError("-Dnetc.warmup must be a number of seconds from 0 to 60, got '" + v + "'");
    }
}
