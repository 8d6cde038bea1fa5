package netc.compiler.ir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a graph's invariants: nodes in topological order with unique ids, every type equal to what its op's
 * shape rule gives, roles that point into the graph, a scalar loss, gradients shaped like their parameters.
 * Passes are run through it in tests.
 */
public final class Verifier {
    private Verifier() {
    }

    /** The problems found; empty for a valid graph. */
    public static List<String> check(Graph g) {
        List<String> problems = new ArrayList<>();
        Set<Node> seen = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        for (Node n : g.nodes()) {
            if (!ids.add(n.id())) problems.add(n.ref() + ": duplicate id");
            for (Node in : n.inputs()) {
                if (!seen.contains(in)) problems.add(n.ref() + ": input " + in.ref() + " is not defined before it");
            }
            seen.add(n);
            if (!n.op().isLeaf()) {
                List<TensorType> types = new ArrayList<>();
                for (Node in : n.inputs()) types.add(in.type());
                try {
                    TensorType t = n.op().infer(types, n.attrs());
                    if (!t.equals(n.type())) problems.add(n.ref() + ": type " + n.type() + " but its op gives " + t);
                } catch (ShapeException e) {
                    problems.add(n.ref() + ": " + e.getMessage());
                }
            }
        }
        for (Node n : g.inputs()) if (!seen.contains(n)) problems.add("input " + n.ref() + " is not in the graph");
        for (Param p : g.params()) if (!seen.contains(p.node())) problems.add("param " + p.name() + " is not in the graph");
        g.outputs().forEach((k, n) -> {
            if (!seen.contains(n)) problems.add("output " + k + " is not in the graph");
        });
        if (g.loss() != null) {
            if (!seen.contains(g.loss())) problems.add("the loss is not in the graph");
            if (!g.loss().shape().isScalar()) problems.add("the loss is not a scalar: " + g.loss().shape());
        }
        g.grads().forEach((k, n) -> {
            Param p = g.param(k);
            if (p == null) problems.add("gradient of unknown parameter " + k);
            else if (!n.shape().equals(p.node().shape())) problems.add("gradient of " + k + " has shape " + n.shape() + ", not " + p.node().shape());
            if (!seen.contains(n)) problems.add("gradient of " + k + " is not in the graph");
        });
        g.updates().forEach((k, n) -> {
            Param p = g.param(k);
            if (p == null || p.trainable()) problems.add("update of " + k + ", which is not a buffer");
            else if (!n.shape().equals(p.node().shape())) problems.add("update of " + k + " has shape " + n.shape() + ", not " + p.node().shape());
            if (!seen.contains(n)) problems.add("update of " + k + " is not in the graph");
        });
        return problems;
    }

    /** Throws when the graph is invalid; {@code after} names the pass for the message. */
    public static Graph verify(Graph g, String after) {
        List<String> p = check(g);
        if (!p.isEmpty()) throw new IllegalStateException("invalid graph after " + after + ":\n  " + String.join("\n  ", p));
        return g;
    }
}
