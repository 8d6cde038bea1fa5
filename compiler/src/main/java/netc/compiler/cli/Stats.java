package netc.compiler.cli;

import java.io.PrintWriter;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.MemoryPlan;
import netc.compiler.codegen.Phases;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;

/** The optimiser's report for {@code netc compile --stats}. */
final class Stats {
    private Stats() {
    }

    private static int kernels(Graph g) {
        return Phases.of(g).sequence().stream().filter(n -> !n.op().isConstant()).mapToInt(n -> 1).sum();
    }

    static void print(PrintWriter out, Graph before, Graph after) {
        out.printf("kernels: %d before optimisation, %d after (forward, loss, updates and backward; constants not counted)%n",
                kernels(before), kernels(after));
        int groups = 0;
        for (Node n : after.nodes()) {
            String what = n.op() instanceof Kernel k ? k.fusion(n) : null;
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
