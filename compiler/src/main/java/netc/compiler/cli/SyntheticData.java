package netc.compiler.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import netc.compiler.ir.Graph;
import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;

/**
 * Random samples for a model's inputs, where the speed of a step matters and its values do not ({@code netc bench},
 * the JIT's warm-up): float inputs uniform in [0, 1), int inputs indices in the narrowest range the model uses them
 * with ({@link DataRanges}), 0 or 1 where it does not index with them.
 */
final class SyntheticData {
    private SyntheticData() {
    }

    /** Fills the first {@code n} values of {@code buffer} (the float[] or int[] of input {@code in}) with random ones. */
    static void fill(Graph g, InputSpec in, Object buffer, int n, SplittableRandom r) {
        if (buffer instanceof int[] ib) {
            DataRanges.Range range = DataRanges.of(g, in.name());
            int low = range == null ? 0 : range.low(), size = range == null ? 2 : range.size();
            for (int i = 0; i < n; i++) ib[i] = low + r.nextInt(size);
        } else {
            float[] fb = (float[]) buffer;
            for (int i = 0; i < n; i++) fb[i] = (float) r.nextDouble();
        }
    }

    /** {@code samples} random samples of {@code inputs}, whose sample shapes are all known, as a data set. */
    static DataSet of(Graph g, List<InputSpec> inputs, int samples, SplittableRandom r) {
        Map<String, Tensor> columns = new LinkedHashMap<>();
        for (InputSpec in : inputs) {
            int[] shape = new int[in.sampleShape().length + 1];
            shape[0] = samples;
            System.arraycopy(in.sampleShape(), 0, shape, 1, in.sampleShape().length);
            int n = samples * in.sampleSize();
            Object values = in.isInt() ? new int[n] : new float[n];
            fill(g, in, values, n, r);
            columns.put(in.name(), in.isInt() ? Tensor.ofInts(shape, (int[]) values) : Tensor.of(shape, (float[]) values));
        }
        return new DataSet("random samples", columns);
    }
}
