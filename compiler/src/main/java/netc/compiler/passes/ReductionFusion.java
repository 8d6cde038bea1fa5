package netc.compiler.passes;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Fused;
import netc.compiler.ops.Ops;

/**
 * A sum fused with the elementwise work that produces its operand: {@code reduce_sum(f(x, ...))}, where {@code f}
 * is an elementwise op or a fused group that nothing else uses and the graph does not expose, becomes one
 * {@code fused} node with the sum's axes, whose loop computes f's values and adds them up as it goes: the
 * elementwise result (a squared difference, a loss per element, a masked gradient) is never stored. Runs after
 * {@link ElementwiseFusion}, so f is the whole elementwise chain.
 */
public final class ReductionFusion implements Pass {
    @Override
    public String name() {
        return "fuse-reductions";
    }

    @Override
    public Graph run(Graph g) {
        Map<Node, Integer> uses = Rewriter.users(g);
        Set<Node> exposed = new HashSet<>(g.roots());
        Set<Integer> producers = new HashSet<>();
        for (Node n : g.nodes()) {
            if (!n.is(Ops.REDUCE_SUM)) continue;
            Node p = n.input(0);
            boolean elementwise = p.op() instanceof Elementwise && !p.attrs().has("shape") || p.op() == Ops.FUSED && !Fused.isReduction(p);
            if (elementwise && p.dtype() == DType.FLOAT && uses.get(p) == 1 && !exposed.contains(p)) producers.add(p.id());
        }
        if (producers.isEmpty()) return g;
        return Rewriter.rewrite(g, (n, b) -> {
            if (!n.is(Ops.REDUCE_SUM) || !producers.contains(n.input(0).id())) return null;
            Node p = n.input(0);
            Fused.Program program = p.op() == Ops.FUSED ? (Fused.Program) p.attrs().get("program") : single(p);
            Attrs a = Attrs.of("program", program, "shape", p.shape(), "axes", n.attrs().ints("axes"), "keepdims", n.attrs().b("keepdims"));
            return b.add(Ops.FUSED, a, n.label(), p.inputs().toArray(new Node[0]));
        });
    }

    /** The one-step program of a lone elementwise node over its own inputs. */
    private static Fused.Program single(Node p) {
        List<Integer> args = new java.util.ArrayList<>();
        for (int i = 0; i < p.inputs().size(); i++) args.add(i);
        return new Fused.Program(List.of(new Fused.Step((Elementwise) p.op(), p.attrs(), args)));
    }
}
