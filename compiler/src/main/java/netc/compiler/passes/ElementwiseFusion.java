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
 *
 * <p>A producer that several loops use is recomputed in each of them instead of stored, when that reads no more
 * memory than storing it would: it is cheap arithmetic ({@link #CHEAP}) that reads at most one array of its own size
 * (the others smaller, broadcast), and each of its users is an elementwise op of its shape, which absorbs it, or a sum,
 * which {@link ReductionFusion} then fuses with it. Batch norm's steps are such producers: {@code x − mean},
 * {@code (x − mean) / std}, {@code γ·x̂ + β} and their gradients, each a pass over [batch, C, H, W] that wrote an array
 * and read it back once per user.
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
        Set<Integer> recomputed = recomputable(g, uses, exposed);
        // absorbed: producers folded into a consumer's loop, decided from the last node backwards; a recomputed one
        // that a sum uses is also a loop of its own (the sum's, once fused with it)
        Set<Integer> absorbed = new HashSet<>();
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (!floatMap(n) || absorbed.contains(n.id()) && !recomputed.contains(n.id())) continue;
            mark(n, n, uses, exposed, recomputed, absorbed);
        }
        // a recomputed producer rewritten into a loop of its own: what its users' loops inline instead
        Map<Node, Node> unfused = new HashMap<>();
        Graph fused = Rewriter.rewrite(g, (n, b) -> {
            if (!floatMap(n) || absorbed.contains(n.id()) && !recomputed.contains(n.id())
                    || !hasAbsorbedInput(n, absorbed, unfused)) {
                return null;
            }
            Node f = fuse(n, absorbed, unfused, b);
            if (recomputed.contains(n.id())) unfused.put(f, n);
            return f;
        });
        // the absorbed producers' own nodes, which nothing uses now (a sum's operand is then used by the sum alone)
        return new DeadCodeElimination().run(fused);
    }

    /**
     * Cheap enough to compute again in each loop that uses it: an instruction or two that the JIT vectorises (not a
     * comparison: {@code step(x)}'s {@code x > 0 ? 1 : 0} keeps a loop scalar).
     */
    private static final Set<Elementwise> CHEAP = Set.of(Ops.NEG, Ops.ABS, Ops.RELU, Ops.ADD, Ops.SUB, Ops.MUL, Ops.DIV,
            Ops.MAX, Ops.MIN);

    /**
     * The producers to recompute in each of their users' loops (see the class comment): cheap, unexposed, reading at
     * most one array of their own shape ({@link #fullReads}), used by more than one node, each a cheap elementwise op
     * of their shape or a sum. (A relu's gradient, {@code dy · step(x)}, reads x stored: alone in its loop, it runs a
     * vector at a time.)
     */
    private static Set<Integer> recomputable(Graph g, Map<Node, Integer> uses, Set<Node> exposed) {
        Map<Node, List<Node>> users = new HashMap<>();
        for (Node n : g.nodes()) {
            for (Node in : new HashSet<>(n.inputs())) users.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        }
        Set<Integer> out = new HashSet<>();
        for (Node p : g.nodes()) {
            List<Node> us = users.getOrDefault(p, List.of());
            if (us.size() < 2 || !inlinable(p, exposed) || !CHEAP.contains(p.op())) continue;
            boolean absorbing = fullReads(p, uses, exposed).size() <= 1;
            for (Node u : us) {
                absorbing &= floatMap(u) && CHEAP.contains(u.op()) && u.shape().equals(p.shape()) || u.is(Ops.REDUCE_SUM);
            }
            if (absorbing) out.add(p.id());
        }
        return out;
    }

    /**
     * The arrays of p's shape that a loop computing p reads: its operands of that shape, or for one that only p uses
     * (and that the loop therefore computes too), that operand's.
     */
    private static Set<Node> fullReads(Node p, Map<Node, Integer> uses, Set<Node> exposed) {
        Set<Node> out = new HashSet<>();
        for (Node in : p.inputs()) {
            if (!in.shape().equals(p.shape())) continue;
            if (inlinable(in, exposed) && uses.get(in) == 1) out.addAll(fullReads(in, uses, exposed));
            else out.add(in);
        }
        return out;
    }

    /** An elementwise op computing floats (a fused program's locals are floats; integer arithmetic stays apart). */
    private static boolean floatMap(Node n) {
        return n.op() instanceof Elementwise && n.dtype() == DType.FLOAT;
    }

    /** A value a loop may compute instead of reading: a float elementwise op, not exposed, not a broadcast. */
    private static boolean inlinable(Node n, Set<Node> exposed) {
        return floatMap(n) && !n.op().isLeaf() && !exposed.contains(n) && !n.attrs().has("shape");
    }

    private static boolean fusible(Node producer, Node root, Map<Node, Integer> uses, Set<Node> exposed, Set<Integer> recomputed) {
        return inlinable(producer, exposed) && (uses.getOrDefault(producer, 0) == 1 || recomputed.contains(producer.id()))
                && producer.shape().equals(root.shape());
    }

    private static void mark(Node n, Node root, Map<Node, Integer> uses, Set<Node> exposed, Set<Integer> recomputed,
                             Set<Integer> absorbed) {
        for (Node in : n.inputs()) {
            if (fusible(in, root, uses, exposed, recomputed) && absorbed.add(in.id())) {
                mark(in, root, uses, exposed, recomputed, absorbed);
            }
        }
    }

    private static boolean hasAbsorbedInput(Node n, Set<Integer> absorbed, Map<Node, Node> unfused) {
        for (Node in : n.inputs()) if (absorbed.contains(unfused.getOrDefault(in, in).id())) return true;
        return false;
    }

    /** One fused node computing {@code root} and the producers it absorbed (whose inputs are already rewritten). */
    private static Node fuse(Node root, Set<Integer> absorbed, Map<Node, Node> unfused, GraphBuilder b) {
        List<Node> inputs = new ArrayList<>();
        List<Fused.Step> steps = new ArrayList<>();
        Map<Node, Integer> stepOf = new HashMap<>();
        build(root, absorbed, unfused, inputs, steps, stepOf);
        Fused.Program p = new Fused.Program(steps);
        return b.add(Ops.FUSED, Attrs.of("program", p, "shape", root.shape()), root.label(), inputs.toArray(new Node[0]));
    }

    /** Adds the steps computing {@code n}; returns its operand code (input index, or −(step + 1)). */
    private static int build(Node n, Set<Integer> absorbed, Map<Node, Node> unfused, List<Node> inputs,
                             List<Fused.Step> steps, Map<Node, Integer> stepOf) {
        Integer done = stepOf.get(n);
        if (done != null) return -(done + 1);
        List<Integer> args = new ArrayList<>();
        for (Node in : n.inputs()) {
            Node producer = unfused.getOrDefault(in, in);
            if (absorbed.contains(producer.id())) {
                args.add(build(producer, absorbed, unfused, inputs, steps, stepOf));
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
