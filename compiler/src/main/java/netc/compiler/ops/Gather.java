package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * Row lookup for embeddings: {@code gather(table [V, D], index int[...])} gives [..., D]. Its gradient for the table
 * is {@link ScatterRows}.
 */
final class Gather implements Op, Differentiable, Kernel {
    static final ClassName USER_ERROR = ClassName.get("netc.runtime", "UserError");

    @Override
    public String name() {
        return "gather";
    }

    /** The row indices (the second input) index the table's rows. */
    @Override
    public Index index(Node n, int k) {
        return k == 1 ? new Index(n.input(0).shape().dim(0).size(), false) : null;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.get(1).dtype() != DType.INT) throw new ShapeException("indices must be int, got " + in.get(1));
        Shape table = in.get(0).shape();
        if (table.rank() != 2) throw new ShapeException("an embedding table must be [rows, dim], got " + table);
        return TensorType.f(in.get(1).shape().append(table.dim(1)));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(g.add(Ops.SCATTER_ROWS, Attrs.of("rows", y.input(0).shape().dim(0).size()), dy, y.input(1)), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        int d = n.shape().dim(-1).size();
        // the threads take indices: each copies its rows
        k.parallelLoop("i", n.input(1).shape().sizeExpr(), Integer.toString(d), n.shape());
        checkedRow(k, n.input(0).shape().dim(0).size());
        k.stmt("System.arraycopy($L, r * $L, $L, i * $L, $L)", k.in(0), d, k.out(), d, d);
        k.end();
    }

    /** Opens the loop over the indices (input 1) with {@code r} the row of index {@code i}, checked to be below {@code rows}. */
    static void rows(KernelContext k, int rows) {
        k.loop("i", k.node().input(1).shape().sizeExpr());
        checkedRow(k, rows);
    }

    /** In the loop over the indices, {@code r}: the row of index {@code i}, checked to be below {@code rows}. */
    private static void checkedRow(KernelContext k, int rows) {
        k.stmt("int r = $L[i]", k.in(1));
        k.begin("if (r < 0 || r >= $L)", rows).stmt("throw new $T(\"index \" + r + \" out of range [0, $L)\")", USER_ERROR, rows).end();
    }
}
