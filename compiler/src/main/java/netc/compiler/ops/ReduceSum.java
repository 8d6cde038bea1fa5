package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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

/**
 * Sum over {@code axes}; {@code keepdims} keeps them as size-1 dimensions. A run of consecutive summed elements (of
 * 16 or more), and in float the columns of [summed, kept], are summed by {@code netc.runtime.kernels.Sums}.
 */
final class ReduceSum implements Op, Differentiable, Kernel {
    private static final ClassName SUMS = ClassName.get("netc.runtime.kernels", "Sums");
    private static final ClassName OVER_OUTER_AND_INNER = SUMS.nestedClass("OverOuterAndInner");
    /** Fewer kept columns than this (ten classes) are summed by the plain loop: less than a vector, nothing to gain. */
    private static final int FEW_COLUMNS = 16;

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
        KernelContext.LoopNest loops = k.nest(x, List.of(x, kept));
        if (loops.levels() == 3 && !loops.varies(0, 1) && loops.varies(1, 1) && !loops.varies(2, 1)) {
            sumsOverOuterAndInner(k, x, loops.size(0), loops.size(1), loops.size(2));
            return;
        }
        if (k.T().equals("float") && loops.levels() == 2 && !loops.varies(0, 1) && loops.varies(1, 1)
                && !(loops.size(1).matches("\\d+") && Long.parseLong(loops.size(1)) < FEW_COLUMNS)) {
            // [summed, kept]: columns summed over the rows (a dense layer's bias gradient), the threads taking columns
            String cols = loops.size(1);
            String[] range = k.parallelRange(cols, loops.size(0), x);
            k.stmt("$T.columns($L, $L, $L, $L, $L, $L)", SUMS, k.in(0), loops.size(0), cols, k.out(), range[0], range[1]);
            return;
        }
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(y.shape()), k.T());
        // loops over x with the kept result broadcast to it; an innermost run of reduced elements sums in a local
        loops.openOuter();
        if (loops.levels() > 0 && !loops.innerVaries(1)) {
            String run = loops.innerSize();
            if (run.matches("\\d+") && Long.parseLong(run) < 16) {
                k.stmt("$L s = 0", k.T());
                loops.openInner();
                k.stmt("s += $L[$L]", k.in(0), loops.index(0));
                loops.closeInner();
                k.stmt("$L[$L] += s", k.out(), loops.index(1));
            } else {
                k.stmt("$L[$L] += $T.sum($L, $L, $L)", k.out(), loops.index(1), SUMS, k.in(0), loops.outerIndex(0), run);
            }
        } else {
            loops.openInner();
            k.stmt("$L[$L] += $L[$L]", k.out(), loops.index(1), k.in(0), loops.index(0));
            loops.closeInner();
        }
        loops.closeOuter();
    }

    /**
     * For x of the form [summed…, kept…, summed…] (dimensions of size 1 aside), the dimensions before the kept run and
     * the kept run: the shape of the partial sums of {@link #sumsOverOuterAndInner}; else null.
     */
    static Shape outerAndKept(Shape x, List<Integer> axes) {
        List<Dim> dims = new ArrayList<>();
        int part = 0; // 0: the summed dimensions before the kept ones, 1: the kept ones, 2: the summed ones after
        boolean before = false;
        for (int i = 0; i < x.rank(); i++) {
            Dim d = x.dim(i);
            if (d.isOne()) continue;
            boolean summed = axes.contains(i);
            if (part == 0 && !summed) part = 1;
            else if (part == 1 && summed) part = 2;
            else if (part == 2 && !summed) return null;
            if (part == 0) before = true;
            if (part < 2) dims.add(d);
        }
        return before && part == 2 ? Shape.of(dims) : null;
    }

    /** Where the float sums of {@link #sumsOverOuterAndInner} run in parallel: their partial sums [outer, kept]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape partials = outerAndKept(n.input(0).shape(), n.attrs().ints("axes"));
        return partials == null ? List.of() : List.of(partials);
    }

    /**
     * x viewed as [outer, kept, inner] summed over outer and inner (a convolution's bias gradient: [batch, C, H·W] to
     * [C]). In float, {@code Sums.OverOuterAndInner}: the threads sum the runs of their samples, where the kernel
     * before wrote them, and the partial sums are added in sample order. In double (gradient checks) each result
     * element is summed whole, in the same order, the kept dimension split over the threads.
     */
    private static void sumsOverOuterAndInner(KernelContext k, Shape x, String outer, String keptSize, String inner) {
        if (k.T().equals("float") && outerAndKept(x, k.node().attrs().ints("axes")) != null) {
            String sums = k.state(OVER_OUTER_AND_INNER, "sums", "");
            k.stmt("$L.sum($L, $L, $L, $L, $L, $L)", sums, k.in(0), outer, keptSize, inner, k.scratch(0), k.out());
            return;
        }
        String[] range = k.parallelRange(keptSize, "(" + outer + ") * (" + inner + ")", x);
        k.stmt("java.util.Arrays.fill($L, $L, $L, ($L) 0)", k.out(), range[0], range[1], k.T());
        k.loop("a", outer);
        k.begin("for (int c = $L; c < $L; c++)", range[0], range[1]);
        k.stmt("$L[c] += $T.sum($L, (a * ($L) + c) * ($L), $L)", k.out(), SUMS, k.in(0), keptSize, inner, inner);
        k.end();
        k.end();
    }
}
