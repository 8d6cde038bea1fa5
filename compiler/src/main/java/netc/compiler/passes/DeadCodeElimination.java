package netc.compiler.passes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;

/** Removes nodes that no output, loss or gradient depends on (inputs and parameters always stay). */
public final class DeadCodeElimination implements Pass {
    @Override
    public String name() {
        return "dce";
    }

    @Override
    public Graph run(Graph g) {
        Set<Node> live = new HashSet<>(g.inputs());
        for (Param p : g.params()) live.add(p.node());
        ArrayDeque<Node> work = new ArrayDeque<>(g.roots());
        while (!work.isEmpty()) {
            Node n = work.pop();
            if (live.add(n)) {
                for (Node in : n.inputs()) work.push(in);
            }
        }
        List<Node> kept = new ArrayList<>();
        for (Node n : g.nodes()) if (live.contains(n)) kept.add(n);
        return g.remap(kept, n -> n);
    }
}
