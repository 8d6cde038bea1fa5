package netc.runtime.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The process-wide pool of worker threads that the kernels use for data parallelism.
 *
 * <p>The pool holds exactly {@link #threads()}{@code  - 1} daemon workers; the thread that calls
 * {@link #forRange} is the last participant, so a parallel loop never runs on more than
 * {@code threads()} threads at once. Workers are started on the first parallel loop that needs
 * them and live as long as the process (or until {@link #setThreads} replaces them).
 *
 * <p>Dispatch is designed for the many short loops of a training step (a few microseconds
 * each): nothing is allocated per call, the job is published through one atomic word, and idle
 * workers spin for a short while ({@value #SPIN_NANOS} ns) before parking, so back-to-back loops
 * do not pay for a thread wake-up. Chunk i belongs to participant i (the caller is 0, worker j is
 * j), which runs it when it comes: a loop that runs again over the same data, such as one layer's
 * weights split by columns, finds each part in the cache of the core that read it last time. Chunks
 * are still claimed dynamically, so if a worker is slow to wake up the caller simply runs its chunk
 * too.
 *
 * <p>Only one parallel loop runs on the pool at a time. A call made while the pool is busy (a
 * nested call from inside a loop body, or a call from another application thread) runs inline on
 * its calling thread; it never waits for the pool, so nesting cannot deadlock.
 */
public final class Parallel {

    /** A loop body over a contiguous index range. */
    @FunctionalInterface
    public interface Body {
        /**
         * Processes the indices {@code from} (inclusive) to {@code to} (exclusive).
         *
         * @param from first index of the chunk
         * @param to   one past the last index of the chunk
         */
        void run(int from, int to);
    }

    /** How long an idle worker (or a caller waiting for workers) spins before parking. */
    static final long SPIN_NANOS = 50_000;

    private static volatile int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** The current pool; null until a parallel loop needs one, or after {@link #setThreads}. */
    private static volatile Pool pool;

    /** The most chunks a loop was split into since the last {@link #takeWidest} (see there). */
    private static int widest = 1;

    private Parallel() {
    }

    /**
     * Sets the number of threads parallel loops may use, the calling thread included. Worker
     * threads of a previous setting finish the chunk they are running, if any, and exit.
     *
     * @param n the number of threads, at least 1
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + n);
        }
        if (n == threads) {
            return;
        }
        Pool old = pool;
        pool = null;
        threads = n;
        if (old != null) {
            old.shutdown();
        }
    }

    /**
     * Returns the number of threads parallel loops may use, the calling thread included.
     * Defaults to {@link Runtime#availableProcessors()}.
     *
     * @return the thread count, at least 1
     */
    public static int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks, and returns when all
     * chunks are done.
     *
     * <p>The range is split into {@code min(threads(), n / minChunk)} chunks of near-equal size
     * (so each has at least {@code minChunk} indices); the calling thread runs one chunk itself.
     * With a single chunk the body runs inline, without any hand-off. Chunks may run in any order
     * and concurrently, so they must not write to shared locations without synchronisation.
     *
     * <p>If a chunk throws, the remaining chunks still run to completion, then the first
     * exception is rethrown in the caller (any further ones are attached to it as suppressed).
     *
     * @param n        size of the index range; nothing is run when {@code n <= 0}
     * @param minChunk the smallest chunk worth handing to another thread (values below 1 mean 1)
     * @param body     the loop body
     */
    public static void forRange(int n, int minChunk, Body body) {
        if (n <= 0) {
            return;
        }
        int maxChunks = n / Math.max(1, minChunk);
        if (maxChunks <= 1 || threads == 1) {
            body.run(0, n);
            return;
        }
        Pool p = pool();
        int chunks = Math.min(maxChunks, p.size());
        if (chunks <= 1 || !p.busy.compareAndSet(false, true)) {
            body.run(0, n); // single chunk, or the pool is already in use (e.g. a nested call)
            return;
        }
        if (chunks > widest) widest = chunks;
        p.run(n, chunks, body);
    }

    /**
     * The most chunks a loop handed to the pool was split into since the last call (1 if none was split), and starts
     * counting again: a model compiled for profiling reads it after each kernel, to show how far the kernel spread over
     * the threads. Kept for the thread that runs loops on the pool; not exact when several application threads do.
     */
    public static int takeWidest() {
        int w = widest;
        widest = 1;
        return w;
    }

    /** The current pool, creating it (and its workers) if needed. */
    private static Pool pool() {
        Pool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new Pool(threads);
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * A set of {@code size - 1} workers plus the state of the one loop that may be running.
     *
     * <p>A loop is published through {@link #state}, one volatile word holding the generation number (bits 32..63)
     * and the chunk count (bits 0..31). Chunk 0 is the caller's; chunk j ≥ 1 is worker j's, which claims it by
     * raising its {@link Slot#claimed} from below the generation to it, runs it and sets {@link Slot#done} to the
     * generation. The caller, its own chunk done, claims any chunk whose worker has not (a parked or descheduled
     * worker), then waits for the others' done. A claim can only rise, so a worker that read an earlier
     * generation's word finds its chunk claimed and can never run a chunk of a later loop with the body of an
     * earlier one (a loop returns only once all its chunks ran). Each worker's slot has a cache line of its own, so
     * that a loop costs a worker one line from the caller (the published word) and the caller one line from each
     * worker (its done), instead of a round of shared counters.
     */
    private static final class Pool {
        private static final VarHandle CLAIMED;

        static {
            try {
                CLAIMED = MethodHandles.lookup().findVarHandle(SlotFields.class, "claimed", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final AtomicBoolean busy = new AtomicBoolean();
        private final Worker[] workers;
        /** Slot j is worker j's (slot 0, the caller's, is never used). */
        private final Slot[] slots;

        // The running loop; written by the caller before publishing, read after claiming a chunk.
        private volatile long state;
        private Body body;
        private int n;
        private Thread caller;
        private volatile boolean callerParked;
        private volatile Throwable failure;

        Pool(int size) {
            workers = new Worker[size - 1];
            slots = new Slot[size];
            for (int i = 0; i < size; i++) slots[i] = new Slot();
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        int size() {
            return workers.length + 1;
        }

        void shutdown() {
            for (Worker w : workers) {
                w.stop = true;
                LockSupport.unpark(w);
            }
        }

        /** Runs one loop; the caller holds {@link #busy}, which this releases. */
        void run(int n, int chunks, Body body) {
            this.body = body;
            this.n = n;
            this.caller = Thread.currentThread();
            this.failure = null;
            long gen = (state >>> 32) + 1; // 2^31 loops a second would take a year to wrap
            state = gen << 32 | chunks; // publish

            // Wake parked workers, only as many as there are chunks for them.
            for (int i = 0; i < chunks - 1; i++) {
                if (workers[i].parked) {
                    LockSupport.unpark(workers[i]);
                }
            }
            runChunk(0, chunks);
            for (int j = 1; j < chunks; j++) {
                if (claim(j, gen)) {
                    runChunk(j, chunks);
                    slots[j].done = gen;
                }
            }
            for (int j = 1; j < chunks; j++) {
                awaitDone(slots[j], gen);
            }

            Throwable f = failure;
            this.body = null;
            this.caller = null;
            this.failure = null;
            busy.set(false);
            if (f != null) {
                throw rethrow(f);
            }
        }

        /** Claims chunk j for generation gen: false if it was claimed (by this or a later generation). */
        private boolean claim(int j, long gen) {
            Slot slot = slots[j];
            for (;;) {
                long v = slot.claimed;
                if (v >= gen) {
                    return false;
                }
                if (CLAIMED.compareAndSet(slot, v, gen)) {
                    return true;
                }
            }
        }

        private void runChunk(int chunk, int chunks) {
            int from = (int) ((long) n * chunk / chunks);
            int to = (int) ((long) n * (chunk + 1) / chunks);
            try {
                body.run(from, to);
            } catch (Throwable t) {
                recordFailure(t);
            }
        }

        private void recordFailure(Throwable t) {
            synchronized (this) {
                if (failure == null) {
                    failure = t;
                } else if (failure != t) {
                    failure.addSuppressed(t);
                }
            }
        }

        private void awaitDone(Slot slot, long gen) {
            long start = 0;
            while (slot.done < gen) {
                if (start == 0) {
                    start = System.nanoTime();
                } else if (System.nanoTime() - start > SPIN_NANOS) {
                    callerParked = true;
                    if (slot.done < gen) {
                        LockSupport.park(this);
                    }
                    callerParked = false;
                    continue;
                }
                Thread.onSpinWait();
            }
        }

        /** Idle loop of a worker: wait for a new generation, run its chunk of it, repeat. */
        void workerLoop(Worker self) {
            Slot slot = slots[self.index];
            long seen = 0; // the generation before the first loop (not the state: a loop
                           // may have been published before this thread got to run)
            long idleSince = 0;
            while (!self.stop) {
                long s = state, gen = s >>> 32;
                if (gen != seen) {
                    seen = gen;
                    if (self.index < (int) s && claim(self.index, gen)) {
                        Thread waiter = caller;
                        runChunk(self.index, (int) s);
                        slot.done = gen;
                        if (callerParked) {
                            LockSupport.unpark(waiter);
                        }
                    }
                    idleSince = 0;
                } else if (idleSince == 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    // Announce before re-checking, so that a publisher either sees the flag and
                    // unparks us, or we see its new generation and do not park.
                    self.parked = true;
                    if (state >>> 32 == seen && !self.stop) {
                        LockSupport.park(this);
                    }
                    self.parked = false;
                }
            }
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
            throw new RuntimeException(t); // a checked exception thrown sneakily by a body
        }
    }

    /** Padding before a slot's fields: with the padding after them, a cache line of their own. */
    private abstract static class SlotPadding {
        long p1, p2, p3, p4, p5, p6, p7;
    }

    /** A worker's claim on its chunk and the generation whose chunk it last finished. */
    private abstract static class SlotFields extends SlotPadding {
        volatile long claimed, done;
    }

    private static final class Slot extends SlotFields {
        long q1, q2, q3, q4, q5, q6, q7;
    }

    private static final class Worker extends Thread {
        private final Pool pool;
        /** The chunk this worker runs first: its place among the loop's participants (the caller is 0). */
        final int index;
        volatile boolean stop;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("netc-parallel-" + index);
            this.pool = pool;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            pool.workerLoop(this);
        }
    }
}
