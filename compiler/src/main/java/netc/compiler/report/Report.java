package netc.compiler.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Dot;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Layers;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.io.AtomicFile;
import netc.runtime.train.Trainer;

/**
 * The HTML report of a training run ({@code netc train --report FILE.html}): one self-contained page with the run's
 * settings and final figures, the loss and accuracy per epoch and the loss per step as inline SVG charts, the
 * parameters, the model's graph (SVG from Graphviz when it is installed, else its DOT text) and the model's source.
 * It records the run as a {@link Trainer.Listener} wrapped around another, and is written atomically when the run
 * ends, whether it finished or stopped (a diverging loss, a failed checkpoint).
 */
public final class Report {
    /** Curve colours: training in blue, test in red (the first two of matplotlib's palette). */
    public static final String TRAIN_COLOR = "#1f77b4", TEST_COLOR = "#d62728", VALIDATION_COLOR = "#2ca02c";
    /** At most this many points of the per-step loss are drawn; more are averaged in buckets. */
    private static final int MAX_STEP_POINTS = 600;

    private final Path file;
    private final Graph forward;
    private final String modelFile;
    private final double compileMillis;
    private final Map<String, String> setup = new LinkedHashMap<>();
    private final List<Trainer.Epoch> epochs = new ArrayList<>();
    private final List<double[]> steps = new ArrayList<>();  // {epoch position, loss}
    private final long startNanos = System.nanoTime();
    private final String started = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));

    public Report(Path file, Path modelFile, NetCompiler.Compiled c, Model m, Trainer.Options o,
                  String trainSource, DataSet train, String testSource, DataSet test) {
        this.file = file;
        this.forward = c.forward();
        this.modelFile = modelFile.toString();
        this.compileMillis = c.compileMillis();
        setup.put("training data", trainSource + " (" + String.format("%,d", train.size()) + " samples)");
        setup.put("test data", test == null ? "none" : testSource + " (" + String.format("%,d", test.size()) + " samples)");
        setup.put("optimizer", forward.train().optimizer() + ", learning rate "
                + fmt(o.lr() != null ? o.lr() : m.optimizer().learningRate()) + schedule(forward.train().schedule()));
        setup.put("batch", String.valueOf(o.batch()));
        setup.put("epochs", o.epochs() + (o.firstEpoch() > 1 ? " (resumed after epoch " + (o.firstEpoch() - 1) + ")" : ""));
        setup.put("shuffle", o.shuffle() + ", seed " + o.seed());
        setup.put("compile time", String.format(Locale.ROOT, "%.0f ms", compileMillis));
    }

    private static String schedule(String name) {
        return name == null || name.equals("constant") ? "" : ", schedule " + name;
    }

    /** A listener that passes every event on to {@code inner} and records the figures for the report. */
    public Trainer.Listener around(Trainer.Listener inner) {
        return new Trainer.Listener() {
            private int epoch, batches;

            @Override
            public void epochStart(int epoch, int total, int batches) {
                this.epoch = epoch;
                this.batches = Math.max(1, batches);
                inner.epochStart(epoch, total, batches);
            }

            @Override
            public void batchDone(int batch, double loss, int samples) {
                steps.add(new double[] {epoch - 1 + (double) batch / batches, loss});
                inner.batchDone(batch, loss, samples);
            }

            @Override
            public void epochEnd(Trainer.Epoch e) {
                epochs.add(e);
                inner.epochEnd(e);
            }
        };
    }

    /** Writes the report of a run that finished. */
    public void finished(Trainer.Result r) {
        write(null, r.samplesPerSecond());
    }

    /** Writes the report of a run that stopped early, with the reason. */
    public void stopped(String why) {
        long samples = 0;
        double seconds = 0;
        for (Trainer.Epoch e : epochs) {
            samples += e.samples();
            seconds += e.trainSeconds();
        }
        write(why, seconds > 0 ? samples / seconds : Double.NaN);
    }

    private void write(String stoppedBecause, double samplesPerSecond) {
        String html = html(stoppedBecause, samplesPerSecond);
        AtomicFile.write(file, html.getBytes(StandardCharsets.UTF_8));
    }


    String html(String stoppedBecause, double samplesPerSecond) {
        Trainer.Epoch last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        String name = Html.escape(forward.name());
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(name)
                .append(" training report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(name).append(" <span class=\"light\">training report</span></h1>\n");
        sb.append("<p class=\"light\">").append(Html.escape(modelFile)).append(" · started ").append(started)
                .append(" · netc train</p>\n");
        if (stoppedBecause != null) {
            sb.append("<div class=\"status stopped\"><b>Training stopped after ").append(epochs.size()).append(" finished epoch")
                    .append(epochs.size() == 1 ? "" : "s").append(".</b> ").append(Html.escape(stoppedBecause)).append("</div>\n");
        } else {
            sb.append("<div class=\"status done\"><b>Training finished:</b> ").append(epochs.size()).append(" epoch")
                    .append(epochs.size() == 1 ? "" : "s").append(".</div>\n");
        }
        cards(sb, last, samplesPerSecond);
        sb.append("<div class=\"row\">\n").append(card(epochChart(true))).append(card(epochChart(false))).append("</div>\n");
        sb.append("<div class=\"row\">\n").append(card(stepChart())).append("<div class=\"box\"><h2>Settings</h2>\n<table>\n");
        setup.forEach((k, v) -> sb.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(v)).append("</td></tr>\n"));
        sb.append("</table></div>\n</div>\n");
        if (last != null && last.test() != null && last.test().confusion() != null) confusion(sb, last.test());
        summary(sb);
        graph(sb);
        epochTable(sb);
        sb.append("<h2>Source</h2>\n<details><summary>").append(Html.escape(modelFile)).append("</summary>\n<pre>");
        sb.append(Html.escape(String.join("\n", forward.source().lines()))).append("</pre></details>\n");
        return sb.append("</body>\n</html>\n").toString();
    }

    private void cards(StringBuilder sb, Trainer.Epoch last, double samplesPerSecond) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        sb.append("<div class=\"cards\">\n");
        if (last != null) {
            metric(sb, "train loss", fmt(last.trainLoss()));
            if (!Double.isNaN(last.trainAccuracy())) metric(sb, "train accuracy", percent(last.trainAccuracy()));
            if (last.validation() != null) {
                metric(sb, "val_loss", fmt(last.validation().loss()));
                if (!Double.isNaN(last.validation().accuracy())) metric(sb, "val_accuracy", percent(last.validation().accuracy()));
            }
            if (last.test() != null) {
                metric(sb, "test loss", fmt(last.test().loss()));
                if (!Double.isNaN(last.test().accuracy())) metric(sb, "test accuracy", percent(last.test().accuracy()));
            }
        }
        metric(sb, "time", String.format(Locale.ROOT, "%.1f s", seconds));
        if (Double.isFinite(samplesPerSecond)) metric(sb, "samples/s", String.format("%,.0f", samplesPerSecond));
        sb.append("</div>\n");
    }

    private static void metric(StringBuilder sb, String label, String value) {
        sb.append("<div class=\"card\"><div class=\"value\">").append(Html.escape(value)).append("</div><div class=\"light\">")
                .append(Html.escape(label)).append("</div></div>\n");
    }

    private static String card(String svg) {
        return "<div class=\"box\">" + svg + "</div>\n";
    }

    /**
     * Loss (or accuracy, in %) per epoch: training, validation and test. After a single epoch the axis runs from 0 to
     * 1 and the training loss is drawn step by step, so that one epoch is a curve, not a lone dot.
     */
    private String epochChart(boolean loss) {
        int n = epochs.size();
        double[] x = new double[n], train = new double[n], val = new double[n], test = new double[n];
        boolean hasTest = false, hasValidation = false;
        for (int i = 0; i < n; i++) {
            Trainer.Epoch e = epochs.get(i);
            x[i] = e.epoch();
            train[i] = loss ? e.trainLoss() : 100 * e.trainAccuracy();
            val[i] = e.validation() == null ? Double.NaN : loss ? e.validation().loss() : 100 * e.validation().accuracy();
            test[i] = e.test() == null ? Double.NaN : loss ? e.test().loss() : 100 * e.test().accuracy();
            hasTest |= e.test() != null;
            hasValidation |= e.validation() != null;
        }
        boolean one = n == 1 && epochs.get(0).epoch() == 1;
        LineChart c = new LineChart(loss ? "Loss per epoch" : "Accuracy per epoch", "epoch", loss ? "loss" : "accuracy (%)").integerX();
        if (one) c.xFrom(0);
        if (one && loss && !steps.isEmpty()) {
            double[][] s = stepSeries();
            c.add("train (per step)", TRAIN_COLOR, s[0], s[1]);
        } else {
            c.add("train", TRAIN_COLOR, x, train);
        }
        if (hasValidation) c.add("validation", VALIDATION_COLOR, x, val);
        if (hasTest) c.add("test", TEST_COLOR, x, test);
        if (!c.hasData()) {
            return "<div class=\"empty\">" + (loss ? "No finished epoch yet." : "No accuracy: the model has no class output and label input.") + "</div>";
        }
        return c.svg(520, 280);
    }

    /** The training loss of every step (batch), averaged in buckets when there are many. */
    private String stepChart() {
        int per = stepsPerPoint();
        double[][] s = stepSeries();
        LineChart c = new LineChart(per == 1 ? "Training loss per step" : "Training loss per step (mean of " + per + ")", "epoch", "loss");
        c.add("train", TRAIN_COLOR, s[0], s[1]);
        return c.hasData() ? c.svg(520, 280) : "<div class=\"empty\">No step finished.</div>";
    }

    private int stepsPerPoint() {
        return Math.max(1, (steps.size() + MAX_STEP_POINTS - 1) / MAX_STEP_POINTS);
    }

    /** The steps' positions (in epochs) and training losses, the mean of {@link #stepsPerPoint} steps per point. */
    private double[][] stepSeries() {
        int n = steps.size(), per = stepsPerPoint(), m = (n + per - 1) / per;
        double[] x = new double[m], y = new double[m];
        for (int i = 0; i < m; i++) {
            int from = i * per, to = Math.min(n, from + per);
            double s = 0;
            for (int k = from; k < to; k++) s += steps.get(k)[1];
            x[i] = steps.get(to - 1)[0];
            y[i] = s / (to - from);
        }
        return new double[][] {x, y};
    }

    /**
     * The last epoch's test predictions by class: each class's accuracy, and the confusion matrix with each cell shaded
     * by its share of the true class's samples (right on the diagonal in green, wrong elsewhere in red).
     */
    private static void confusion(StringBuilder sb, Trainer.Evaluation test) {
        long[][] cm = test.confusion();
        double[] per = test.perClassAccuracy();
        sb.append("<h2>Classes</h2>\n<div class=\"box\"><p class=\"light\">Test samples by true class (rows) and predicted class "
                + "(columns), after the last epoch.</p>\n<table class=\"confusion\">\n<tr><th>true \\ predicted</th>");
        for (int k = 0; k < cm.length; k++) sb.append("<th class=\"num\">").append(k).append("</th>");
        sb.append("<th class=\"num\">accuracy</th></tr>\n");
        for (int t = 0; t < cm.length; t++) {
            long all = 0;
            for (long v : cm[t]) all += v;
            sb.append("<tr><th>").append(t).append("</th>");
            for (int p = 0; p < cm.length; p++) {
                double share = all == 0 ? 0 : (double) cm[t][p] / all;
                String color = p == t ? "44, 160, 44" : "214, 39, 40";
                sb.append("<td class=\"num\" style=\"background: rgba(").append(color).append(", ")
                        .append(String.format(Locale.ROOT, "%.2f", cm[t][p] == 0 ? 0 : 0.08 + 0.6 * share)).append(")\">")
                        .append(cm[t][p]).append("</td>");
            }
            sb.append("<td class=\"num\">").append(Double.isNaN(per[t]) ? "" : percent(per[t])).append("</td></tr>\n");
        }
        sb.append("</table></div>\n");
    }

    /** Inputs, parameters and outputs with their shapes. */
    private void summary(StringBuilder sb) {
        sb.append("<h2>Model</h2>\n<div class=\"row\">\n<div class=\"box\"><table>\n<tr><th>input</th><th>type</th></tr>\n");
        for (Node in : forward.inputs()) row(sb, in.attrs().s("name"), in.type().toString());
        sb.append("<tr><th>output</th><th>type</th></tr>\n");
        forward.outputs().forEach((k, v) -> row(sb, k, v.type().toString()));
        if (forward.loss() != null) row(sb, "loss", forward.loss().type().toString());
        sb.append("</table></div>\n<div class=\"box\"><table>\n<tr><th>parameter</th><th>shape</th><th class=\"num\">count</th><th>init</th></tr>\n");
        long trainable = 0, buffers = 0;
        for (Param p : forward.params()) {
            long count = p.node().shape().numelIfKnown();
            if (p.trainable()) trainable += count;
            else buffers += count;
            sb.append("<tr><td>").append(Html.escape(p.name())).append("</td><td>").append(Html.escape(p.node().shape().toString()))
                    .append("</td><td class=\"num\">").append(String.format("%,d", count)).append("</td><td>")
                    .append(Html.escape(p.trainable() ? p.init() : p.init() + ", not trained")).append("</td></tr>\n");
        }
        sb.append("<tr><th>trainable</th><td></td><th class=\"num\">").append(String.format("%,d", trainable)).append("</th><td></td></tr>\n");
        if (buffers > 0) {
            sb.append("<tr><th>non-trainable</th><td>running statistics</td><th class=\"num\">").append(String.format("%,d", buffers))
                    .append("</th><td></td></tr>\n");
        }
        sb.append("</table></div>\n</div>\n");
    }

    private static void row(StringBuilder sb, String a, String b) {
        sb.append("<tr><td>").append(Html.escape(a)).append("</td><td>").append(Html.escape(b)).append("</td></tr>\n");
    }

    /**
     * The forward graph with each layer as one box, and inside a fold the graph of every op; Graphviz's SVG inline, or
     * the DOT text when Graphviz is missing or fails.
     */
    private void graph(StringBuilder sb) {
        Set<Node> all = new HashSet<>(forward.nodes());
        List<Layers.Layer> layers = Layers.of(forward);
        sb.append("<h2>Graph</h2>\n");
        if (layers.isEmpty()) {
            drawing(sb, Dot.render(forward, all));
            return;
        }
        sb.append("<p class=\"light\">Each layer is one box; the fold below shows its ops.</p>\n");
        drawing(sb, Dot.render(forward, all, layers));
        sb.append("<details><summary>Every op (layers expanded)</summary>\n");
        drawing(sb, Dot.render(forward, all));
        sb.append("</details>\n");
    }

    private static void drawing(StringBuilder sb, String dot) {
        String note;
        try {
            String svg = Graphviz.svg(dot);
            int start = svg.indexOf("<svg");
            // the drawing only: no links (the DOT text has none, and a report is a page that can be mailed)
            svg = (start < 0 ? svg : svg.substring(start)).replaceAll("(?i)</?a\\b[^>]*>", "");
            sb.append("<div class=\"graph\">").append(svg).append("</div>\n");
            return;
        } catch (Graphviz.Missing e) {
            note = "Graphviz is not installed (apt-get install graphviz), so the graph is shown as DOT text; "
                    + "<code>dot -Tsvg</code> draws it.";
        } catch (UserError e) {
            note = Html.escape(e.getMessage()) + "; the graph is shown as DOT text.";
        }
        sb.append("<p class=\"note\">").append(note).append("</p>\n<pre class=\"dot\">").append(Html.escape(dot)).append("</pre>\n");
    }

    private void epochTable(StringBuilder sb) {
        sb.append("<h2>Epochs</h2>\n<details").append(epochs.size() <= 20 ? " open" : "").append("><summary>")
                .append(epochs.size()).append(" epoch").append(epochs.size() == 1 ? "" : "s").append("</summary>\n<table>\n")
                .append("<tr><th class=\"num\">epoch</th><th class=\"num\">train loss</th><th class=\"num\">train acc.</th>")
                .append("<th class=\"num\">test loss</th><th class=\"num\">test acc.</th><th class=\"num\">seconds</th><th class=\"num\">samples/s</th></tr>\n");
        for (Trainer.Epoch e : epochs) {
            Trainer.Evaluation t = e.test();
            sb.append("<tr><td class=\"num\">").append(e.epoch()).append("</td><td class=\"num\">").append(fmt(e.trainLoss()))
                    .append("</td><td class=\"num\">").append(Double.isNaN(e.trainAccuracy()) ? "" : percent(e.trainAccuracy()))
                    .append("</td><td class=\"num\">").append(t == null ? "" : fmt(t.loss()))
                    .append("</td><td class=\"num\">").append(t == null || Double.isNaN(t.accuracy()) ? "" : percent(t.accuracy()))
                    .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.2f", e.trainSeconds()))
                    .append("</td><td class=\"num\">").append(String.format("%,.0f", e.samples() / Math.max(e.trainSeconds(), 1e-9)))
                    .append("</td></tr>\n");
        }
        sb.append("</table></details>\n");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v == 0 || !Double.isFinite(v) || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6) ? "%.4f" : "%.3e", v);
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static final String CSS = """
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 20px 28px; color: #222; background: #f6f7f9; }
            h1 { font-size: 24px; margin: 0 0 2px; }
            h2 { font-size: 16px; margin: 22px 0 8px; }
            .light { color: #777; font-weight: normal; }
            .status { padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
            .done { background: #e6f4ea; border: 1px solid #b7dfc1; }
            .stopped { background: #fdecea; border: 1px solid #f5b7b1; }
            .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
            .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
            .card .value { font-size: 20px; font-weight: bold; }
            .row { display: flex; flex-wrap: wrap; gap: 14px; margin-bottom: 14px; align-items: flex-start; }
            .box { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
            .box h2 { margin: 4px 6px 8px; }
            .empty { width: 520px; height: 120px; display: flex; align-items: center; justify-content: center; color: #777; }
            table { border-collapse: collapse; font-size: 13px; }
            th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #eee; }
            .num { text-align: right; font-variant-numeric: tabular-nums; }
            .graph { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; overflow: auto; max-height: 900px; }
            .graph svg { max-width: 100%; height: auto; }
            pre { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; overflow: auto; font-size: 12px; }
            .note { color: #8a5300; }
            details summary { cursor: pointer; margin-bottom: 6px; }
            """;
}
