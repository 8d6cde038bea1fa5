package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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
 * Row lookup for embeddings: {@code gather(table [V, D], index int[...])} gives [..., D]. Its gradient for the
 * table is {@code scatter_rows(dy, index)}, which adds each row of dy into a zero table (attr {@code rows} = V).
 */
final class Gather implements Op, Differentiable, Kernel {
    private static final ClassName USER_ERROR = ClassName.get("netc.runtime", "UserError");
    private final boolean scatter;

    Gather(boolean scatter) {
        this.scatter = scatter;
    }

    @Override
    public String name() {
        return scatter ? "scatter_rows" : "gather";
    }

    /** The gather's row indices (its second input) index the table's rows. */
    @Override
    public Index index(Node n, int k) {
        return !scatter && k == 1 ? new Index(n.input(0).shape().dim(0).size(), false) : null;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.get(1).dtype() != DType.INT) throw new ShapeException("indices must be int, got " + in.get(1));
        if (scatter) {
            Shape dy = in.get(0).shape();
            return TensorType.f(Shape.of(List.of(Dim.of(attrs.i("rows")), dy.dim(-1))));
        }
        Shape table = in.get(0).shape();
        if (table.rank() != 2) throw new ShapeException("an embedding table must be [rows, dim], got " + table);
        return TensorType.f(in.get(1).shape().append(table.dim(1)));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        if (scatter) return Arrays.asList(g.add(Ops.GATHER, dy, y.input(1)), null);
        Node table = y.input(0);
        return Arrays.asList(g.add(Ops.SCATTER_ROWS, Attrs.of("rows", table.shape().dim(0).size()), dy, y.input(1)), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        int rows = scatter ? n.attrs().i("rows") : n.input(0).shape().dim(0).size();
        int d = n.shape().dim(-1).size();
        String count = n.input(1).shape().sizeExpr();
        if (scatter) k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), rows * d, k.T());
        k.loop("i", count);
        k.stmt("int r = $L[i]", k.in(1));
        k.begin("if (r < 0 || r >= $L)", rows).stmt("throw new $T(\"index \" + r + \" out of range [0, $L)\")", USER_ERROR, rows).end();
        if (scatter) k.loop("j", Integer.toString(d)).stmt("$L[r * $L + j] += $L[i * $L + j]", k.out(), d, k.in(0), d).end();
        else k.stmt("System.arraycopy($L, r * $L, $L, i * $L, $L)", k.in(0), d, k.out(), d, d);
        k.end();
    }
}
