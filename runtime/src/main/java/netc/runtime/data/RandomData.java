package netc.runtime.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * {@code random:N,D,OUT[,SEED]}: N samples of D standard-normal features for the model's first input and, for its
 * second, OUT standard-normal targets (a float input of OUT values) or a class index uniform in 0..OUT-1 (an int
 * input of one value). For trying out models and measuring them without data, like the classic Keras and PyTorch
 * examples that fit random data. Deterministic: java.util.Random seeded with SEED (default 1) for the training split
 * and SEED + 1 for the test split.
 */
final class RandomData {
    static final String PREFIX = "random:";
    static final String FORM = "random:N,D,OUT or random:N,D,OUT,SEED";
    private static final long DEFAULT_SEED = 1;

    private RandomData() {
    }

    static DataSet load(String spec, List<InputSpec> inputs, boolean test) {
        String[] parts = spec.substring(PREFIX.length()).split(",", -1);
        if (parts.length != 3 && parts.length != 4) throw new UserError("data source '" + spec + "': expected " + FORM);
        long[] v = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new UserError("data source '" + spec + "': '" + parts[i] + "' is not an integer; expected " + FORM);
            }
            if (i < 3 && (v[i] < 1 || v[i] > Integer.MAX_VALUE)) {
                throw new UserError("data source '" + spec + "': N, D and OUT must be positive integers, got " + v[i]);
            }
        }
        int n = (int) v[0], d = (int) v[1], out = (int) v[2];
        if ((long) n * Math.max(d, out) > Integer.MAX_VALUE - 8) throw new UserError("data source '" + spec + "': too many values");
        long seed = (parts.length == 4 ? v[3] : DEFAULT_SEED) + (test ? 1 : 0);
        Labeled.requireInputs(spec, inputs, true);
        InputSpec xIn = inputs.get(0), yIn = inputs.get(1);
        Random r = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        LinkedHashMap<String, Tensor> columns = new LinkedHashMap<>();
        columns.put(xIn.name(), Columns.values(spec, xIn, n, x, d));
        if (yIn.isInt()) {
            if (yIn.sampleSize() != 1) {
                throw new UserError(spec + ": int input '" + yIn.name() + "' takes " + yIn.sampleSize() + " values per sample; random class labels need one");
            }
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = r.nextInt(out);
            columns.put(yIn.name(), Columns.targets(spec, yIn, y, out));
        } else {
            float[] y = new float[n * out];
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            columns.put(yIn.name(), Columns.values(spec, yIn, n, y, out));
        }
        return new DataSet(spec, columns);
    }
}
