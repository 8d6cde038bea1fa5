package netc.compiler.autodiff;

import java.util.List;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;

/** The gradient facet of an op: its adjoints written with other ops, so that the backward pass is an ordinary graph. */
public interface Differentiable {
    /**
     * The adjoint of each input given the adjoint {@code dy} of {@code node}'s output, built with {@code g};
     * null for an input that receives no gradient.
     */
    List<Node> gradient(GraphBuilder g, Node node, Node dy);
}
