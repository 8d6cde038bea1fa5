package netc.compiler.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layer calls of a parsed graph ({@code dense}, {@code conv2d}, {@code batchnorm}, {@code lstm}, ...), so that a
 * drawing can show a layer as one box instead of its dozen ops. The front end records each call that made parameters
 * with the range of node ids it made (a call makes its nodes one after the other); the layer's output is the node of
 * that range whose value is used outside it.
 */
public final class Layers {
    private Layers() {
    }

    /** A call that made parameters: the layer's name, the function called and the ids of the nodes it made. */
    public record Call(String name, String kind, int firstId, int endId) {
    }

    /**
     * A layer.
     *
     * @param name         the layer's name, the prefix of its parameters' names ({@code bn1})
     * @param kind         the function called ({@code batchnorm})
     * @param nodes        every node the call made, its parameters and buffers included
     * @param output       the node whose value leaves the layer
     * @param trainable    the number of trained parameter values
     * @param nonTrainable the number of buffer values (running statistics)
     */
    public record Layer(String name, String kind, List<Node> nodes, Node output, long trainable, long nonTrainable) {
    }

    /** The layers of {@code g} in source order: none when the graph has no record of its calls. */
    public static List<Layer> of(Graph g) {
        Map<Node, List<Node>> consumers = new HashMap<>();
        for (Node n : g.nodes()) for (Node in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        Set<Node> roots = new HashSet<>(g.outputs().values());
        if (g.loss() != null) roots.add(g.loss());
        Map<Node, Param> paramOf = new HashMap<>();
        for (Param p : g.params()) paramOf.put(p.node(), p);
        List<Layer> layers = new ArrayList<>();
        for (Call call : g.layers()) {
            List<Node> nodes = new ArrayList<>();
            for (Node n : g.nodes()) if (n.id() >= call.firstId() && n.id() < call.endId()) nodes.add(n);
            Set<Node> inside = new HashSet<>(nodes);
            Node output = null;
            long trainable = 0, buffers = 0;
            for (Node n : nodes) {
                Param p = paramOf.get(n);
                if (p != null && p.trainable()) trainable += n.shape().numelIfKnown();
                else if (p != null) buffers += n.shape().numelIfKnown();
                if (n.op().isLeaf()) continue;
                boolean leaves = roots.contains(n);
                for (Node c : consumers.getOrDefault(n, List.of())) leaves |= !inside.contains(c);
                if (leaves) output = n;
            }
            if (output != null) layers.add(new Layer(call.name(), call.kind(), List.copyOf(nodes), output, trainable, buffers));
        }
        return layers;
    }
}
