package netc.runtime.train;

import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;

/** Accuracy of a model's prediction output against its label input, for the current batch. */
public final class Metrics {
    private Metrics() {
    }

    /** Whether the model names a prediction output and a label input, so accuracy can be measured. */
    public static boolean hasAccuracy(Model m) {
        return m.predictionOutput() != null && m.labelInput() != null;
    }

    /**
     * Whether accuracy applies to the model on {@code data}: it has a prediction and a label input, and the labels
     * are classes (int indices, 0/1 values or one-hot rows), not the real-valued targets of a regression.
     */
    public static boolean hasAccuracy(Model m, DataSet data) {
        return whyNoAccuracy(m, data) == null;
    }

    /** Why accuracy does not apply to the model on {@code data}, in a phrase; null when it does. */
    public static String whyNoAccuracy(Model m, DataSet data) {
        if (m.predictionOutput() == null) {
            return m.name() + " has no output" + (m.outputNames().length > 0 ? " that a label is compared with" : " to compare with a label")
                    + " (write the class scores as an output, e.g. output p = softmax(logits))";
        }
        if (m.labelInput() == null) return "every input of " + m.name() + " feeds its output, so none is a label";
        Tensor t = data.column(m.labelInput());
        if (t == null || t.isInt()) return null;
        float[] v = t.floats();
        int per = (int) Math.max(1, v.length / Math.max(1, (long) data.size()));
        for (int s = 0; s < data.size(); s++) {
            int ones = 0;
            for (int j = s * per; j < (s + 1) * per; j++) {
                if (v[j] == 1) ones++;
                else if (v[j] != 0) {
                    return "the targets '" + m.labelInput() + "' are real values (" + v[j] + " in sample " + s + "), not classes";
                }
            }
            if (per > 1 && ones != 1) return "the targets '" + m.labelInput() + "' of sample " + s + " are not a one-hot row";
        }
        return null;
    }

    /**
     * The number of correct predictions among the first {@code n} samples: the argmax of each output row against
     * an integer label (or a one-hot label row), or for a single-column output a 0.5 threshold against a 0/1 label.
     * A sample with several integer labels (a target per time step) counts the fraction of them predicted right.
     */
    public static double correct(Model m, int n) {
        Batch b = new Batch(m);
        int ok = 0;
        for (int r = 0; r < n * b.positions; r++) if (b.predicted(r) == b.truth(r)) ok++;
        return (double) ok / b.positions;
    }

    /** The current batch's predictions and labels, row by row (a row is a sample, or a position of one). */
    private static final class Batch {
        final float[] out;
        final Object label;
        final int labelCols, positions, cols;

        Batch(Model m) {
            out = (float[]) m.outputBuffer(m.predictionOutput());
            label = m.inputBuffer(m.labelInput());
            labelCols = m.inputSampleSize(m.labelInput());
            positions = label instanceof int[] ? labelCols : 1;
            cols = m.outputSampleSize(m.predictionOutput()) / positions;
        }

        int predicted(int r) {
            return cols == 1 ? (out[r] > 0.5f ? 1 : 0) : argmax(out, r * cols, cols);
        }

        int truth(int r) {
            if (label instanceof int[] li) return li[r];
            float[] lf = (float[]) label;
            return labelCols == 1 ? (lf[r] > 0.5f ? 1 : 0) : argmax(lf, r * labelCols, labelCols);
        }
    }

    /**
     * The number of classes the prediction output tells apart (2 for a single 0.5-threshold column), or 0 when the
     * model has no accuracy.
     */
    public static int classes(Model m) {
        if (!hasAccuracy(m)) return 0;
        int positions = m.inputBuffer(m.labelInput()) instanceof int[] ? m.inputSampleSize(m.labelInput()) : 1;
        int cols = m.outputSampleSize(m.predictionOutput()) / positions;
        return cols == 1 ? 2 : cols;
    }

    /**
     * Adds the first {@code n} samples of the current batch to {@code confusion}: row the true class, column the
     * predicted one (as {@link #correct} decides them); labels outside the classes are left out.
     */
    public static void confusion(Model m, int n, long[][] confusion) {
        Batch b = new Batch(m);
        for (int r = 0; r < n * b.positions; r++) {
            int truth = b.truth(r);
            if (truth >= 0 && truth < confusion.length) confusion[truth][b.predicted(r)]++;
        }
    }

    private static int argmax(float[] a, int off, int len) {
        int best = 0;
        for (int j = 1; j < len; j++) if (a[off + j] > a[off + best]) best = j;
        return best;
    }
}
