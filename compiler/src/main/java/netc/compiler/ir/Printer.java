package netc.compiler.ir;

import java.util.Map;

/** The stable text form of a graph, one node a line, used by golden tests and {@code netc graph --text}. */
public final class Printer {
    private Printer() {
    }

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder("graph ").append(g.name()).append(" {\n");
        for (Node n : g.nodes()) sb.append("  ").append(line(n)).append('\n');
        for (Map.Entry<String, Node> e : g.outputs().entrySet()) sb.append("  output ").append(e.getKey()).append(" = ").append(e.getValue().ref()).append('\n');
        if (g.loss() != null) sb.append("  loss = ").append(g.loss().ref()).append('\n');
        for (Map.Entry<String, Node> e : g.grads().entrySet()) sb.append("  grad ").append(e.getKey()).append(" = ").append(e.getValue().ref()).append('\n');
        for (Map.Entry<String, Node> e : g.updates().entrySet()) sb.append("  update ").append(e.getKey()).append(" = ").append(e.getValue().ref()).append('\n');
        return sb.append("}\n").toString();
    }

    public static String line(Node n) {
        StringBuilder sb = new StringBuilder(n.ref()).append(" = ").append(n.op().name());
        if (n.op().isLeaf()) {
            sb.append(" \"").append(n.attrs().s("name")).append('"');
        } else {
            sb.append('(');
            for (int i = 0; i < n.inputs().size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(n.input(i).ref());
            }
            sb.append(')');
            if (!n.attrs().isEmpty()) sb.append(' ').append(n.attrs());
        }
        sb.append(" : ").append(n.type());
        if (n.label() != null && !n.op().isLeaf()) sb.append("  # ").append(n.label());
        if (n.span().line() > 0) sb.append(n.label() != null && !n.op().isLeaf() ? " " : "  # ").append("@").append(n.span().line());
        return sb.toString();
    }
}
