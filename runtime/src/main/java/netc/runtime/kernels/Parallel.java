package netc.runtime.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * do not pay for a thread wake-up. Chunks are claimed dynamically, so if a worker is slow to wake
 * up the caller simply runs its chunk too.
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
        p.run(n, chunks, body);
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
     * <p>A loop is published through {@link #state}, one atomic word holding the generation
     * number (bits 32..63), the chunk count (bits 16..31) and the index of the next unclaimed
     * chunk (bits 0..15). Threads claim chunks by compare-and-set on that word, which fails as
     * soon as the generation changes, so a late worker can never run a chunk of a later loop
     * with the body of an earlier one. The loop's other fields are written before the
     * generation is published and only read after a successful claim.
     */
    private static final class Pool {
        private static final int MAX_SIZE = 0xFFFF; // chunk fields of the state word are 16 bits

        final AtomicBoolean busy = new AtomicBoolean();
        private final AtomicLong state = new AtomicLong();
        private final AtomicInteger pending = new AtomicInteger();
        private final Worker[] workers;

        // The running loop; written by the caller before publishing, read after claiming a chunk.
        private Body body;
        private int n;
        private Thread caller;
        private volatile boolean callerParked;
        private volatile Throwable failure;

        Pool(int size) {
            size = Math.min(size, MAX_SIZE);
            workers = new Worker[size - 1];
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
            pending.set(chunks);
            long gen = ((state.get() >>> 32) + 1) & 0xFFFF_FFFFL; // wraps after 2^32 loops
            state.set(gen << 32 | (long) chunks << 16); // publish; next chunk = 0

            // Wake parked workers, only as many as there are chunks for them.
            for (int i = 0; i < chunks - 1 && i < workers.length; i++) {
                if (workers[i].parked) {
                    LockSupport.unpark(workers[i]);
                }
            }
            work(gen);
            awaitWorkers();

            Throwable f = failure;
            this.body = null;
            this.caller = null;
            this.failure = null;
            busy.set(false);
            if (f != null) {
                throw rethrow(f);
            }
        }

        /** Claims and runs chunks of generation {@code gen} until none is left. */
        void work(long gen) {
            for (;;) {
                long s = state.get();
                int next = (int) (s & 0xFFFF);
                int chunks = (int) (s >>> 16 & 0xFFFF);
                if (s >>> 32 != gen || next >= chunks) {
                    return;
                }
                if (!state.compareAndSet(s, s + 1)) {
                    continue;
                }
                Thread waiter = caller;
                int from = (int) ((long) n * next / chunks);
                int to = (int) ((long) n * (next + 1) / chunks);
                try {
                    body.run(from, to);
                } catch (Throwable t) {
                    recordFailure(t);
                } finally {
                    if (pending.decrementAndGet() == 0 && callerParked) {
                        LockSupport.unpark(waiter);
                    }
                }
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

        private void awaitWorkers() {
            long start = 0;
            while (pending.get() != 0) {
                if (start == 0) {
                    start = System.nanoTime();
                } else if (System.nanoTime() - start > SPIN_NANOS) {
                    callerParked = true;
                    if (pending.get() != 0) {
                        LockSupport.park(this);
                    }
                    callerParked = false;
                    continue;
                }
                Thread.onSpinWait();
            }
        }

        /** Idle loop of a worker: wait for a new generation, take part in it, repeat. */
        void workerLoop(Worker self) {
            long seen = 0; // the generation before the first loop (not state.get(): a loop
                           // may have been published before this thread got to run)
            long idleSince = 0;
            while (!self.stop) {
                long gen = state.get() >>> 32;
                if (gen != seen) {
                    seen = gen;
                    work(gen);
                    idleSince = 0;
                } else if (idleSince == 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    // Announce before re-checking, so that a publisher either sees the flag and
                    // unparks us, or we see its new generation and do not park.
                    self.parked = true;
                    if (state.get() >>> 32 == seen && !self.stop) {
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

    private static final class Worker extends Thread {
        private final Pool pool;
        volatile boolean stop;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("netc-parallel-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            pool.workerLoop(this);
        }
    }
}
