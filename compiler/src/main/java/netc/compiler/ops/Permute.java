package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/** Reorders dimensions: output dimension d is input dimension {@code perm[d]}. */
final class Permute implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "permute";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape s = in.get(0).shape();
        List<Integer> perm = attrs.ints("perm");
        if (perm.size() != s.rank()) throw new ShapeException("permutation " + perm + " does not fit shape " + s);
        List<Dim> out = new ArrayList<>();
        for (int p : perm) out.add(s.dim(p));
        return new TensorType(Shape.of(out), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        List<Integer> perm = y.attrs().ints("perm");
        Integer[] inv = new Integer[perm.size()];
        for (int d = 0; d < perm.size(); d++) inv[perm.get(d)] = d;
        return List.of(g.add(Ops.PERMUTE, Attrs.of("perm", List.of(inv)), dy));
    }

    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        Shape in = y.input(0).shape(), out = y.shape();
        List<Integer> perm = y.attrs().ints("perm");
        StringBuilder src = new StringBuilder();
        for (int d = 0; d < out.rank(); d++) {
            String stride = out.productExpr(d + 1, out.rank());
            String coord = "((i / (" + stride + ")) % " + out.dim(d).javaExpr() + ")";
            if (src.length() > 0) src.append(" + ");
            src.append(coord).append(" * (").append(in.productExpr(perm.get(d) + 1, in.rank())).append(")");
        }
        k.loop("i", k.size(out)).stmt("$L[i] = $L[$L]", k.out(), k.in(0), src.length() == 0 ? "0" : src).end();
    }
}
