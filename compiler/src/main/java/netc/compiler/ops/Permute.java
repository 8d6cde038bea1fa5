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

    /** A first dimension shorter than this shares its loop with the second's among the threads. */
    private static final int FEW = 16;

    /**
     * A loop per output dimension, the outermost (or the two outermost) shared among threads, reading the input at
     * the strides of the dimensions the output's come from; the last is a copy of a run when it is contiguous in the
     * input too.
     */
    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        Shape in = y.input(0).shape(), out = y.shape();
        List<Integer> perm = y.attrs().ints("perm");
        int r = out.rank();
        if (r == 0) {
            k.stmt("$L[0] = $L[0]", k.out(), k.in(0));
            return;
        }
        String last = out.dim(r - 1).javaExpr(), lastStride = in.productExpr(perm.get(r - 1) + 1, in.rank());
        String offset = "0";
        // the threads take the first dimension's indices, or pairs of the first two's where the first is short
        // (attention's [3, batch, heads, seq, dh]: q, k and v)
        int shared = r > 2 && !out.dim(0).isSymbolic() && out.dim(0).size() < FEW ? 2 : 1;
        if (shared == 2) {
            String second = out.dim(1).javaExpr();
            k.parallelLoop("c", out.productExpr(0, 2), out.productExpr(2, r), out);
            k.stmt("int c0 = c / $L, c1 = c % $L", Slice.factor(second), Slice.factor(second));
            k.stmt("int i = c * $L", Slice.factor(out.productExpr(2, r)));
        } else if (r > 1) {
            k.parallelLoop("c0", out.dim(0).javaExpr(), out.productExpr(1, r), out);
            k.stmt("int i = c0 * $L", Slice.factor(out.productExpr(1, r)));
        } else {
            k.stmt("int i = 0");
        }
        for (int d = 0; d < r - 1; d++) {
            if (d >= shared) k.loop("c" + d, out.dim(d).javaExpr());
            k.stmt("int o$L = $L", d, Slice.plus(offset, Slice.times("c" + d, in.productExpr(perm.get(d) + 1, in.rank()))));
            offset = "o" + d;
        }
        if (lastStride.equals("1")) {
            k.stmt("System.arraycopy($L, $L, $L, i, $L)", k.in(0), offset, k.out(), last);
            if (r > 1) k.stmt("i += $L", last);
        } else {
            k.loop("j", last).stmt("$L[i++] = $L[$L]", k.out(), k.in(0), Slice.plus(offset, Slice.times("j", lastStride))).end();
        }
        for (int d = shared; d < r - 1; d++) k.end();
        if (r > 1) k.end();
    }
}
