package netc.compiler.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.io.AtomicFile;
import netc.runtime.io.Safetensors;
import netc.runtime.train.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Keras' {@code model.predict()} for data without labels: per sample, the likeliest class and its probability (or the
 * {@code --top K}) for a classifier, the output's values otherwise; on standard output, or into a CSV or safetensors
 * file.
 */
@Command(mixinStandardHelpOptions = true, name = "predict",
        description = "Predictions of saved weights for data without labels: csv:FILE, FILE.safetensors, an IDX images file, or PNG/JPEG images (a file, a folder or a comma-separated list).")
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "W.safetensors", description = "the weights (netc train --save)")
    Path weights;

    @Option(names = "--data", required = true, paramLabel = "SRC", description = "the samples: csv:FILE (features only), FILE.safetensors, IMAGES-idx3-ubyte[.gz], or PNG/JPEG images: FILE, FOLDER or FILE,FILE,...")
    String data;

    @Option(names = "--out", paramLabel = "FILE.csv|FILE.safetensors", description = "write the predictions here instead of standard output (safetensors: every output, whole)")
    Path out;

    @Option(names = "--top", paramLabel = "K", defaultValue = "1", description = "the K likeliest classes of each sample (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "256", description = "samples per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (top < 1) throw new UserError("--top must be at least 1, got " + top);
        if (batch < 1) throw new UserError("--batch must be at least 1, got " + batch);
        if (out != null) {
            String name = out.getFileName().toString();
            if (!name.endsWith(".csv") && !name.endsWith(".safetensors")) throw new UserError("--out " + out + ": write a .csv or .safetensors file");
            Common.outputFile(out, "--out");
        }
        NetCompiler.Compiled c = NetCompiler.compile(Common.existingFile(model, "model file"));
        HeapCheck.require(model, c, Math.min(batch, 1024), false);
        Model m = c.newModel();
        m.loadWeights(Common.existingFile(weights, "weights file"));
        Common.bindDims(model, m, c.forward().train());
        List<InputSpec> needed = m.predictionInputs();
        DataSet d = DataSources.loadFeatures(data, needed);
        Common.requireFinite(data, d.columns(), "input");
        DataRanges.check(c.forward(), data, d.columns());

        // every output of every sample, batch by batch
        int n = d.size();
        Map<String, float[]> outputs = new LinkedHashMap<>();
        for (String o : m.outputNames()) outputs.put(o, new float[Math.multiplyExact(n, m.outputSampleSize(o))]);
        for (int from = 0; from < n; from += batch) {
            int rows = Math.min(batch, n - from);
            Map<String, Tensor> got = m.predict(d.rows(from, rows).columns());
            for (String o : m.outputNames()) {
                int per = m.outputSampleSize(o);
                System.arraycopy(got.get(o).floats(), 0, outputs.get(o), from * per, rows * per);
            }
        }
        if (out != null && out.getFileName().toString().endsWith(".safetensors")) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (String o : m.outputNames()) t.put(o, Tensor.of(new int[] {n, m.outputSampleSize(o)}, outputs.get(o)));
            Safetensors.write(out, t);
            spec.commandLine().getOut().printf("wrote the predictions of %s samples to %s%n", Common.thousands(n), out);
            return 0;
        }
        String o = m.predictionOutput() != null ? m.predictionOutput() : m.outputNames()[0];
        boolean classes = Metrics.hasAccuracy(m);
        if (out == null) {
            write(spec.commandLine().getOut(), outputs.get(o), m.outputSampleSize(o), n, classes, false);
            return 0;
        }
        // the CSV text, then written beside its target and moved over it: a failure leaves no torn file
        java.io.StringWriter text = new java.io.StringWriter();
        write(new PrintWriter(text), outputs.get(o), m.outputSampleSize(o), n, classes, true);
        AtomicFile.write(out, text.toString().getBytes(StandardCharsets.UTF_8));
        spec.commandLine().getOut().printf("wrote the predictions of %s samples to %s%n", Common.thousands(n), out);
        return 0;
    }

    /**
     * One line per sample: for a classifier the {@code top} likeliest classes with their probabilities (or scores, when
     * the output is not a probability), a single column read as the probability of class 1; else the output's values.
     */
    private void write(PrintWriter p, float[] values, int per, int n, boolean classes, boolean csv) {
        boolean probabilities = true;
        for (float v : values) probabilities &= v >= 0 && v <= 1;
        String what = probabilities ? "probability" : "score";
        int k = per == 1 ? 1 : Math.min(top, per);
        if (csv) {
            StringBuilder head = new StringBuilder("sample");
            if (classes) {
                for (int i = 1; i <= k; i++) head.append(k == 1 ? ",class," + what : ",class" + i + "," + what + i);
            } else {
                for (int j = 0; j < per; j++) head.append(",output").append(j);
            }
            p.println(head);
        }
        for (int s = 0; s < n; s++) {
            StringBuilder line = new StringBuilder(csv ? Integer.toString(s) : s + ":");
            if (classes && per == 1) {
                float v = values[s];
                line.append(csv ? String.format(",%d,%.6g", v > 0.5f ? 1 : 0, v) : String.format(" class %d (%s %.4f of class 1)", v > 0.5f ? 1 : 0, what, v));
            } else if (classes) {
                int[] best = topK(values, s * per, per, k);
                for (int i = 0; i < k; i++) {
                    float v = values[s * per + best[i]];
                    line.append(csv ? String.format(",%d,%.6g", best[i], v)
                            : String.format("%s class %d (%s %.4f)", i == 0 ? "" : ",", best[i], what, v));
                }
            } else {
                for (int j = 0; j < per; j++) line.append(csv ? "," : " ").append(String.format("%.6g", values[s * per + j]));
            }
            p.println(line);
        }
    }

    /** The indices of the k largest of {@code per} values from {@code at}, largest first. */
    private static int[] topK(float[] v, int at, int per, int k) {
        int[] best = new int[k];
        java.util.Arrays.fill(best, -1);
        for (int j = 0; j < per; j++) {
            for (int i = 0; i < k; i++) {
                if (best[i] < 0 || v[at + j] > v[at + best[i]]) {
                    System.arraycopy(best, i, best, i + 1, k - i - 1);
                    best[i] = j;
                    break;
                }
            }
        }
        return best;
    }
}
