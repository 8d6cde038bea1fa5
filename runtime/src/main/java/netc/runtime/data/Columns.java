package netc.runtime.data;

import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/** Turns a source's per-sample values into a column for one model input, checking that they fit the input. */
final class Columns {
    private Columns() {
    }

    /** {@code [n, ...sampleShape]}: the shape of a column of {@code n} samples for {@code input}. */
    static int[] columnShape(int n, InputSpec input) {
        int[] sample = input.sampleShape();
        int[] shape = new int[sample.length + 1];
        shape[0] = n;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    /**
     * A column for {@code input} from {@code n} samples of {@code valuesPerSample} values each, row-major; an int
     * input requires integral values.
     */
    static Tensor values(String source, InputSpec input, int n, float[] values, int valuesPerSample) {
        if (input.sampleSize() != valuesPerSample) {
            throw new UserError(source + ": model input '" + input.name() + "' takes " + input.sampleSize()
                    + " values per sample (shape " + Tensor.shapeString(input.sampleShape()) + "), the data has "
                    + valuesPerSample);
        }
        int[] shape = columnShape(n, input);
        return input.isInt()
                ? Tensor.ofInts(shape, integral(values, source + ": int input '" + input.name() + "'"))
                : Tensor.of(shape, values);
    }

    /**
     * A column for {@code input} from one target per sample: an int input takes class indices, a float input of
     * one value per sample the values themselves (0/1 for two classes), a float input of shape [K] a one-hot
     * encoding of class indices 0..K-1.
     *
     * @param classes the number of classes the targets index, or 0 when they are plain values
     */
    static Tensor targets(String source, InputSpec input, float[] targets, int classes) {
        int n = targets.length;
        int[] sample = input.sampleShape();
        String where = source + ": label input '" + input.name() + "'";
        if (input.sampleSize() == 1) {
            if (input.isInt()) return Tensor.ofInts(columnShape(n, input), integral(targets, where));
            if (classes > 2) {
                throw new UserError(where + " is float with one value per sample, but the labels index " + classes
                        + " classes: make it int, or float[" + classes + "] for one-hot labels");
            }
            return Tensor.of(columnShape(n, input), targets);
        }
        if (input.isInt() || sample.length != 1) {
            throw new UserError(where + " has shape " + Tensor.shapeString(sample)
                    + "; labels need an int input, a float input of one value, or a float[K] input for one-hot labels");
        }
        int k = sample[0];
        if (classes > 0 && classes != k) {
            throw new UserError(where + " is float[" + k + "], but the labels index " + classes + " classes");
        }
        return Tensor.of(columnShape(n, input), oneHot(targets, k, where));
    }

    /**
     * {@code values} as ints; each must be an integer in the int range, else a UserError starting with
     * {@code where} and naming the value's index.
     */
    static int[] integral(float[] values, String where) {
        int[] r = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v != Math.rint(v) || v < Integer.MIN_VALUE || v >= 0x1p31f) {
                throw new UserError(where + ": value " + v + " at index " + i + " is not an integer");
            }
            r[i] = (int) v;
        }
        return r;
    }

    private static float[] oneHot(float[] classIndices, int k, String where) {
        int[] idx = integral(classIndices, where);
        float[] r = new float[idx.length * k];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= k) {
                throw new UserError(where + ": class " + idx[i] + " at index " + i + " is outside 0.." + (k - 1));
            }
            r[i * k + idx[i]] = 1f;
        }
        return r;
    }
}
