package netc.compiler.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Creates nodes in topological order, running each op's shape rule. The front end, autodiff and the
 * passes all build graphs through it. New nodes take the current span unless given one.
 */
public final class GraphBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private int nextId;
    private Span span = Span.NONE;

    public GraphBuilder() {
        this(0);
    }

    public GraphBuilder(int firstId) {
        this.nextId = firstId;
    }

    /** Sets the source span given to the nodes created from now on; returns the previous one. */
    public Span at(Span s) {
        Span old = span;
        span = s;
        return old;
    }

    public Span span() {
        return span;
    }

    public Node add(Op op, Attrs attrs, Node... inputs) {
        return add(op, attrs, null, inputs);
    }

    public Node add(Op op, Node... inputs) {
        return add(op, Attrs.NONE, null, inputs);
    }

    /** Adds a node; throws {@link ShapeException} when the inputs do not fit the op's shape rule. */
    public Node add(Op op, Attrs attrs, String label, Node... inputs) {
        List<Node> in = Arrays.asList(inputs);
        List<TensorType> types = new ArrayList<>();
        for (Node n : in) types.add(n.type());
        TensorType t = op.infer(types, attrs);
        double count = 1;
        for (Dim d : t.shape().dims()) if (!d.isSymbolic()) count *= d.size();
        if (count > Shape.MAX_ELEMENTS) {
            throw new ShapeException("the result " + t.shape() + " has " + String.format("%,.0f", count) + " elements"
                    + (t.shape().isConcrete() ? "" : " per sample") + "; a tensor holds at most " + String.format("%,d", Shape.MAX_ELEMENTS));
        }
        Node n = new Node(nextId++, op, in, attrs, t, label, span);
        nodes.add(n);
        return n;
    }

    /** Adds a copy of {@code old} with new inputs, keeping its op, attributes, label and span. */
    public Node copy(Node old, List<Node> inputs) {
        Node n = new Node(nextId++, old.op(), inputs, old.attrs(), old.type(), old.label(), old.span());
        nodes.add(n);
        return n;
    }

    /** Gives a node the user's name for it, keeping everything else. Only for the node just added. */
    public Node relabel(Node n, String label, Span s) {
        int i = nodes.indexOf(n);
        Node r = new Node(n.id(), n.op(), n.inputs(), n.attrs(), n.type(), label, s);
        if (i >= 0) nodes.set(i, r);
        return r;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public int nextId() {
        return nextId;
    }
}
