package netc.compiler.cli;

import java.util.Map;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
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

    /**
     * The values an int input may take where it indexes, {@code low .. low + size - 1}: 0..n-1 used directly, shifted
     * where the index is the input plus or minus a whole number ({@code one_hot(y - 1, 3)} takes labels 1..3).
     */
    record Range(int low, int size, boolean classes) {
        int high() {
            return low + size - 1;
        }
    }

    /** The narrowest range among the ops that use int input {@code input} as an index, or null when none does. */
    static Range of(Graph g, String input) {
        Range best = null;
        for (Node n : g.nodes()) {
            for (int k = 0; k < n.inputs().size(); k++) {
                Integer shift = shift(g, n.input(k), input);
                Op.Index r = shift == null ? null : n.op().index(n, k);
                if (r != null && (best == null || r.size() < best.size())) best = new Range(-shift, r.size(), r.classes());
            }
        }
        return best;
    }

    /** What {@code n} adds to input {@code input}: 0 for the input itself, c for {@code input + c}, −c for {@code input − c}; else null. */
    private static Integer shift(Graph g, Node n, String input) {
        if (isInput(g, n, input)) return 0;
        boolean add = n.is(Ops.ADD), sub = n.is(Ops.SUB);
        if (!(add || sub) || !isInput(g, n.input(0), input) || !n.input(1).op().isConstant() || !n.input(1).attrs().has("int")) return null;
        int c = (int) n.input(1).attrs().d("value");
        return add ? c : -c;
    }

    /** Whether float input {@code input} is the target of a binary cross-entropy, whose values are probabilities. */
    private static boolean probabilityTarget(Graph g, String input) {
        for (Node n : g.nodes()) {
            for (int k = 0; k < n.inputs().size(); k++) {
                if (isInput(g, n.input(k), input) && n.op().takesProbability(n, k)) return true;
            }
        }
        return false;
    }

    private static boolean isInput(Graph g, Node n, String name) {
        return g.inputs().contains(n) && name.equals(n.attrs().s("name"));
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
            Range r = t == null ? null : of(g, name);
            if (r == null || t.size() == 0) continue;
            int[] v = t.ints();
            int perSample = t.rank() == 0 ? v.length : v.length / Math.max(1, t.dim(0));
            for (int i = 0; i < v.length; i++) {
                if (v[i] >= r.low() && v[i] <= r.high()) continue;
                throw new UserError(source + ": input '" + name + "': sample " + i / Math.max(1, perSample) + " holds "
                        + (r.classes() ? "class " : "index ") + v[i] + ", but the model has " + r.size()
                        + (r.classes() ? " classes" : " embedding rows") + " (" + r.low() + ".." + r.high() + ")");
            }
        }
    }
}
