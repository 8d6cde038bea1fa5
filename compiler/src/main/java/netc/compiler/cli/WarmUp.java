package netc.compiler.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Param;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.train.Trainer;

/**
 * The JIT's warm-up before {@code netc train} starts its clock. A spare instance of the model trains on random
 * samples in a thread of its own, started before the data loads, so that the JIT compiles the generated kernels, the
 * runtime's and the data path's while the data is read: the first step of a cold JVM runs the Vector API in the
 * interpreter (a second for the MLP of {@code bench/mlp.net}), and the compiled code arrives over the next few hundred
 * steps. It stops when the JIT has caught up — two windows of at least {@value #WINDOW_MS} ms in a row with steps no
 * faster than in the window before and the compiler mostly idle — after {@code -Dnetc.warmup=SECONDS} (default
 * {@value #DEFAULT_SECONDS}; 0 for none), or after as many steps as the run itself will take, whichever comes first.
 * The real model, its optimizer state and its random streams are untouched: results are the same without it.
 */
final class WarmUp implements AutoCloseable {
    static final String DEFAULT_SECONDS = "5";
    /** Most parameters of a model a spare instance is made for (their values, gradients and optimizer state). */
    private static final long MAX_PARAMS = 1L << 22;
    private static final long WINDOW_MS = 100;
    static final WarmUp NONE = new WarmUp(0);

    private final long limitNanos;
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private Thread thread;
    private volatile long maxSteps = Long.MAX_VALUE;
    private volatile boolean stop;
    private volatile long taken;
    // the warm-up thread's own: the current window and the one before
    private long start, windowStart, windowSteps, windowJitMs;
    private double lastStepNanos = Double.POSITIVE_INFINITY;
    private int steadyWindows;

    private WarmUp(double seconds) {
        this.limitNanos = (long) (seconds * 1e9);
    }

    /**
     * Starts warming the JIT up on a spare instance of {@code c}'s model, on random samples at batch {@code batch}, or
     * does nothing where the model is larger than {@link #MAX_PARAMS} parameters (its first epoch is long enough for
     * the JIT to catch up), has no loss, or {@code -Dnetc.warmup=0}.
     *
     * @param like the real model, its symbolic dimensions bound: the samples take its inputs' shapes
     */
    static WarmUp start(NetCompiler.Compiled c, Model like, int batch) {
        double seconds = seconds();
        long params = 0;
        for (Param p : c.forward().params()) params += p.node().shape().numelIfKnown();
        if (seconds == 0 || params > MAX_PARAMS || !like.hasLoss() || batch > like.maxBatch()) return NONE;
        Model spare = c.newModel();
        DataSet samples = SyntheticData.of(c.graph(), like.inputs(), batch, new SplittableRandom(7));
        WarmUp w = new WarmUp(seconds);
        w.thread = new Thread(() -> {
            try {
                w.taken = Trainer.warmUp(spare, samples, batch, w::goOn);
            } catch (RuntimeException | OutOfMemoryError e) {
                // the warm-up only speeds the run up: whatever stops it, the real run meets and reports on its own
            }
        }, "netc-warm-up");
        w.thread.setDaemon(true);
        w.start = w.windowStart = System.nanoTime();
        w.windowJitMs = w.jitMs();
        w.thread.start();
        return w;
    }

    /**
     * Lets the warm-up take at most {@code steps} steps in all (those of the run), and waits until it has stopped.
     *
     * @return the steps it took (0 where it failed: the run meets the cause itself)
     */
    long finish(long steps) {
        maxSteps = steps;
        join();
        return taken;
    }

    /** Stops the warm-up now (where the run ends before its training starts) and waits for its thread. */
    @Override
    public void close() {
        if (thread == null) return;
        stop = true;
        join();
    }

    private void join() {
        if (thread == null) return;
        try {
            thread.join();
        } catch (InterruptedException e) {
            stop = true;
            Thread.currentThread().interrupt();
        }
    }

    /** Whether to take another step after {@code done}: asked by the warm-up thread before each step. */
    private boolean goOn(long done) {
        long now = System.nanoTime();
        if (stop || done >= maxSteps || now - start >= limitNanos) return false;
        long steps = done - windowSteps, elapsed = now - windowStart;
        if (elapsed < WINDOW_MS * 1_000_000 || steps < 4) return true;
        long jitMs = jitMs();
        double stepNanos = (double) elapsed / steps;
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
