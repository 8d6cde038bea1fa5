package netc.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/**
 * Matrix-product epilogue fusion: {@code act(gemm(a, b) + bias)} becomes one {@code gemm(a, b, bias) {act=...}} whose
 * kernel adds the bias and applies the activation to each tile of the product while it is in registers
 * ({@code netc.runtime.kernels.Gemm}'s epilogue), instead of two more passes over the result.
 *
 * <p>Matched: a {@code gemm} that nothing else uses and the graph does not expose, then optionally an {@code add} of
 * a float bias broadcast over the rows (shape {@code [n]}, or {@code [1, ..., 1, n]}), then optionally a
 * {@code relu}, {@code sigmoid} or {@code tanh}; at least one of the two. The {@code add} may have other users only
 * when the activation is relu and they are {@code step(add)} nodes after it (relu's gradient mask, built by
 * differentiation from the pre-activation): they become {@code step} of the fused result, the same values since
 * {@code relu(z) > 0} exactly when {@code z > 0}. Otherwise a used or exposed {@code add} keeps the activation out.
 *
 * <p>Runs after differentiation (fused products have no gradient rule) and before elementwise fusion, which then
 * folds the rewritten masks into the backward kernels. The nodes it replaces are removed at once (dead-code
 * elimination), so that elementwise fusion does not count them as users.
 */
public final class GemmEpilogueFusion implements Pass {
    private static final Set<String> ACTIVATIONS = Set.of("relu", "sigmoid", "tanh");

    @Override
    public String name() {
        return "epilogue";
    }

    /** A matched group: the product, its bias add (or null), its activation (or null), the node it replaces. */
    private record Match(Node gemm, Node add, Node act) {
        Node last() {
            return act != null ? act : add;
        }
    }

    @Override
    public Graph run(Graph g) {
        Map<Node, List<Node>> users = new HashMap<>();
        for (Node n : g.nodes()) for (Node in : n.inputs()) users.computeIfAbsent(in, x -> new ArrayList<>()).add(n);
        Set<Node> exposed = new HashSet<>(g.roots());
        Map<Integer, Integer> position = new HashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) position.put(g.nodes().get(i).id(), i);

        Map<Integer, Match> byLast = new HashMap<>();
        /** step(add) node id → the id of the match whose fused result it now reads. */
        Map<Integer, Integer> masks = new HashMap<>();
        Set<Integer> taken = new HashSet<>();
        for (Node n : g.nodes()) {
            Match m = match(n, users, exposed, position);
            if (m == null || taken.contains(m.gemm().id())) continue;
            taken.add(m.gemm().id());
            byLast.put(m.last().id(), m);
            if (m.add() != null && m.act() != null) {
                for (Node u : users.get(m.add())) if (u != m.act()) masks.put(u.id(), m.last().id());
            }
        }
        if (byLast.isEmpty()) return g;

        Map<Integer, Node> fused = new HashMap<>();
        Graph rewritten = Rewriter.rewrite(g, (n, b) -> {
            Match m = byLast.get(n.id());
            if (m != null) {
                Node r = fuse(n, m, b);
                fused.put(n.id(), r);
                return r;
            }
            Integer source = masks.get(n.id());
            return source == null ? null : b.add(Ops.STEP, fused.get(source));
        });
        // the replaced nodes go now, so that elementwise fusion does not count them as users
        return new DeadCodeElimination().run(rewritten);
    }

    /** The group that ends at {@code n}, or null. */
    private static Match match(Node n, Map<Node, List<Node>> users, Set<Node> exposed, Map<Integer, Integer> position) {
        String op = n.op().name();
        if (ACTIVATIONS.contains(op) && n.attrs().isEmpty()) {
            Node x = n.input(0);
            if (isPlainGemm(x) && soleUse(x, n, users, exposed)) return new Match(x, null, n);
            Node gemm = biasAddProduct(x, users, exposed);
            if (gemm != null && !exposed.contains(x) && otherUsesAreMasks(x, n, op, users, position)) {
                return new Match(gemm, x, n);
            }
            return null;
        }
        if (op.equals("add")) {
            Node gemm = biasAddProduct(n, users, exposed);
            if (gemm == null) return null;
            // an activation after it takes the whole group when it can
            for (Node u : users.getOrDefault(n, List.of())) {
                if (ACTIVATIONS.contains(u.op().name()) && match(u, users, exposed, position) != null) return null;
            }
            return new Match(gemm, n, null);
        }
        return null;
    }

    /** For {@code add(gemm, bias)} or {@code add(bias, gemm)} with the bias over the rows: the gemm; else null. */
    private static Node biasAddProduct(Node add, Map<Node, List<Node>> users, Set<Node> exposed) {
        if (!add.op().name().equals("add") || !add.attrs().isEmpty()) return null;
        for (int side = 0; side < 2; side++) {
            Node gemm = add.input(side), bias = add.input(1 - side);
            if (isPlainGemm(gemm) && soleUse(gemm, add, users, exposed) && isRowBias(bias, gemm.shape())
                    && add.shape().equals(gemm.shape())) {
                return gemm;
            }
        }
        return null;
    }

    private static boolean isPlainGemm(Node n) {
        return n.op() == Ops.GEMM && n.inputs().size() == 2 && !n.attrs().has("act");
    }

    private static boolean soleUse(Node producer, Node consumer, Map<Node, List<Node>> users, Set<Node> exposed) {
        List<Node> u = users.getOrDefault(producer, List.of());
        return !exposed.contains(producer) && u.size() == 1 && u.get(0) == consumer;
    }

    /** A float value of shape [n] or [1, ..., 1, n], n being the product's last dimension. */
    private static boolean isRowBias(Node bias, Shape product) {
        Shape s = bias.shape();
        if (bias.type().dtype() != DType.FLOAT || s.rank() < 1) return false;
        for (int i = 0; i < s.rank() - 1; i++) if (!s.dim(i).isOne()) return false;
        Dim n = product.dim(-1);
        return s.dim(-1).equals(n);
    }

    /**
     * Whether every user of {@code add} other than {@code act} is a {@code step(add)} that comes after act, which
     * only relu allows.
     */
    private static boolean otherUsesAreMasks(Node add, Node act, String op, Map<Node, List<Node>> users,
                                             Map<Integer, Integer> position) {
        for (Node u : users.getOrDefault(add, List.of())) {
            if (u == act) continue;
            if (!op.equals("relu") || u.op() != Ops.STEP || position.get(u.id()) < position.get(act.id())) return false;
        }
        return true;
    }

    /** The fused product replacing {@code last}, whose inputs are already rewritten. */
    private static Node fuse(Node last, Match m, GraphBuilder b) {
        Node add = m.add() == null ? null : m.act() != null ? last.input(0) : last;
        int side = add == null ? -1 : m.add().inputs().indexOf(m.gemm());
        Node gemm = add == null ? last.input(0) : add.input(side);
        List<Node> inputs = new ArrayList<>(gemm.inputs());
        if (add != null) inputs.add(add.input(1 - side));
        Attrs attrs = gemm.attrs();
        if (m.act() != null) attrs = attrs.with("act", m.act().op().name());
        return b.add(Ops.GEMM, attrs, last.label(), inputs.toArray(new Node[0]));
    }
}
