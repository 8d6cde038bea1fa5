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
 * Matrix product {@code op(A) · op(B)} with optional transposes (attrs {@code transA, transB}). Each operand is
 * viewed as a row-major matrix [product of all but its last dimension, last dimension], so {@code x @ W} with
 * x [batch, t, in] is one product. The output is A's leading dims + [n], or [m, n] when A is transposed.
 *
 * <p>With an epilogue (made by {@code EpilogueFusion} after differentiation): a third input, a bias of shape
 * [n] (or [1, ..., 1, n]) added to every row, and/or an activation applied last; the runtime kernel does both while
 * each tile of the product is in registers. Or a mask: the last input M, shaped like the output, multiplies it as
 * {@code (M > 0 ? 1 : 0)}: a backward product with the activation's derivative folded in
 * ({@code mul(gemm(a, b), step(M))}). {@link Epilogue} reads which a node has.
 *
 * <p>A product of a weight matrix (a parameter, not transposed) by rows that may be a single sample passes the
 * kernel a {@link netc.runtime.kernels.PackedWeights} kept by the model and the weights' version: one sample's product
 * then reads the weights laid out for it.
 */
final class Gemm implements Op, Differentiable, Kernel {
    private static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "Gemm");
    private static final ClassName PACKED = ClassName.get("netc.runtime.kernels", "PackedWeights");

    @Override
    public String name() {
        return "gemm";
    }

    private static Shape rows(Shape s) {
        return s.sub(0, s.rank() - 1);
    }

    private static Shape cols(Shape s) {
        return s.sub(s.rank() - 1, s.rank());
    }

    /** Dimension lists equal as products (ignoring size-1 dims). */
    private static boolean sameProduct(Shape a, Shape b) {
        return strip(a).equals(strip(b));
    }

    private static List<Dim> strip(Shape s) {
        List<Dim> l = new ArrayList<>();
        for (Dim d : s.dims()) if (!d.isOne()) l.add(d);
        return l;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape a = in.get(0).shape(), b = in.get(1).shape();
        boolean ta = attrs.b("transA"), tb = attrs.b("transB");
        if (a.rank() < 2 || b.rank() < 2) {
            throw new ShapeException("matrix product needs operands of rank 2 or more: " + a + " @ " + b);
        }
        if (in.get(0).dtype() != netc.compiler.ir.DType.FLOAT || in.get(1).dtype() != netc.compiler.ir.DType.FLOAT) {
            throw new ShapeException("matrix products need float operands, got " + in.get(0) + " @ " + in.get(1));
        }
        if (tb && b.rank() != 2) throw new ShapeException("transposed right operand must be a matrix, got " + b);
        Shape ka = ta ? rows(a) : cols(a);
        Shape kb = tb ? cols(b) : rows(b);
        if (!sameProduct(ka, kb)) {
            throw new ShapeException(a + " @ " + b + ": inner dimensions " + ka.productExpr(0, ka.rank())
                    + " and " + kb.productExpr(0, kb.rank()) + " differ");
        }
        Dim n = tb ? b.dim(0) : b.dim(-1);
        Shape out = ta ? Shape.of(List.of(a.dim(-1), n)) : rows(a).append(n);
        Epilogue e = Epilogue.of(in.size(), attrs);
        if (e.bias()) {
            Shape bias = in.get(2).shape();
            if (in.get(2).dtype() != netc.compiler.ir.DType.FLOAT || bias.rank() < 1 || !bias.dim(-1).equals(n)
                    || !strip(bias.sub(0, bias.rank() - 1)).isEmpty()) {
                throw new ShapeException("the bias of a product with " + n + " columns must be float[" + n + "], got "
                        + in.get(2));
            }
        }
        if (e.mask() && (in.size() < 3 || !in.get(e.maskInput()).equals(TensorType.f(out)))) {
            throw new ShapeException("the mask of a product of shape " + out + " must be float" + out + ", got "
                    + (in.size() < 3 ? "none" : in.get(in.size() - 1)));
        }
        return TensorType.f(out);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        if (!Epilogue.of(y).isNone()) throw new UnsupportedOperationException("products with an epilogue are made after differentiation");
        Node a = y.input(0), b = y.input(1);
        Node[] d = productGradients(y, dy, (x, z, ta, tb) -> gemm(g, x, z, ta, tb));
        Node da = d[0], db = d[1];
        return List.of(Ops.reshape(g, da, a.shape()), Ops.reshape(g, db, b.shape()));
    }

    /** A product op(x)·op(z) with these transposes. */
    interface Product {
        Node of(Node x, Node z, boolean ta, boolean tb);
    }

    /**
     * The gradients of y = op(a)·op(b) (attrs {@code transA}, {@code transB}) in a and b, each as one product of dy
     * and the other operand: shared by {@code gemm} and {@code bmm}, which make the products their own way.
     */
    static Node[] productGradients(Node y, Node dy, Product p) {
        Node a = y.input(0), b = y.input(1);
        boolean ta = y.attrs().b("transA"), tb = y.attrs().b("transB");
        if (!ta && !tb) return new Node[] {p.of(dy, b, false, true), p.of(a, dy, true, false)};
        if (!ta) return new Node[] {p.of(dy, b, false, false), p.of(dy, a, true, false)};
        if (!tb) return new Node[] {p.of(b, dy, false, true), p.of(a, dy, false, false)};
        return new Node[] {p.of(b, dy, true, true), p.of(dy, a, true, true)};
    }

    static Node gemm(GraphBuilder g, Node a, Node b, boolean ta, boolean tb) {
        return g.add(Ops.GEMM, Attrs.of("transA", ta, "transB", tb), a, b);
    }

    @Override
    public String fusion(Node n) {
        return Epilogue.of(n).describe(name());
    }

    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        Shape a = y.input(0).shape(), b = y.input(1).shape();
        boolean ta = y.attrs().b("transA"), tb = y.attrs().b("transB");
        String m = ta ? a.dim(-1).javaExpr() : a.productExpr(0, a.rank() - 1);
        String kk = ta ? a.productExpr(0, a.rank() - 1) : a.dim(-1).javaExpr();
        String n = tb ? b.dim(0).javaExpr() : b.dim(-1).javaExpr();
        String fn = k.T().equals("float") ? "sgemm" : "dgemm";
        Dim columns = b.dim(-1);
        Dim outColumns = tb ? b.dim(0) : columns;
        if (fn.equals("sgemm") && !ta && !Epilogue.of(y).mask() && y.input(1).op() == Ops.PARAM && mayBeOneRow(rows(a))
                && (outColumns.isSymbolic() || outColumns.size() >= netc.runtime.kernels.PackedWeights.STRIP)) {
            // a weight matrix (with a strip of columns or more; a dense layer's [out, in] too) times what may be a
            // single sample: the kernel keeps a copy of the weights laid out for it
            k.stmt("$T.sgemm($L$L, $L, $L, $L, 0, $L, 0, $L, weightsVersion(), $L, 0, false, $L)", KERNEL, tb ? "true, " : "", m, n, kk,
                    k.in(0), k.in(1), k.state(PACKED, "packed", ""), k.out(), Epilogue.args(k));
            return;
        }
        if (Epilogue.of(y).isNone()) {
            k.stmt("$T.$L($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, 0, false)", KERNEL, fn, ta, tb, m, n, kk, k.in(0), k.in(1), k.out());
            return;
        }
        k.stmt("$T.$L($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, 0, false, $L)", KERNEL, fn, ta, tb, m, n, kk, k.in(0), k.in(1),
                k.out(), Epilogue.args(k));
    }

    /** Whether rows of this shape may be a single one: every dimension is the batch or 1. */
    private static boolean mayBeOneRow(Shape rows) {
        for (Dim d : rows.dims()) if (!d.isSymbolic() && !d.isOne()) return false;
        return true;
    }
}
