package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import netc.compiler.codegen.MemoryPlan;
import netc.compiler.codegen.Phases;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ops.Fused;
import netc.compiler.ops.Ops;

/** The optimiser's report for {@code netc compile --stats}. */
final class Stats {
    private Stats() {
    }

    private static int kernels(Graph g) {
        return Phases.of(g).sequence().stream().filter(n -> n.op() != Ops.CONST).mapToInt(n -> 1).sum();
    }

    /** What a fused kernel computes, or null for a node that is not one. */
    private static String group(Node n) {
        if (n.op() == Ops.FUSED) return Fused.describe(n);
        List<String> in = new ArrayList<>();
        for (Node i : n.inputs()) in.add(i.ref());
        if (n.is(Ops.SOFTMAX_XENT)) return "softmax_xent(" + String.join(", ", in) + "): max, sum of exponentials, log-sum-exp and loss in one pass over each row";
        if (n.is(Ops.SOFTMAX_XENT_GRAD)) {
            return "softmax_xent_grad(" + String.join(", ", in) + "): (" + (n.attrs().has("probs") ? "the output probabilities" : "softmax")
                    + " − target) · dy in one kernel, no one-hot rows";
        }
        if ((n.op() == Ops.GEMM || n.op() == Ops.CONV) && (n.inputs().size() > 2 || n.attrs().has("act"))) {
            // a product with an epilogue, e.g. relu(gemm($0, $1) + $2), or a backward product with a mask
            String p = n.op().name() + "($0, $1)" + (Ops.hasBias(n) ? " + $2" : "");
            if (n.attrs().has("act")) p = n.attrs().s("act") + "(" + p + ")";
            return n.attrs().has("mask") ? p + " · step($" + (n.inputs().size() - 1) + ")" : p;
        }
        return null;
    }

    static void print(PrintWriter out, Graph before, Graph after) {
        out.printf("kernels: %d before optimisation, %d after (forward, loss, updates and backward; constants not counted)%n",
                kernels(before), kernels(after));
        int groups = 0;
        for (Node n : after.nodes()) {
            String what = group(n);
            if (what == null) continue;
            if (groups++ == 0) out.println("fusion groups:");
            out.printf("  %s%s = %s  (line %d)%n", n.ref(), n.label() != null ? " " + n.label() : "", what, n.span().line());
        }
        MemoryPlan plan = MemoryPlan.of(after, Phases.of(after));
        if (!plan.inPlace().isEmpty()) out.println("in place: " + String.join(", ", plan.inPlace()));
        int batch = after.train().batch();
        out.printf("memory at batch %d: %,d bytes planned in %d arrays, %,d bytes with one buffer per value (%.0f%%)%n", batch,
                plan.plannedBytes(batch), plan.slots().size(), plan.naiveBytes(batch), 100.0 * plan.plannedBytes(batch) / Math.max(1, plan.naiveBytes(batch)));
    }
}
