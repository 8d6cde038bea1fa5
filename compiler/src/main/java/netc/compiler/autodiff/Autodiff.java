package netc.compiler.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.compiler.ir.Span;
import netc.compiler.ops.Ops;
import netc.runtime.UserError;

/**
 * Reverse-mode differentiation as a graph-to-graph transformation: walking from the output back to the
 * inputs, each op's gradient rule adds ordinary nodes, and contributions to a value used several times are
 * summed. The result is part of the same graph, so later passes optimise it and {@code grad} of a
 * {@code grad} works.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /** The graph with the loss's gradient for every parameter that influences it. */
    public static Graph differentiate(Graph graph) {
        if (graph.loss() == null) return graph;
        int maxId = 0;
        for (Node n : graph.nodes()) maxId = Math.max(maxId, n.id());
        GraphBuilder b = new GraphBuilder(maxId + 1);
        List<Node> wrt = new ArrayList<>();
        for (Param p : graph.params()) if (p.trainable()) wrt.add(p.node());
        Map<Node, Node> g = gradients(b, graph.loss(), wrt);
        Map<String, Node> grads = new LinkedHashMap<>();
        for (Param p : graph.params()) {
            Node d = g.get(p.node());
            if (d != null) grads.put(p.name(), d);
        }
        List<Node> all = new ArrayList<>(graph.nodes());
        all.addAll(b.nodes());
        return graph.withGrads(all, grads);
    }

    /**
     * The gradient of scalar {@code y} with respect to each node of {@code wrt} that influences it, built
     * with {@code b}. Nodes of {@code wrt} that do not influence {@code y} are absent from the result.
     */
    public static Map<Node, Node> gradients(GraphBuilder b, Node y, Collection<Node> wrt) {
        List<Node> ancestors = ancestors(y);
        Set<Node> influenced = new HashSet<>(wrt);
        for (Node n : ancestors) {
            for (Node in : n.inputs()) if (influenced.contains(in)) influenced.add(n);
        }
        Map<Node, Node> adjoint = new HashMap<>();
        Span saved = b.at(y.span());
        adjoint.put(y, Ops.constant(b, 1.0));
        for (int i = ancestors.size() - 1; i >= 0; i--) {
            Node n = ancestors.get(i);
            Node dy = adjoint.get(n);
            if (dy == null || n.op().isLeaf() || !influenced.contains(n)) continue;
            b.at(n.span());
            if (!(n.op() instanceof Differentiable op)) {
                // a gradient op without a gradient of its own (a recurrent layer's): a gradient of a gradient through it
                throw new UserError(n.span() + ": " + n.op().name() + " has no gradient: a gradient of a gradient through it is not supported");
            }
            List<Node> dx = op.gradient(b, n, dy);
            for (int k = 0; k < n.inputs().size(); k++) {
                Node in = n.input(k);
                Node d = k < dx.size() ? dx.get(k) : null;
                if (d == null || !influenced.contains(in)) continue;
                Node prev = adjoint.get(in);
                adjoint.put(in, prev == null ? d : Ops.add(b, prev, d));
            }
        }
        b.at(saved);
        Map<Node, Node> result = new LinkedHashMap<>();
        for (Node w : wrt) if (adjoint.containsKey(w)) result.put(w, adjoint.get(w));
        return result;
    }

    /** {@code y} and everything it depends on, in topological order (inputs always precede their users). */
    static List<Node> ancestors(Node y) {
        // depth-first post-order: a node comes after all of its inputs, whatever the ids
        List<Node> order = new ArrayList<>();
        Set<Node> done = new HashSet<>();
        ArrayDeque<Node[]> work = new ArrayDeque<>();
        work.push(new Node[] {y});
        while (!work.isEmpty()) {
            Node n = work.peek()[0];
            if (done.contains(n)) {
                work.pop();
                continue;
            }
            boolean ready = true;
            for (Node in : n.inputs()) {
                if (!done.contains(in)) {
                    work.push(new Node[] {in});
                    ready = false;
                }
            }
            if (ready) {
                work.pop();
                done.add(n);
                order.add(n);
            }
        }
        return order;
    }
}
