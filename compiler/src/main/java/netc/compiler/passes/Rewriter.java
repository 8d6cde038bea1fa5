package netc.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;

/**
 * Rebuilds a graph node by node in topological order: each node, with its inputs already rewritten, is offered to a
 * rule that returns its replacement (an existing node, or new nodes built with the given builder) or null to keep it.
 */
final class Rewriter {
    interface Rule {
        /** The replacement of {@code n}, whose inputs are already the rewritten ones, or null to keep it. */
        Node apply(Node n, GraphBuilder b);
    }

    private Rewriter() {
    }

    /** For each node, the number of nodes that use it (a node using it twice counts once). */
    static Map<Node, Integer> users(Graph g) {
        Map<Node, Integer> users = new HashMap<>();
        for (Node n : g.nodes()) for (Node in : new java.util.HashSet<>(n.inputs())) users.merge(in, 1, Integer::sum);
        return users;
    }

    static Graph rewrite(Graph g, Rule rule) {
        int next = 0;
        for (Node n : g.nodes()) next = Math.max(next, n.id() + 1);
        GraphBuilder b = new GraphBuilder(next);
        Map<Node, Node> map = new HashMap<>();
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            List<Node> ins = new ArrayList<>();
            for (Node in : n.inputs()) ins.add(map.get(in));
            Node m = ins.equals(n.inputs()) ? n : new Node(n.id(), n.op(), ins, n.attrs(), n.type(), n.label(), n.span());
            int before = b.nodes().size();
            b.at(n.span());
            Node r = n.op().isLeaf() ? null : rule.apply(m, b);
            out.addAll(b.nodes().subList(before, b.nodes().size()));
            if (r == null) {
                out.add(m);
                map.put(n, m);
            } else {
                if (!r.type().equals(n.type())) throw new IllegalStateException("rewrite changed the type of " + n + ": " + n.type() + " to " + r.type());
                map.put(n, r);
            }
        }
        return g.remap(out, map::get);
    }
}
