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
}
