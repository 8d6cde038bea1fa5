package netc.compiler.ir;

import java.util.HashSet;
import java.util.Set;

/**
 * The graph in Graphviz DOT: inputs and parameters as boxes, ops as ellipses labelled with their shape,
 * gradient (backward) nodes in orange, and the outputs, loss and gradients marked.
 */
public final class Dot {
    private Dot() {
    }

    public static String render(Graph g, Set<Node> forward) {
        StringBuilder sb = new StringBuilder("digraph \"").append(escape(g.name())).append("\" {\n");
        sb.append("  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [color=\"#666666\"];\n");
        Set<Node> outputs = new HashSet<>(g.outputs().values());
        for (Node n : g.nodes()) {
            String label = escape((n.op().isLeaf() ? n.attrs().s("name") : n.op().name() + (n.label() != null ? "\n" + n.label() : ""))
                    + "\n" + n.type());
            String style;
            if (n.op().isLeaf()) {
                style = n.op().name().equals("param") ? "shape=box, style=filled, fillcolor=\"#d9ead3\"" : "shape=box, style=filled, fillcolor=\"#cfe2f3\"";
            } else if (!forward.contains(n)) {
                style = "shape=ellipse, style=filled, fillcolor=\"#fce5cd\"";
            } else {
                style = "shape=ellipse";
            }
            if (outputs.contains(n) || n == g.loss()) style += ", penwidth=2";
            sb.append("  n").append(n.id()).append(" [label=\"").append(label).append("\", ").append(style).append("];\n");
        }
        for (Node n : g.nodes()) {
            for (Node in : n.inputs()) sb.append("  n").append(in.id()).append(" -> n").append(n.id()).append(";\n");
        }
        g.outputs().forEach((k, n) -> sb.append("  out_").append(n.id()).append(" [label=\"output ").append(escape(k))
                .append("\", shape=plaintext];\n  n").append(n.id()).append(" -> out_").append(n.id()).append(" [style=dashed];\n"));
        if (g.loss() != null) {
            sb.append("  out_loss [label=\"loss\", shape=plaintext];\n  n").append(g.loss().id()).append(" -> out_loss [style=dashed];\n");
        }
        g.grads().forEach((k, n) -> sb.append("  grad_").append(n.id()).append(" [label=\"grad ").append(escape(k))
                .append("\", shape=plaintext, fontcolor=\"#b45f06\"];\n  n").append(n.id()).append(" -> grad_").append(n.id()).append(" [style=dashed];\n"));
        return sb.append("}\n").toString();
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
