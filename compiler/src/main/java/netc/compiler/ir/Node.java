package netc.compiler.ir;

import java.util.List;

/**
 * One single-assignment value of the graph: an op applied to earlier nodes, with static attributes,
 * a shape and an element type. Nodes are immutable; passes build new nodes rather than edit old ones.
 *
 * @param id     unique within its graph, increasing in creation (topological) order
 * @param label  the user's name for the value when it has one ({@code h1}, {@code W1}), else null
 * @param span   the {@code .net} source the node came from
 */
public record Node(int id, Op op, List<Node> inputs, Attrs attrs, TensorType type, String label, Span span) {
    public Node {
        inputs = List.copyOf(inputs);
    }

    public Shape shape() {
        return type.shape();
    }

    public DType dtype() {
        return type.dtype();
    }

    public Node input(int i) {
        return inputs.get(i);
    }

    public boolean is(Op other) {
        return op == other;
    }

    /** The printed reference to this node: {@code %12}. */
    public String ref() {
        return "%" + id;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(id);
    }

    @Override
    public String toString() {
        return ref() + (label != null ? "(" + label + ")" : "");
    }
}
