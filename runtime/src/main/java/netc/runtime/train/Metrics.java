package netc.runtime.train;

import netc.runtime.Model;

/** Accuracy of a model's prediction output against its label input, for the current batch. */
public final class Metrics {
    private Metrics() {
    }

    /** Whether the model names a prediction output and a label input, so accuracy can be measured. */
    public static boolean hasAccuracy(Model m) {
        return m.predictionOutput() != null && m.labelInput() != null;
    }

    /**
     * The number of correct predictions among the first {@code n} samples: the argmax of each output row against
     * an integer label (or a one-hot label row), or for a single-column output a 0.5 threshold against a 0/1 label.
     * A sample with several integer labels (a target per time step) counts the fraction of them predicted right.
     */
    public static double correct(Model m, int n) {
        float[] out = (float[]) m.outputBuffer(m.predictionOutput());
        Object label = m.inputBuffer(m.labelInput());
        int labelCols = m.inputSampleSize(m.labelInput());
        int positions = label instanceof int[] ? labelCols : 1;
        int cols = m.outputSampleSize(m.predictionOutput()) / positions;
        int rows = n * positions;
        int ok = 0;
        for (int r = 0; r < rows; r++) {
            int predicted = cols == 1 ? (out[r] > 0.5f ? 1 : 0) : argmax(out, r * cols, cols);
            int truth;
            if (label instanceof int[] li) {
                truth = li[r];
            } else {
                float[] lf = (float[]) label;
                truth = labelCols == 1 ? (lf[r] > 0.5f ? 1 : 0) : argmax(lf, r * labelCols, labelCols);
            }
            if (predicted == truth) ok++;
        }
        return (double) ok / positions;
    }

    private static int argmax(float[] a, int off, int len) {
        int best = 0;
        for (int j = 1; j < len; j++) if (a[off + j] > a[off + best]) best = j;
        return best;
    }
}
