package netc.compiler.cli;

import java.util.Map;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ops.Ops;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * The ranges a model's data must keep, and the check of data against them, so that a value out of range is reported
 * with its data source and sample rather than by the kernel in the middle of a run, or not at all: int inputs used as
 * indices, class labels (for {@code one_hot} and the losses built on it) or rows of an embedding table, and the
 * targets of binary cross-entropy, probabilities in [0, 1].
 */
final class DataRanges {
    private DataRanges() {
    }

    /** The smallest range an int input indexes directly: its size and whether it counts classes or table rows. */
    private record Range(int size, boolean classes) {
    }

    /** The number of values int input {@code input} may take (0..n-1) where it indexes directly; 0 if it indexes nothing. */
    static int of(Graph g, String input) {
        Range r = range(g, input);
        return r == null ? 0 : r.size();
    }

    private static Range range(Graph g, String input) {
        Range best = null;
        for (Node n : g.nodes()) {
            for (int k = 0; k < n.inputs().size(); k++) {
                Node in = n.input(k);
                if (in.op() != Ops.INPUT || !input.equals(in.attrs().s("name"))) continue;
                Range r = n.op() == Ops.ONE_HOT ? new Range(n.attrs().i("classes"), true)
                        : n.op() == Ops.GATHER && k == 1 ? new Range(n.input(0).shape().dim(0).size(), false) : null;
                if (r != null && (best == null || r.size() < best.size())) best = r;
            }
        }
        return best;
    }

    /** Whether float input {@code input} is the target of a binary cross-entropy, whose values are probabilities. */
    private static boolean probabilityTarget(Graph g, String input) {
        for (Node n : g.nodes()) {
            if (n.op() == Ops.BCE_LOGITS && n.input(1).op() == Ops.INPUT && input.equals(n.input(1).attrs().s("name"))) return true;
        }
        return false;
    }

    /**
     * Checks the columns named after index inputs and probability targets: a value outside the input's range is a
     * {@link UserError} naming {@code source}, the input, the sample (0-based) and the value.
     */
    static void check(Graph g, String source, Map<String, Tensor> columns) {
        for (Node input : g.inputs()) {
            String name = input.attrs().s("name");
            Tensor t = columns.get(name);
            if (t == null || t.isInt() || t.size() == 0 || !probabilityTarget(g, name)) continue;
            float[] v = t.floats();
            int perSample = t.rank() == 0 ? v.length : v.length / Math.max(1, t.dim(0));
            for (int i = 0; i < v.length; i++) {
                if (v[i] >= 0 && v[i] <= 1) continue;
                throw new UserError(source + ": input '" + name + "': sample " + i / Math.max(1, perSample) + " holds " + v[i]
                        + ", but it is the target of a binary cross-entropy: a probability from 0 to 1");
            }
        }
        checkIndices(g, source, columns);
    }

    private static void checkIndices(Graph g, String source, Map<String, Tensor> columns) {
        for (Node input : g.inputs()) {
            String name = input.attrs().s("name");
            Tensor t = columns.get(name);
            Range r = t == null ? null : range(g, name);
            if (r == null || t.size() == 0) continue;
            int[] v = t.ints();
            int perSample = t.rank() == 0 ? v.length : v.length / Math.max(1, t.dim(0));
            for (int i = 0; i < v.length; i++) {
                if (v[i] >= 0 && v[i] < r.size()) continue;
                throw new UserError(source + ": input '" + name + "': sample " + i / Math.max(1, perSample) + " holds "
                        + (r.classes() ? "class " : "index ") + v[i] + ", but the model has " + r.size()
                        + (r.classes() ? " classes" : " embedding rows") + " (0.." + (r.size() - 1) + ")");
            }
        }
    }
}
