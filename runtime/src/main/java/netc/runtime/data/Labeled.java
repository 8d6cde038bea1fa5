package netc.runtime.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;

import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * Samples as most sources produce them: a vector of features per sample and, optionally, one target per sample.
 * Bound to a model, the features go to its first input and the targets to its second.
 *
 * @param source          names the data in error messages
 * @param features        {@code count × featuresPerSample} values, row-major
 * @param featuresPerSample values per sample
 * @param targets         one value per sample (a class index when {@code classes > 0}), or null for none
 * @param classes         the number of classes the targets index; 0 when they are plain values or absent
 */
record Labeled(String source, float[] features, int featuresPerSample, float[] targets, int classes) {

    /** The number of samples. */
    int count() {
        return featuresPerSample == 0 ? 0 : features.length / featuresPerSample;
    }

    /**
     * A data set with the features under the first input's name and the targets under the second's.
     *
     * @throws UserError if the model does not have exactly the inputs this data fills, or they do not fit it
     */
    DataSet bind(List<InputSpec> inputs) {
        requireInputs(source, inputs, targets != null);
        LinkedHashMap<String, Tensor> columns = new LinkedHashMap<>();
        columns.put(inputs.get(0).name(), Columns.values(source, inputs.get(0), count(), features, featuresPerSample));
        if (targets != null) {
            columns.put(inputs.get(1).name(), Columns.targets(source, inputs.get(1), targets, classes));
        }
        return new DataSet(source, columns);
    }

    /**
     * Checks that the model has exactly the inputs such data fills: one for the features, and a second for the
     * targets when {@code withTargets}.
     *
     * @throws UserError naming {@code source} and the model's inputs otherwise
     */
    static void requireInputs(String source, List<InputSpec> inputs, boolean withTargets) {
        int needed = withTargets ? 2 : 1;
        if (inputs.size() != needed) {
            String what = withTargets ? "2 inputs (the features, then the label)" : "1 input (the features)";
            String names = inputs.stream().map(InputSpec::name).collect(Collectors.joining(", "));
            throw new UserError(source + " fills " + what + ", but the model has " + inputs.size()
                    + (inputs.isEmpty() ? "" : ": " + names));
        }
    }
}
