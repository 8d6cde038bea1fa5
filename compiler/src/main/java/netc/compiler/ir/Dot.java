package netc.compiler.ir;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph in Graphviz DOT: inputs and parameters as boxes, ops as ellipses labelled with their shape,
 * gradient (backward) nodes in orange, and the outputs, loss and gradients marked.
 */
public final class Dot {
    private Dot() {
    }

    public static String render(Graph g, Set<Node> forward) {
        return render(g, forward, List.of());
    }

    /**
     * The graph with each of {@code layers} drawn as one box (its kind, name, output type and parameter counts) in
     * place of its ops, parameters and buffers.
     */
    public static String render(Graph g, Set<Node> forward, List<Layers.Layer> layers) {
        return render(g, forward, layers, Map.of());
    }

    /** The graph as above, each gradient's label followed by its note in {@code gradNotes} (such as its magnitude). */
    public static String render(Graph g, Set<Node> forward, List<Layers.Layer> layers, Map<String, String> gradNotes) {
        Map<Node, Layers.Layer> layerOf = new HashMap<>();
        for (Layers.Layer l : layers) for (Node n : l.nodes()) layerOf.put(n, l);
        StringBuilder sb = new StringBuilder("digraph \"").append(escape(g.name())).append("\" {\n");
        sb.append("  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [color=\"#666666\"];\n");
        Set<Node> outputs = new HashSet<>(g.outputs().values());
        for (Node n : g.nodes()) {
            Layers.Layer layer = layerOf.get(n);
            if (layer != null && n != layer.output()) continue;
            String label, style;
            if (layer != null) {
                label = escape(layer.kind() + " " + layer.name() + "\n" + n.type() + "\n" + String.format("%,d", layer.trainable())
                        + " parameters" + (layer.nonTrainable() > 0 ? String.format(" + %,d non-trainable", layer.nonTrainable()) : ""));
                style = "shape=box, style=\"rounded,filled\", fillcolor=\"#fff2cc\"";
            } else {
                label = escape((n.op().isLeaf() ? n.attrs().s("name") : n.op().name() + (n.label() != null ? "\n" + n.label() : ""))
                        + "\n" + n.type());
                if (n.op().isLeaf()) {
                    style = n.op().name().equals("param") ? "shape=box, style=filled, fillcolor=\"#d9ead3\"" : "shape=box, style=filled, fillcolor=\"#cfe2f3\"";
                } else if (!forward.contains(n)) {
                    style = "shape=ellipse, style=filled, fillcolor=\"#fce5cd\"";
                } else {
                    style = "shape=ellipse";
                }
            }
            if (outputs.contains(n) || n == g.loss()) style += ", penwidth=2";
            sb.append("  n").append(n.id()).append(" [label=\"").append(label).append("\", ").append(style).append("];\n");
        }
        Set<String> intoLayers = new HashSet<>();  // a layer's box gets one edge from each value it takes
        for (Node n : g.nodes()) {
            Node to = shown(n, layerOf);
            for (Node in : n.inputs()) {
                Node from = shown(in, layerOf);
                String edge = "  n" + from.id() + " -> n" + to.id() + ";\n";
                if (from != to && (to == n && from == in || intoLayers.add(edge))) sb.append(edge);
            }
        }
        g.outputs().forEach((k, n) -> sb.append("  out_").append(n.id()).append(" [label=\"output ").append(escape(k))
                .append("\", shape=plaintext];\n  n").append(shown(n, layerOf).id()).append(" -> out_").append(n.id()).append(" [style=dashed];\n"));
        if (g.loss() != null) {
            sb.append("  out_loss [label=\"loss\", shape=plaintext];\n  n").append(shown(g.loss(), layerOf).id()).append(" -> out_loss [style=dashed];\n");
        }
        g.grads().forEach((k, n) -> sb.append("  grad_").append(n.id()).append(" [label=\"grad ").append(escape(k + (gradNotes.containsKey(k) ? "\n" + gradNotes.get(k) : "")))
                .append("\", shape=plaintext, fontcolor=\"#b45f06\"];\n  n").append(shown(n, layerOf).id()).append(" -> grad_").append(n.id()).append(" [style=dashed];\n"));
        return sb.append("}\n").toString();
    }

    /** The node drawn for {@code n}: its layer's box, or itself. */
    private static Node shown(Node n, Map<Node, Layers.Layer> layerOf) {
        Layers.Layer l = layerOf.get(n);
        return l == null ? n : l.output();
    }

    /**
     * Text as the inside of a DOT string: backslashes and quotes escaped, so that a name cannot end the string and add
     * attributes of its own (a URL, for one); line breaks as DOT's {@code \n}, other control characters as spaces.
     */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
