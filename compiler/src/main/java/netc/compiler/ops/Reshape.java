package netc.compiler.ops;

import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/** The same elements in a new shape (attr {@code shape}); row-major order is unchanged. */
final class Reshape implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "reshape";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape from = in.get(0).shape(), to = attrs.shape("shape");
        if (!sameSize(from, to)) throw new ShapeException("cannot reshape " + from + " to " + to + ": sizes differ");
        return new TensorType(to, in.get(0).dtype());
    }

    /** Same element count, comparing symbolic dims as factors (each as often). */
    static boolean sameSize(Shape a, Shape b) {
        if (!symbolicFactors(a).equals(symbolicFactors(b))) return false;
        long na = 1, nb = 1;
        for (var d : a.dims()) if (!d.isSymbolic()) na *= d.size();
        for (var d : b.dims()) if (!d.isSymbolic()) nb *= d.size();
        return na == nb;
    }

    private static List<String> symbolicFactors(Shape s) {
        List<String> l = new java.util.ArrayList<>();
        for (var d : s.dims()) if (d.isSymbolic()) l.add(d.symbol());
        java.util.Collections.sort(l);
        return l;
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return List.of(Ops.reshape(g, dy, y.input(0).shape()));
    }

    @Override
    public boolean view(Node n) {
        return true;
    }

    @Override
    public void emit(KernelContext k) {
        k.stmt("System.arraycopy($L, 0, $L, 0, $L)", k.in(0), k.out(), k.size(k.node().shape()));
    }
}
