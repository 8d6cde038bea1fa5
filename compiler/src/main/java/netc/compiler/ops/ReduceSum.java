package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/** Sum over {@code axes}; {@code keepdims} keeps them as size-1 dimensions. */
final class ReduceSum implements Op {
    @Override
    public String name() {
        return "reduce_sum";
    }

    static Shape keptShape(Shape in, List<Integer> axes) {
        List<Dim> d = new ArrayList<>(in.dims());
        for (int a : axes) d.set(a, Dim.of(1));
        return Shape.of(d);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape s = in.get(0).shape();
        List<Integer> axes = attrs.ints("axes");
        List<Dim> out = new ArrayList<>();
        for (int a : axes) if (a < 0 || a >= s.rank()) throw new ShapeException("axis " + a + " out of range for shape " + s);
        for (int i = 0; i < s.rank(); i++) {
            if (!axes.contains(i)) out.add(s.dim(i));
            else if (attrs.b("keepdims")) out.add(Dim.of(1));
        }
        return TensorType.f(Shape.of(out));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Shape x = y.input(0).shape();
        Node kept = Ops.reshape(g, dy, keptShape(x, y.attrs().ints("axes")));
        return List.of(Ops.broadcastTo(g, kept, x));
    }

    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        Shape x = y.input(0).shape();
        Shape kept = keptShape(x, y.attrs().ints("axes"));
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(y.shape()), k.T());
        // loops over x with the kept result broadcast to it; an innermost run of reduced elements sums in a local
        KernelContext.LoopNest loops = k.nest(x, List.of(x, kept)).openOuter();
        if (loops.levels() > 0 && !loops.innerVaries(1)) {
            k.stmt("$L s = 0", k.T());
            loops.openInner();
            k.stmt("s += $L[$L]", k.in(0), loops.index(0));
            loops.closeInner();
            k.stmt("$L[$L] += s", k.out(), loops.index(1));
        } else {
            loops.openInner();
            k.stmt("$L[$L] += $L[$L]", k.out(), loops.index(1), k.in(0), loops.index(0));
            loops.closeInner();
        }
        loops.closeOuter();
    }
}
