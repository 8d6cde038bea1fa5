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
        return TensorType.f(reduced(in.get(0).shape(), attrs));
    }

    /** The shape of a sum of {@code s} over attrs {@code axes}, keeping them as 1s when {@code keepdims}. */
    static Shape reduced(Shape s, Attrs attrs) {
        List<Integer> axes = attrs.ints("axes");
        List<Dim> out = new ArrayList<>();
        for (int a : axes) if (a < 0 || a >= s.rank()) throw new ShapeException("axis " + a + " out of range for shape " + s);
        for (int i = 0; i < s.rank(); i++) {
            if (!axes.contains(i)) out.add(s.dim(i));
            else if (attrs.b("keepdims")) out.add(Dim.of(1));
        }
        return Shape.of(out);
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
            String run = loops.innerSize();
            if (run.matches("\\d+") && Long.parseLong(run) < 16) {
                k.stmt("$L s = 0", k.T());
                loops.openInner();
                k.stmt("s += $L[$L]", k.in(0), loops.index(0));
                loops.closeInner();
                k.stmt("$L[$L] += s", k.out(), loops.index(1));
            } else {
                // four interleaved partial sums: a long run is not bound by the latency of one chain of additions
                String base = loops.outerIndex(0), t = k.T();
                k.stmt("$L s0 = 0, s1 = 0, s2 = 0, s3 = 0", t);
                k.stmt("int n = $L, j = 0", run);
                k.begin("for (; j + 3 < n; j += 4)");
                k.stmt("s0 += $L[$L + j]", k.in(0), base).stmt("s1 += $L[$L + j + 1]", k.in(0), base);
                k.stmt("s2 += $L[$L + j + 2]", k.in(0), base).stmt("s3 += $L[$L + j + 3]", k.in(0), base);
                k.end();
                k.begin("for (; j < n; j++)").stmt("s0 += $L[$L + j]", k.in(0), base).end();
                k.stmt("$L[$L] += (s0 + s1) + (s2 + s3)", k.out(), loops.index(1));
            }
        } else {
            loops.openInner();
            k.stmt("$L[$L] += $L[$L]", k.out(), loops.index(1), k.in(0), loops.index(0));
            loops.closeInner();
        }
        loops.closeOuter();
    }
}
