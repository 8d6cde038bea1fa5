package netc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ParallelTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void coversEveryIndexExactlyOnceInContiguousChunks() {
        int[] sizes = {0, 1, 2, 3, 7, 64, 100, 1000, 10_007};
        int[] minChunks = {-1, 0, 1, 3, 64, 5000};
        for (int threads : new int[] {1, 2, 3, 4, 8}) {
            Parallel.setThreads(threads);
            assertEquals(threads, Parallel.threads());
            for (int n : sizes) {
                for (int minChunk : minChunks) {
                    String what = "threads=" + threads + " n=" + n + " minChunk=" + minChunk;
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                    Parallel.forRange(n, minChunk, (from, to) -> {
                        chunks.add(new int[] {from, to});
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), what + ": index " + i);
                    }
                    int expectedChunks = n == 0 ? 0
                            : Math.max(1, Math.min(threads, n / Math.max(1, minChunk)));
                    assertEquals(expectedChunks, chunks.size(), what + ": chunk count");
                    for (int[] chunk : chunks) {
                        assertTrue(chunk[0] < chunk[1], what + ": empty chunk");
                        if (chunks.size() > 1) {
                            assertTrue(chunk[1] - chunk[0] >= minChunk, what + ": small chunk");
                        }
                    }
                }
            }
        }
    }

    @Test
    void chunksRunConcurrentlyOnAllThreads() throws InterruptedException {
        for (int threads : new int[] {2, 4}) {
            Parallel.setThreads(threads);
            // Each chunk waits for all others to start: this only completes if every chunk
            // has its own thread.
            CountDownLatch started = new CountDownLatch(threads);
            Set<Thread> used = ConcurrentHashMap.newKeySet();
            Thread caller = Thread.currentThread();
            Parallel.forRange(threads * 10, 1, (from, to) -> {
                used.add(Thread.currentThread());
                started.countDown();
                try {
                    assertTrue(started.await(10, TimeUnit.SECONDS), "chunks did not run concurrently");
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals(threads, used.size());
            assertTrue(used.contains(caller), "the caller must run a chunk itself");
        }
    }

    @Test
    void keepsExactlyThreadsMinusOneWorkers() throws InterruptedException {
        Parallel.setThreads(3);
        Parallel.forRange(3, 1, (from, to) -> { });
        Parallel.setThreads(2);
        Parallel.forRange(2, 1, (from, to) -> { });
        // Workers of the old pool exit soon after setThreads; give them a moment.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (liveWorkers() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, liveWorkers());
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        for (int rep = 0; rep < 100; rep++) {
            Parallel.forRange(1000, 1, (from, to) -> used.add(Thread.currentThread()));
        }
        assertTrue(used.size() <= 2, "used " + used.size() + " threads");
    }

    @Test
    void rethrowsExceptionsFromAnyChunk() {
        Parallel.setThreads(4);
        for (int failing = 0; failing < 4; failing++) {
            int failAt = failing * 25;
            IllegalStateException thrown = new IllegalStateException("chunk at " + failAt);
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            IllegalStateException caught = assertThrows(IllegalStateException.class,
                    () -> Parallel.forRange(100, 25, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                        if (from == failAt) {
                            throw thrown;
                        }
                    }));
            assertSame(thrown, caught);
            for (int i = 0; i < 100; i++) {
                assertEquals(1, hits.get(i), "other chunks still complete");
            }
        }
        // Errors pass through too, and the pool is still usable afterwards.
        assertThrows(AssertionError.class, () -> Parallel.forRange(100, 1, (from, to) -> {
            throw new AssertionError("boom");
        }));
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(3);
        int outer = 30, inner = 50;
        AtomicIntegerArray hits = new AtomicIntegerArray(outer * inner);
        Parallel.forRange(outer, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                Thread self = Thread.currentThread();
                Parallel.forRange(inner, 1, (f, t) -> {
                    assertSame(self, Thread.currentThread(), "nested chunk changed thread");
                    for (int j = f; j < t; j++) {
                        hits.incrementAndGet(row * inner + j);
                    }
                });
            }
        });
        for (int i = 0; i < outer * inner; i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test
    void concurrentCallersEachCompleteTheirLoops() throws InterruptedException {
        Parallel.setThreads(2);
        int callers = 4, n = 2000, rounds = 200;
        AtomicIntegerArray hits = new AtomicIntegerArray(callers * n);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < callers; t++) {
            int base = t * n;
            Thread thread = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    Parallel.forRange(n, 16, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(base + i);
                        }
                    });
                }
            });
            thread.setUncaughtExceptionHandler((th, e) -> errors.add(e));
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        for (int i = 0; i < callers * n; i++) {
            assertEquals(rounds, hits.get(i), "index " + i);
        }
    }

    @Test
    void rejectsNonPositiveThreadCounts() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }

    private static int liveWorkers() {
        Set<Thread> all = new HashSet<>(Thread.getAllStackTraces().keySet());
        return (int) all.stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("netc-parallel-"))
                .count();
    }
}
