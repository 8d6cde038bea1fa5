package netc.runtime.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;

/**
 * A safetensors file as a data source: one tensor per model input, named after it and shaped
 * {@code [n, ...sampleShape]} (or any shape whose trailing dimensions hold one sample's values). Other tensors are
 * ignored. The file has no separate test split.
 */
final class SafetensorsSource {
    private SafetensorsSource() {
    }

    static DataSet load(Path file, List<InputSpec> inputs) {
        String f = file.toString();
        Map<String, Tensor> tensors = Safetensors.read(file);
        List<String> missing = inputs.stream().map(InputSpec::name).filter(n -> !tensors.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new UserError(f + ": no tensor for model input" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + "; the file has: "
                    + (tensors.isEmpty() ? "no tensors" : String.join(", ", tensors.keySet())));
        }
        LinkedHashMap<String, Tensor> columns = new LinkedHashMap<>();
        for (InputSpec in : inputs) columns.put(in.name(), column(f, in, tensors.get(in.name())));
        return new DataSet(f, columns);
    }

    /** {@code t} reshaped to {@code [n, ...sampleShape]} and converted to the input's kind. */
    private static Tensor column(String f, InputSpec in, Tensor t) {
        int[] s = t.shape();
        long trailing = 1;
        for (int i = 1; i < s.length; i++) trailing *= s[i];
        if (s.length == 0 || trailing != in.sampleSize()) {
            throw new UserError(f + ": tensor '" + in.name() + "' has shape " + Tensor.shapeString(s) + ", model input '"
                    + in.name() + "' needs [n" + Arrays.stream(in.sampleShape()).mapToObj(d -> ", " + d)
                    .collect(Collectors.joining()) + "]");
        }
        int[] shape = Columns.columnShape(s[0], in);
        String bad = t.firstNonFinite();
        if (bad != null) throw new UserError(f + ": tensor '" + in.name() + "' holds " + bad + "; data must be finite numbers");
        if (!in.isInt()) return Tensor.of(shape, t.floats());
        int[] ints = t.isInt() ? t.ints() : Columns.integral(t.floats(), f + ": tensor '" + in.name() + "' for int input");
        return Tensor.ofInts(shape, ints);
    }
}
