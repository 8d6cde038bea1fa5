package netc.compiler.ops;

import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * The gradient of {@link Gather} for its table: {@code scatter_rows(dy, index)} adds each row of dy into a zero table of
 * attr {@code rows} rows; its own gradient is the gather.
 */
final class ScatterRows implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "scatter_rows";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.get(1).dtype() != DType.INT) throw new ShapeException("indices must be int, got " + in.get(1));
        return TensorType.f(Shape.of(List.of(Dim.of(attrs.i("rows")), in.get(0).shape().dim(-1))));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(g.add(Ops.GATHER, dy, y.input(1)), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        int rows = n.attrs().i("rows"), d = n.shape().dim(-1).size();
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), rows * d, k.T());
        Gather.rows(k, rows);
        k.loop("j", Integer.toString(d)).stmt("$L[r * $L + j] += $L[i * $L + j]", k.out(), d, k.in(0), d).end();
        k.end();
    }
}
