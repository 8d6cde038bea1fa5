package netc.runtime.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * Named columns of samples: each column is a tensor whose leading dimension is the sample count, the same for all
 * columns. Columns are usually named after a model's inputs.
 */
public final class DataSet {
    private final Map<String, Tensor> columns;
    private final int size;

    /** Creates a data set over {@code columns}; see {@link #DataSet(String, Map)}. */
    public DataSet(Map<String, Tensor> columns) {
        this("data set", columns);
    }

    /**
     * Creates a data set over {@code columns} (kept in their order; the map is copied, the tensors are not).
     *
     * @param source names the data's origin (a file, a data set name) in error messages
     * @throws UserError if a column is a scalar or the columns' leading dimensions differ
     */
    public DataSet(String source, Map<String, Tensor> columns) {
        this.columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        int n = -1;
        String first = null;
        for (Map.Entry<String, Tensor> e : this.columns.entrySet()) {
            Tensor t = e.getValue();
            if (t.rank() == 0) {
                throw new UserError(source + ": column '" + e.getKey() + "' is a scalar, it needs a leading sample dimension");
            }
            if (n < 0) {
                n = t.dim(0);
                first = e.getKey();
            } else if (t.dim(0) != n) {
                throw new UserError(source + ": columns differ in sample count: '" + first + "' has " + n
                        + ", '" + e.getKey() + "' has " + t.dim(0));
            }
        }
        this.size = Math.max(n, 0);
    }

    /** The number of samples (0 for a data set without columns). */
    public int size() {
        return size;
    }

    /** The columns by name, in order; unmodifiable. */
    public Map<String, Tensor> columns() {
        return columns;
    }

    /**
     * The column called {@code name}, shaped {@code [size(), ...sampleShape]}.
     *
     * @throws IllegalArgumentException if there is no such column
     */
    public Tensor column(String name) {
        Tensor t = columns.get(name);
        if (t == null) throw new IllegalArgumentException("no column '" + name + "'; columns: " + columns.keySet());
        return t;
    }

    /**
     * This data in a random order drawn from {@code seed}, cut in two: the first part, and the last {@code fraction}
     * of the samples held out (Keras' {@code validation_split}, of the shuffled data). Each part keeps at least one
     * sample.
     *
     * @throws UserError if the fraction is not in (0, 1) or the data has fewer than two samples
     */
    public DataSet[] holdOut(double fraction, long seed, String what) {
        if (!(fraction > 0 && fraction < 1)) throw new UserError(what + " must be between 0 and 1, got " + fraction);
        if (size < 2) throw new UserError(what + ": " + size + " sample" + (size == 1 ? "" : "s") + " cannot be split in two");
        int held = (int) Math.min(size - 1, Math.max(1, Math.round(size * fraction)));
        int[] order = new int[size];
        for (int i = 0; i < size; i++) order[i] = i;
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new DataSet[] {rows(java.util.Arrays.copyOf(order, size - held)), rows(java.util.Arrays.copyOfRange(order, size - held, size))};
    }

    /** The samples from {@code from} to {@code from + count}, each column copied. */
    public DataSet rows(int from, int count) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = from + i;
        return rows(indices);
    }

    /** The samples at {@code indices}, in that order. */
    private DataSet rows(int[] indices) {
        Map<String, Tensor> picked = new LinkedHashMap<>();
        columns.forEach((name, t) -> {
            int[] shape = t.shape().clone();
            int per = (int) (Tensor.numel(shape) / Math.max(1, shape[0]));
            shape[0] = indices.length;
            if (t.isInt()) {
                int[] src = t.ints(), dst = new int[indices.length * per];
                for (int i = 0; i < indices.length; i++) System.arraycopy(src, indices[i] * per, dst, i * per, per);
                picked.put(name, Tensor.ofInts(shape, dst));
            } else {
                float[] src = t.floats(), dst = new float[indices.length * per];
                for (int i = 0; i < indices.length; i++) System.arraycopy(src, indices[i] * per, dst, i * per, per);
                picked.put(name, Tensor.of(shape, dst));
            }
        });
        return new DataSet(picked);
    }
}
