package netc.compiler.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Renames (and transposes) the tensors of a weight file, e.g. a PyTorch state dict for a model whose explicit
 * parameters have other names and the {@code [in, out]} layout: {@code --map fc1.weight=W1^T}.
 */
@Command(mixinStandardHelpOptions = true, name = "convert",
        description = "Rename and transpose the tensors of a safetensors weight file, e.g. a PyTorch state dict for a model with explicit params.")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.safetensors")
    Path in;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.safetensors", description = "where to write the converted tensors")
    Path out;

    @Option(names = "--map", split = ",", paramLabel = "SRC=DST[^T]",
            description = "write tensor SRC as DST; with ^T transposed (2-D tensors). Unmapped tensors keep their names.")
    List<String> maps = new ArrayList<>();

    @Option(names = "--model", paramLabel = "MODEL.net", description = "check that the result holds exactly this model's parameters with their shapes")
    Path model;

    @Spec
    CommandSpec spec;

    /** One {@code --map}: the source name, the new name, and whether to transpose. */
    record Rename(String from, String to, boolean transpose) {
        static Rename parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1 || spec.indexOf('=', eq + 1) >= 0) {
                throw new UserError("--map " + spec + ": expected SRC=DST or SRC=DST^T, e.g. fc1.weight=W1^T");
            }
            String to = spec.substring(eq + 1);
            boolean t = to.endsWith("^T");
            if (t) to = to.substring(0, to.length() - 2);
            if (to.isEmpty()) throw new UserError("--map " + spec + ": the new name is empty");
            return new Rename(spec.substring(0, eq), to, t);
        }
    }

    @Override
    public Integer call() {
        Map<String, Tensor> src = Safetensors.read(Common.existingFile(in, "weights file"));
        Map<String, Rename> renames = new LinkedHashMap<>();
        for (String m : maps) {
            Rename r = Rename.parse(m);
            if (!src.containsKey(r.from())) {
                throw new UserError("--map " + m + ": " + in + " has no tensor '" + r.from() + "'; it has " + String.join(", ", src.keySet()));
            }
            if (renames.put(r.from(), r) != null) throw new UserError("--map " + m + ": '" + r.from() + "' is mapped twice");
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : src.entrySet()) {
            Rename r = renames.get(e.getKey());
            String name = r == null ? e.getKey() : r.to();
            Tensor t = r != null && r.transpose() ? transpose(e.getValue(), e.getKey()) : e.getValue();
            if (result.put(name, t) != null) throw new UserError("--map: two tensors would be named '" + name + "'");
        }
        if (model != null) NetCompiler.compile(Common.existingFile(model, "model file")).newModel().loadState(result, out.toString());
        Safetensors.write(out, result);
        spec.commandLine().getOut().printf("wrote %d tensors to %s%s%n", result.size(), out,
                model != null ? " (the parameters of " + model.getFileName() + ")" : "");
        return 0;
    }

    /** A 2-D tensor's transpose. */
    static Tensor transpose(Tensor t, String name) {
        if (t.rank() != 2) throw new UserError("--map " + name + "=...^T: only 2-D tensors transpose, '" + name + "' has shape " + Tensor.shapeString(t.shape()));
        int rows = t.dim(0), cols = t.dim(1);
        int[] shape = {cols, rows};
        if (t.isInt()) {
            int[] a = t.ints(), b = new int[a.length];
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) b[j * rows + i] = a[i * cols + j];
            return Tensor.ofInts(shape, b);
        }
        float[] a = t.floats(), b = new float[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) b[j * rows + i] = a[i * cols + j];
        return Tensor.of(shape, b);
    }
}
