package netc.compiler.codegen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;

/**
 * The order in which a generated model computes its nodes: the outputs (predict), then the loss, then the buffer
 * updates (running statistics, before backward so they see only forward values), then the gradients. A node needed
 * by several phases is computed in the first; one needed by both the updates and the gradients in both.
 *
 * <p>A constant that every kernel reading it writes as a literal ({@link Kernel#literal}, {@link Kernel#readsLiterals})
 * is in no phase: it has no kernel and no array ({@link #inlined}).
 */
public record Phases(List<Node> outputs, List<Node> loss, List<Node> updates, List<Node> backward, Set<Node> inlined) {
    public static Phases of(Graph g) {
        Set<Node> inlined = inlined(g);
        Set<Node> done = new HashSet<>(inlined);
        List<Node> outputs = closure(g, g.outputs().values(), done);
        done.addAll(outputs);
        List<Node> loss = g.loss() == null ? List.of() : closure(g, List.of(g.loss()), done);
        done.addAll(loss);
        return new Phases(outputs, loss, closure(g, g.updates().values(), done), closure(g, g.grads().values(), done),
                inlined);
    }

    /** The constants that no kernel reads from an array: each user writes them as a literal, and no root is one. */
    private static Set<Node> inlined(Graph g) {
        Set<Node> candidates = new HashSet<>();
        for (Node n : g.nodes()) if (n.op() instanceof Kernel k && k.literal(n, "float") != null) candidates.add(n);
        candidates.removeAll(g.roots());
        for (Node n : g.nodes()) {
            boolean reads = n.op() instanceof Kernel k && k.readsLiterals(n);
            if (!reads) for (Node in : n.inputs()) candidates.remove(in);
        }
        return candidates;
    }

    /** Every phase in execution order (a node of two phases appears twice). */
    public List<Node> sequence() {
        List<Node> all = new ArrayList<>(outputs);
        all.addAll(loss);
        all.addAll(updates);
        all.addAll(backward);
        return all;
    }

    /** The non-leaf nodes that {@code roots} depend on, minus {@code done}, in the graph's (topological) order. */
    private static List<Node> closure(Graph g, Collection<Node> roots, Set<Node> done) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> stack = new ArrayDeque<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (done.contains(n) || !seen.add(n)) continue;
            for (Node in : n.inputs()) stack.push(in);
        }
        List<Node> l = new ArrayList<>();
        for (Node n : g.nodes()) if (seen.contains(n) && !n.op().isLeaf()) l.add(n);
        return l;
    }
}
