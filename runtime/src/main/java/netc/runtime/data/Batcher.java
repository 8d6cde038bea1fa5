package netc.runtime.data;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import netc.runtime.Tensor;
import netc.runtime.kernels.Parallel;

/**
 * Mini-batches over a {@link DataSet}, epoch by epoch, as PyTorch's {@code DataLoader} with {@code drop_last=False}:
 * every sample once per epoch, in batches of {@code batchSize} but the last, which may be smaller. With shuffling,
 * each epoch's order is a permutation drawn from the seed and the epoch number alone, so a run can be repeated.
 *
 * <p>Use: {@code startEpoch()}, then {@code while (next()) { fill(...); ... }}.
 */
public final class Batcher {
    /** A column's data (a float[] or an int[]) and its values per sample. */
    private record Column(Object data, boolean isInt, int stride) {
    }

    private final Map<String, Column> columns = new HashMap<>();
    private final int size;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int[] order;
    private int epoch = -1;
    /** The shuffled batch's copy: the values a thread takes at least, and what {@link #gatherRows} copies. */
    private static final int GATHER_MIN_VALUES = 1 << 15;
    private final Parallel.Body gather = this::gatherRows;
    private Object gatherSrc, gatherDst;
    private int gatherStride;
    /** Float rows of at least this many values (a cache line's) are touched before the copies ({@link #gatherRows}). */
    private static final int TOUCH_MIN_VALUES = 16;
    /** Where {@link #touch} keeps a sum that equals {@link #RARE}. */
    private float touched;
    private static final int RARE = -1_234_567;
    /** The current batch is {@code order[start .. end)}. */
    private int start;
    private int end;

    /**
     * @param data      the samples
     * @param batchSize samples per batch, at least 1
     * @param shuffle   whether each epoch visits the samples in a fresh random order (else in their natural order)
     * @param seed      the seed of the shuffling
     */
    public Batcher(DataSet data, int batchSize, boolean shuffle, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        this.size = data.size();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.order = new int[size];
        for (Map.Entry<String, Tensor> e : data.columns().entrySet()) {
            Tensor t = e.getValue();
            int stride = 1;
            for (int i = 1; i < t.rank(); i++) stride *= t.dim(i);
            columns.put(e.getKey(), new Column(t.isInt() ? t.ints() : t.floats(), t.isInt(), stride));
        }
    }

    /** Starts the next epoch (the first call starts epoch 0). */
    public void startEpoch() {
        startEpoch(epoch + 1);
    }

    /**
     * Starts epoch {@code e}: its sample order depends only on the seed and {@code e}, so training can resume at
     * any epoch with the same batches.
     */
    public void startEpoch(int e) {
        epoch = e;
        for (int i = 0; i < size; i++) order[i] = i;
        if (shuffle) {
            Random rng = new Random(mix(seed, e));
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        start = 0;
        end = 0;
    }

    /**
     * Advances to the epoch's next batch.
     *
     * @return false, leaving no current batch, when the epoch has no more
     * @throws IllegalStateException before the first {@link #startEpoch()}
     */
    public boolean next() {
        if (epoch < 0) throw new IllegalStateException("call startEpoch() before next()");
        start = end;
        end = Math.min(start + batchSize, size);
        return end > start;
    }

    /** The current batch's sample count: {@code batchSize}, or less for an epoch's last batch; 0 without a batch. */
    public int batchSize() {
        return end - start;
    }

    /** The number of batches in an epoch, the last one counted even when it is smaller. */
    public int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    /** The epoch started last, -1 before the first. */
    public int epoch() {
        return epoch;
    }

    /**
     * Copies the current batch's samples of a float column into {@code dst[0 .. batchSize() × sampleSize)},
     * row-major, one sample after the other.
     *
     * @throws IllegalArgumentException if there is no such float column or {@code dst} is too short
     */
    public void fill(String column, float[] dst) {
        copy(column(column, false), dst, dst.length);
    }

    /**
     * Copies the current batch's samples of an int column into {@code dst[0 .. batchSize() × sampleSize)},
     * row-major, one sample after the other.
     *
     * @throws IllegalArgumentException if there is no such int column or {@code dst} is too short
     */
    public void fill(String column, int[] dst) {
        copy(column(column, true), dst, dst.length);
    }

    private Column column(String name, boolean isInt) {
        Column c = columns.get(name);
        if (c == null) throw new IllegalArgumentException("no column '" + name + "'; columns: " + columns.keySet());
        if (c.isInt() != isInt) {
            throw new IllegalArgumentException("column '" + name + "' holds " + (c.isInt() ? "ints" : "floats")
                    + ", fill it into an " + (c.isInt() ? "int[]" : "float[]"));
        }
        return c;
    }

    private void copy(Column c, Object dst, int dstLength) {
        int count = batchSize();
        int stride = c.stride();
        if ((long) count * stride > dstLength) {
            throw new IllegalArgumentException("destination holds " + dstLength + " values, the batch has "
                    + (long) count * stride);
        }
        if (!shuffle) {
            System.arraycopy(c.data(), start * stride, dst, 0, count * stride);
            return;
        }
        // the rows lie anywhere in the data, each a fetch from memory: the threads share them out
        gatherSrc = c.data();
        gatherDst = dst;
        gatherStride = stride;
        Parallel.forRange(count, Math.max(1, GATHER_MIN_VALUES / stride), gather);
        gatherSrc = gatherDst = null;
    }

    /**
     * Parallel body: samples [from, to) of the current batch, from {@link #gatherSrc} into {@link #gatherDst}. Float
     * rows longer than a cache line (images, features; not labels) are first touched at both ends, all of them before
     * the first copy: the memory system then fetches every row's first and last lines (and pages) at once, and the
     * copies find them on their way, where otherwise each row would wait for memory after the one before (128
     * shuffled rows of Fashion-MNIST's 188 MB of floats: 29 µs instead of 45 on one core).
     */
    private void gatherRows(int from, int to) {
        if (gatherStride >= TOUCH_MIN_VALUES && gatherSrc instanceof float[] f) touch(f, from, to);
        for (int k = from; k < to; k++) {
            System.arraycopy(gatherSrc, order[start + k] * gatherStride, gatherDst, k * gatherStride, gatherStride);
        }
    }

    /**
     * Reads the first and last value of rows [from, to) of the batch. Their sum decides a store that hardly ever
     * happens: the JIT cannot drop the reads, and the threads do not write to one field at every call.
     */
    private void touch(float[] src, int from, int to) {
        float sum = 0;
        for (int k = from; k < to; k++) {
            int row = order[start + k] * gatherStride;
            sum += src[row] + src[row + gatherStride - 1];
        }
        if (sum == RARE) touched = sum;
    }

    /** A seed for epoch {@code e}'s shuffle that differs well between neighbouring seeds and epochs (SplitMix64). */
    private static long mix(long seed, int e) {
        long z = seed + (e + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
