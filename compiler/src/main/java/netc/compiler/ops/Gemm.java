package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
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
import netc.runtime.kernels.Unary;

/**
 * Matrix product {@code op(A) · op(B)} with optional transposes (attrs {@code transA, transB}). Each operand is
 * viewed as a row-major matrix [product of all but its last dimension, last dimension], so {@code x @ W} with
 * x [batch, t, in] is one product. The output is A's leading dims + [n], or [m, n] when A is transposed.
 *
 * <p>With an epilogue (made by {@code EpilogueFusion} after differentiation): a third input, a bias of shape
 * [n] (or [1, ..., 1, n]) added to every row, and/or attr {@code act} ({@code relu}, {@code sigmoid},
 * {@code tanh}) applied last; the runtime kernel does both while each tile of the product is in registers. With attr
 * {@code mask=true} the last input M, shaped like the output, multiplies it as {@code (M > 0 ? 1 : 0)}: a backward
 * product with the activation's derivative folded in ({@code mul(gemm(a, b), step(M))}).
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
        boolean masked = attrs.has("mask");
        if (in.size() == (masked ? 4 : 3)) {
            Shape bias = in.get(2).shape();
            if (in.get(2).dtype() != netc.compiler.ir.DType.FLOAT || bias.rank() < 1 || !bias.dim(-1).equals(n)
                    || !strip(bias.sub(0, bias.rank() - 1)).isEmpty()) {
                throw new ShapeException("the bias of a product with " + n + " columns must be float[" + n + "], got "
                        + in.get(2));
            }
        }
        if (masked && (in.size() < 3 || !in.get(in.size() - 1).equals(TensorType.f(out)))) {
            throw new ShapeException("the mask of a product of shape " + out + " must be float" + out + ", got "
                    + (in.size() < 3 ? "none" : in.get(in.size() - 1)));
        }
        checkActivation(attrs);
        return TensorType.f(out);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        if (hasEpilogue(y)) throw new UnsupportedOperationException("products with an epilogue are made after differentiation");
        Node a = y.input(0), b = y.input(1);
        boolean ta = y.attrs().b("transA"), tb = y.attrs().b("transB");
        Node da, db;
        if (!ta && !tb) {
            da = gemm(g, dy, b, false, true);
            db = gemm(g, a, dy, true, false);
        } else if (!ta) {
            da = gemm(g, dy, b, false, false);
            db = gemm(g, dy, a, true, false);
        } else if (!tb) {
            da = gemm(g, b, dy, false, true);
            db = gemm(g, a, dy, false, false);
        } else {
            da = gemm(g, b, dy, true, true);
            db = gemm(g, dy, a, true, true);
        }
        return List.of(Ops.reshape(g, da, a.shape()), Ops.reshape(g, db, b.shape()));
    }

    static Node gemm(GraphBuilder g, Node a, Node b, boolean ta, boolean tb) {
        return g.add(Ops.GEMM, Attrs.of("transA", ta, "transB", tb), a, b);
    }

    @Override
    public String fusion(Node n) {
        return epilogue(n);
    }

    /**
     * A product with an epilogue as text, e.g. {@code relu(gemm($0, $1) + $2)}, or a backward product with a mask
     * ({@code · step($2)}); null for a plain product.
     */
    static String epilogue(Node n) {
        if (n.inputs().size() <= 2 && !n.attrs().has("act")) return null;
        String p = n.op().name() + "($0, $1)" + (Ops.hasBias(n) ? " + $2" : "");
        if (n.attrs().has("act")) p = n.attrs().s("act") + "(" + p + ")";
        return n.attrs().has("mask") ? p + " · step($" + (n.inputs().size() - 1) + ")" : p;
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
        if (fn.equals("sgemm") && !ta && !tb && !y.attrs().has("mask") && y.input(1).op() == Ops.PARAM && mayBeOneRow(rows(a))
                && (columns.isSymbolic() || columns.size() >= netc.runtime.kernels.PackedWeights.STRIP)) {
            // a weight matrix (with a strip of columns or more) times what may be a single sample: the kernel keeps a
            // copy of the weights laid out for it
            k.stmt("$T.sgemm($L, $L, $L, $L, 0, $L, 0, $L, weightsVersion(), $L, 0, false, $L)", KERNEL, m, n, kk, k.in(0),
                    k.in(1), k.state(PACKED, "packed", ""), k.out(), epilogueArgs(k));
            return;
        }
        if (!hasEpilogue(y)) {
            k.stmt("$T.$L($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, 0, false)", KERNEL, fn, ta, tb, m, n, kk, k.in(0), k.in(1), k.out());
            return;
        }
        k.stmt("$T.$L($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, 0, false, $L)", KERNEL, fn, ta, tb, m, n, kk, k.in(0), k.in(1),
                k.out(), epilogueArgs(k));
    }

    /** Whether rows of this shape may be a single one: every dimension is the batch or 1. */
    private static boolean mayBeOneRow(Shape rows) {
        for (Dim d : rows.dims()) if (!d.isSymbolic() && !d.isOne()) return false;
        return true;
    }

    /** Whether a product node (gemm or conv) carries a bias, an activation or a mask. */
    static boolean hasEpilogue(Node y) {
        return y.inputs().size() > 2 || y.attrs().has("act");
    }

    /** Rejects an {@code act} attr that names no activation of the runtime's epilogue. */
    static void checkActivation(Attrs attrs) {
        if (!attrs.has("act")) return;
        Unary u = Unary.named(attrs.s("act"));
        if (u == null || !u.epilogue()) throw new ShapeException("unknown epilogue activation: " + attrs.s("act"));
    }

    /** The activation a product node's epilogue applies ({@code act}), identity when it has none. */
    static Unary activation(Node y) {
        return y.attrs().has("act") ? Unary.named(y.attrs().s("act")) : Unary.IDENTITY;
    }

    /** The epilogue arguments of the kernel node's runtime call: its bias (or null), activation and mask, if any. */
    static CodeBlock epilogueArgs(KernelContext k) {
        Node y = k.node();
        String bias = Ops.hasBias(y) ? k.in(2) : "null";
        String mask = y.attrs().has("mask") ? ", " + k.in(y.inputs().size() - 1) : "";
        return CodeBlock.of("$L, $T.$L$L", bias, Unary.class, activation(y).name(), mask);
    }
}
