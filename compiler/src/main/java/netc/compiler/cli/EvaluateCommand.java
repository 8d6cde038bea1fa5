package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.ir.TrainConfig;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Keras' {@code model.evaluate()} for saved weights: the loss, the accuracy, and for classifiers per class and the confusion matrix. */
@Command(mixinStandardHelpOptions = true, name = "evaluate",
        description = "Loss and accuracy of saved weights on labelled data; for classifiers the accuracy of each class and the confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "W.safetensors", description = "the weights to evaluate (netc train --save)")
    Path weights;

    @Option(names = "--data", paramLabel = "SRC", description = "labelled data (default: the train block's test, or the test split of its data)")
    String data;

    @Option(names = "--batch", paramLabel = "N", description = "samples per forward pass (default: the train block's batch)")
    Integer batch;

    @Option(names = "--json", description = "end with one JSON line of figures")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (batch != null && batch < 1) throw new UserError("--batch must be at least 1, got " + batch);
        NetCompiler.Compiled c = NetCompiler.compile(Common.existingFile(model, "model file"));
        TrainConfig cfg = c.forward().train();
        Path modelDir = model.toAbsolutePath().getParent();
        String src = data != null ? data : cfg.test() != null ? DataPaths.relativeTo(cfg.test(), modelDir)
                : cfg.data() != null ? TrainCommand.defaultTest(DataPaths.relativeTo(cfg.data(), modelDir)) : null;
        if (src == null) throw new UserError(model + ": no test data; pass --data SRC or set test = \"...\" in the train block");
        int b = batch != null ? batch : cfg.batch();
        HeapCheck.require(model, c, b, false);
        Model m = c.newModel();
        if (!m.hasLoss()) throw new UserError(model + ": " + m.name() + " has no loss to evaluate; add 'loss = ...'");
        m.loadWeights(Common.existingFile(weights, "weights file"));
        Common.bindDims(model, m, cfg);
        DataSet d = DataSources.load(src, m.inputs(), true);
        DataRanges.check(c.forward(), src, d.columns());
        Trainer.Evaluation e = Trainer.evaluate(m, d, b);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s on %s: %s samples%n", m.name(), src, Common.thousands(e.samples()));
        out.printf("loss %.4f%s%n", e.loss(), Double.isNaN(e.accuracy()) ? "" : String.format(", accuracy %.2f%%", 100 * e.accuracy()));
        if (e.confusion() != null) printClasses(out, e);
        if (json) out.println(Common.jsonLine(figures(e)));
        return 0;
    }

    /** The accuracy of each class and the confusion matrix, as text. */
    static void printClasses(PrintWriter out, Trainer.Evaluation e) {
        long[][] cm = e.confusion();
        double[] per = e.perClassAccuracy();
        out.printf("%-6s %9s %9s%n", "class", "accuracy", "samples");
        for (int k = 0; k < cm.length; k++) {
            long all = 0;
            for (long v : cm[k]) all += v;
            out.printf("%-6d %9s %9s%n", k, Double.isNaN(per[k]) ? "-" : String.format("%.2f%%", 100 * per[k]), Common.thousands(all));
        }
        long most = 1;
        for (long[] row : cm) for (long v : row) most = Math.max(most, v);
        int w = Math.max(3, Long.toString(most).length() + 1);
        out.println("confusion matrix (rows: true class, columns: predicted class)");
        StringBuilder head = new StringBuilder(String.format("%-6s", ""));
        for (int k = 0; k < cm.length; k++) head.append(String.format("%" + w + "d", k));
        out.println(head);
        for (int k = 0; k < cm.length; k++) {
            StringBuilder row = new StringBuilder(String.format("%-6d", k));
            for (long v : cm[k]) row.append(String.format("%" + w + "d", v));
            out.println(row);
        }
    }

    /** The JSON figures of an evaluation: loss, accuracy, per-class accuracy and the confusion matrix. */
    static Map<String, Object> figures(Trainer.Evaluation e) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("samples", e.samples());
        j.put("loss", e.loss());
        if (!Double.isNaN(e.accuracy())) j.put("accuracy", e.accuracy());
        if (e.confusion() != null) {
            java.util.List<Double> per = new java.util.ArrayList<>();
            for (double a : e.perClassAccuracy()) per.add(Double.isNaN(a) ? null : a);  // a class with no sample
            j.put("per_class_accuracy", per);
            j.put("confusion", e.confusion());
        }
        return j;
    }
}
