package netc.runtime;

import netc.runtime.kernels.Parallel;

/**
 * Where a model's steps spend their time: the nanoseconds each kernel (and the optimizer's step) has taken since the
 * last {@link #reset}, how often it ran and how far it spread over the threads; the caller counts the steps. A model
 * compiled with timing ({@code netc bench --profile}) reads the clock between its kernels, {@code t = times.lap(i, t)}
 * after kernel i; a model compiled for use has no such calls and returns null from {@link Model#kernelTimes()}.
 * Single-threaded: the calling thread records; the pool's workers inside a kernel are part of its time.
 */
public final class KernelTimes {
    private final String[] names;
    private final long[] nanos;
    private final long[] calls;
    /** Per entry, the most chunks one of its parallel loops was split into ({@link Parallel#takeWidest}). */
    private final int[] widest;

    /** One entry per timed kernel, in the order the model runs them, described by {@code names}. */
    public KernelTimes(String... names) {
        this.names = names.clone();
        this.nanos = new long[names.length];
        this.calls = new long[names.length];
        this.widest = new int[names.length];
        Parallel.takeWidest();
    }

    /** Adds the time from {@code since} to now to entry {@code i} and returns now, the start of the next entry. */
    public long lap(int i, long since) {
        long now = System.nanoTime();
        nanos[i] += now - since;
        calls[i]++;
        widest[i] = Math.max(widest[i], Parallel.takeWidest());
        return now;
    }

    /** Entries: the number of timed kernels. */
    public int size() {
        return names.length;
    }

    public String name(int i) {
        return names[i];
    }

    /** Nanoseconds spent in entry {@code i} since the last reset. */
    public long nanos(int i) {
        return nanos[i];
    }

    /** Times entry {@code i} ran since the last reset (a predict runs no kernel of the backward pass). */
    public long calls(int i) {
        return calls[i];
    }

    /**
     * The most chunks entry {@code i}'s parallel loops were split into since the last reset: at most the thread count,
     * 1 when it ran on the calling thread alone.
     */
    public int widest(int i) {
        return widest[i];
    }

    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(calls, 0);
        java.util.Arrays.fill(widest, 0);
        Parallel.takeWidest();
    }
}
