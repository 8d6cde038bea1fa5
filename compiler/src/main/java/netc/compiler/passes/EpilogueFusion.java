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
import netc.compiler.ops.Epilogue;
import netc.compiler.ops.Ops;
import netc.runtime.kernels.Unary;

/**
 * Epilogue fusion of matrix products and convolutions: {@code act(gemm(a, b) + bias)} becomes one
 * {@code gemm(a, b, bias) {act=...}} whose kernel adds the bias and applies the activation to each tile of the
 * product while it is in registers ({@code netc.runtime.kernels.Gemm}'s epilogue), and {@code act(conv(x, w) + bias)}
 * one {@code conv(x, w, bias) {act=...}} whose kernel does both to each sample's output while it is in cache
 * ({@code netc.runtime.kernels.Conv}), instead of two more passes over the result.
 *
 * <p>Matched: a product ({@code gemm}, or {@code conv} in forward mode) that nothing else uses and the graph does not
 * expose, then optionally an {@code add} of a float bias broadcast along the product's columns (a gemm's last
 * dimension: shape {@code [n]} or {@code [1, ..., 1, n]}; a convolution's channels: {@code [O, 1, 1]} and the like),
 * then optionally a {@code relu}, {@code sigmoid} or {@code tanh}; at least one of the two. The pre-activation (the
 * {@code add}, or the product when there is no bias) may have other users only when the activation is relu and they
 * are {@code step} nodes of it after the relu (relu's gradient mask, built by differentiation from the pre-activation):
 * they become {@code step} of the fused result, the same values since {@code relu(z) > 0} exactly when {@code z > 0}.
 * Otherwise a used or exposed pre-activation keeps the activation out.
 *
 * <p>In the backward pass, {@code mul(gemm(a, b), step(m))} (the gradient through relu: the product of the next
 * layer's gradient and weights, masked by where the activation was positive) becomes {@code gemm(a, b, m) {mask=true}},
 * whose kernel applies the mask as each tile is stored: the activation's derivative folded into the backward product.
 * The gemm must be plain, used only by the {@code mul}, and shaped like it and like m.
 *
 * <p>Runs after differentiation (fused products have no gradient rule) and before elementwise fusion, which then
 * folds the rewritten masks into the backward kernels. The nodes it replaces are removed at once (dead-code
 * elimination), so that elementwise fusion does not count them as users.
 */
public final class EpilogueFusion implements Pass {
    /** Whether the op named {@code op} is an activation that the products' epilogue applies (relu, sigmoid, tanh). */
    private static boolean isActivation(String op) {
        Unary u = Unary.named(op);
        return u != null && u.epilogue() && u != Unary.IDENTITY;
    }

    @Override
    public String name() {
        return "epilogue";
    }

    /** A matched group: the product, its bias add, its activation, or the mul by a step mask (each may be null). */
    private record Match(Node product, Node add, Node act, Node masked) {
        Node last() {
            return masked != null ? masked : act != null ? act : add;
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
            if (m == null || taken.contains(m.product().id())) continue;
            taken.add(m.product().id());
            byLast.put(m.last().id(), m);
            if (m.act() != null) {
                Node pre = m.add() != null ? m.add() : m.product();
                for (Node u : users.get(pre)) if (u != m.act()) masks.put(u.id(), m.last().id());
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
        if (isActivation(op) && n.attrs().isEmpty()) {
            Node x = n.input(0);
            if (isPlainProduct(x) && !exposed.contains(x) && otherUsesAreMasks(x, n, op, users, position)) {
                return new Match(x, null, n, null);
            }
            Node product = biasAddProduct(x, users, exposed);
            if (product != null && !exposed.contains(x) && otherUsesAreMasks(x, n, op, users, position)) {
                return new Match(product, x, n, null);
            }
            return null;
        }
        if (op.equals("add")) {
            Node product = biasAddProduct(n, users, exposed);
            if (product == null) return null;
            // an activation after it takes the whole group when it can
            for (Node u : users.getOrDefault(n, List.of())) {
                if (isActivation(u.op().name()) && match(u, users, exposed, position) != null) return null;
            }
            return new Match(product, n, null, null);
        }
        if (op.equals("mul") && n.attrs().isEmpty()) {
            for (int side = 0; side < 2; side++) {
                Node product = n.input(side), step = n.input(1 - side);
                if (product.op() == Ops.GEMM && isPlainProduct(product) && soleUse(product, n, users, exposed)
                        && step.op() == Ops.STEP && step.input(0).shape().equals(product.shape())
                        && step.input(0).type().dtype() == DType.FLOAT && n.shape().equals(product.shape())) {
                    return new Match(product, null, null, n);
                }
            }
        }
        return null;
    }

    /** For {@code add(product, bias)} or {@code add(bias, product)} with the bias along its columns: the product. */
    private static Node biasAddProduct(Node add, Map<Node, List<Node>> users, Set<Node> exposed) {
        if (!add.op().name().equals("add") || !add.attrs().isEmpty()) return null;
        for (int side = 0; side < 2; side++) {
            Node product = add.input(side), bias = add.input(1 - side);
            if (isPlainProduct(product) && soleUse(product, add, users, exposed) && add.shape().equals(product.shape())
                    && isBias(bias, product.shape(), product.op() == Ops.GEMM ? product.shape().rank() - 1 : 1)) {
                return product;
            }
        }
        return null;
    }

    /** A gemm or forward convolution without an epilogue yet. */
    private static boolean isPlainProduct(Node n) {
        return (n.op() == Ops.GEMM || n.op() == Ops.CONV) && Epilogue.of(n).isNone();
    }

    private static boolean soleUse(Node producer, Node consumer, Map<Node, List<Node>> users, Set<Node> exposed) {
        List<Node> u = users.getOrDefault(producer, List.of());
        return !exposed.contains(producer) && u.size() == 1 && u.get(0) == consumer;
    }

    /**
     * A float value that broadcasts along dimension {@code axis} of the product's shape only, with its full size
     * there: right-aligned with the product, every dimension 1 except the one facing {@code axis}.
     */
    private static boolean isBias(Node bias, Shape product, int axis) {
        Shape s = bias.shape();
        int lead = product.rank() - s.rank(); // the product's dimension facing the bias's first
        if (bias.type().dtype() != DType.FLOAT || lead < 0 || lead > axis) return false;
        for (int i = 0; i < s.rank(); i++) {
            Dim d = s.dim(i);
            if (lead + i == axis ? !d.equals(product.dim(axis)) : !d.isOne()) return false;
        }
        return true;
    }

    /**
     * Whether every user of the pre-activation {@code pre} other than {@code act} is a {@code step(pre)} that comes
     * after act, which only relu allows.
     */
    private static boolean otherUsesAreMasks(Node pre, Node act, String op, Map<Node, List<Node>> users,
                                             Map<Integer, Integer> position) {
        for (Node u : users.getOrDefault(pre, List.of())) {
            if (u == act) continue;
            if (!op.equals("relu") || u.op() != Ops.STEP || position.get(u.id()) < position.get(act.id())) return false;
        }
        return true;
    }

    /** The fused product replacing {@code last}, whose inputs are already rewritten. */
    private static Node fuse(Node last, Match m, GraphBuilder b) {
        if (m.masked() != null) {
            int side = m.masked().inputs().indexOf(m.product());
            Node product = last.input(side), mask = last.input(1 - side).input(0);
            List<Node> inputs = new ArrayList<>(product.inputs());
            inputs.add(mask);
            return b.add(Ops.GEMM, new Epilogue(false, Unary.IDENTITY, true).addTo(product.attrs()), last.label(), inputs.toArray(new Node[0]));
        }
        Node add = m.add() == null ? null : m.act() != null ? last.input(0) : last;
        int side = add == null ? -1 : m.add().inputs().indexOf(m.product());
        Node product = add == null ? last.input(0) : add.input(side);
        List<Node> inputs = new ArrayList<>(product.inputs());
        if (add != null) inputs.add(add.input(1 - side));
        Unary act = m.act() == null ? Unary.IDENTITY : Unary.named(m.act().op().name());
        Attrs attrs = new Epilogue(add != null, act, false).addTo(product.attrs());
        return b.add(product.op(), attrs, last.label(), inputs.toArray(new Node[0]));
    }
}
