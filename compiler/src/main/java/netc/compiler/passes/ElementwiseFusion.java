package netc.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Fused;
import netc.compiler.ops.Ops;

/**
 * Fuses chains of elementwise ops, forward and backward, into single loops (nodes are tracked by id, which
 * rewriting keeps). An elementwise node absorbs each
 * elementwise producer of the same shape that nothing else uses and that the graph does not expose (an output, the
 * loss, a gradient, a buffer update): the producer's value then lives only in a register of the fused loop.
 */
public final class ElementwiseFusion implements Pass {
    @Override
    public String name() {
        return "fuse";
    }

    @Override
    public Graph run(Graph g) {
        Map<Node, Integer> uses = Rewriter.users(g);
        Set<Node> exposed = new HashSet<>(g.roots());
        // absorbed: producers folded into a consumer's loop, decided from the last node backwards
        Set<Integer> absorbed = new HashSet<>();
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (!floatMap(n) || absorbed.contains(n.id())) continue;
            mark(n, n, uses, exposed, absorbed);
        }
        return Rewriter.rewrite(g, (n, b) -> {
            if (!floatMap(n) || absorbed.contains(n.id()) || !hasAbsorbedInput(n, absorbed)) return null;
            return fuse(n, absorbed, b);
        });
    }

    /** An elementwise op computing floats (a fused program's locals are floats; integer arithmetic stays apart). */
    private static boolean floatMap(Node n) {
        return n.op() instanceof Elementwise && n.dtype() == DType.FLOAT;
    }

    private static boolean fusible(Node producer, Node root, Map<Node, Integer> uses, Set<Node> exposed) {
        return floatMap(producer) && !producer.op().isLeaf() && uses.getOrDefault(producer, 0) == 1
                && !exposed.contains(producer) && producer.shape().equals(root.shape()) && !producer.attrs().has("shape");
    }

    private static void mark(Node n, Node root, Map<Node, Integer> uses, Set<Node> exposed, Set<Integer> absorbed) {
        for (Node in : n.inputs()) {
            if (fusible(in, root, uses, exposed) && absorbed.add(in.id())) mark(in, root, uses, exposed, absorbed);
        }
    }

    private static boolean hasAbsorbedInput(Node n, Set<Integer> absorbed) {
        for (Node in : n.inputs()) if (absorbed.contains(in.id())) return true;
        return false;
    }

    /** One fused node computing {@code root} and the producers it absorbed (whose inputs are already rewritten). */
    private static Node fuse(Node root, Set<Integer> absorbed, GraphBuilder b) {
        List<Node> inputs = new ArrayList<>();
        List<Fused.Step> steps = new ArrayList<>();
        Map<Node, Integer> stepOf = new HashMap<>();
        build(root, absorbed, inputs, steps, stepOf);
        Fused.Program p = new Fused.Program(steps);
        return b.add(Ops.FUSED, Attrs.of("program", p, "shape", root.shape()), root.label(), inputs.toArray(new Node[0]));
    }

    /** Adds the steps computing {@code n}; returns its operand code (input index, or −(step + 1)). */
    private static int build(Node n, Set<Integer> absorbed, List<Node> inputs, List<Fused.Step> steps, Map<Node, Integer> stepOf) {
        Integer done = stepOf.get(n);
        if (done != null) return -(done + 1);
        List<Integer> args = new ArrayList<>();
        for (Node in : n.inputs()) {
            if (absorbed.contains(in.id())) {
                args.add(build(in, absorbed, inputs, steps, stepOf));
            } else {
                int k = inputs.indexOf(in);
                if (k < 0) {
                    k = inputs.size();
                    inputs.add(in);
                }
                args.add(k);
            }
        }
        steps.add(new Fused.Step((Elementwise) n.op(), n.attrs(), args));
        stepOf.put(n, steps.size() - 1);
        return -steps.size();
    }
}
