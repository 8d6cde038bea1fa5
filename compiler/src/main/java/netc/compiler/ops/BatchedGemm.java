package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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
 * Batched matrix products {@code [..., m, k] @ [..., k, n] → [..., m, n]}, as torch.matmul of operands of rank 3 or
 * more: the leading (batch) dimensions broadcast NumPy-style, and attrs {@code transA}, {@code transB} transpose the
 * last two dimensions of an operand ({@code q @ transpose(k)} reads k as it is). The kernel is a loop of the GEMM
 * kernel's products, one per batch index, which threads share out; a product whose operand is broadcast reads the
 * same matrix each time. (A batched left operand times one matrix is one {@code gemm} over all its rows instead.)
 */
final class BatchedGemm implements Op, Differentiable, Kernel {
    private static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "Gemm");

    @Override
    public String name() {
        return "bmm";
    }

    /** The leading (batch) dimensions of an operand. */
    static Shape batch(Shape s) {
        return s.sub(0, s.rank() - 2);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape a = in.get(0).shape(), b = in.get(1).shape();
        if (a.rank() < 2 || b.rank() < 2) throw new ShapeException("batched matrix products need operands of rank 2 or more: " + a + " @ " + b);
        if (in.get(0).dtype() != DType.FLOAT || in.get(1).dtype() != DType.FLOAT) {
            throw new ShapeException("matrix products need float operands, got " + in.get(0) + " @ " + in.get(1));
        }
        boolean ta = attrs.b("transA"), tb = attrs.b("transB");
        Dim m = a.dim(ta ? -1 : -2), ka = a.dim(ta ? -2 : -1), kb = b.dim(tb ? -1 : -2), n = b.dim(tb ? -2 : -1);
        if (!ka.equals(kb)) throw new ShapeException(a + " @ " + b + ": inner dimensions " + ka + " and " + kb + " differ");
        Shape lead = Shape.broadcast(batch(a), batch(b));
        if (lead == null) throw new ShapeException(a + " @ " + b + ": batch dimensions " + batch(a) + " and " + batch(b) + " do not broadcast");
        return TensorType.f(lead.append(m).append(n));
    }

    static Node bmm(GraphBuilder g, Node a, Node b, boolean ta, boolean tb) {
        return g.add(Ops.BMM, Attrs.of("transA", ta, "transB", tb), a, b);
    }

    /** As {@link Gemm}'s rule, each product batched; an operand that was broadcast gets the sum over its copies. */
    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node[] d = Gemm.productGradients(y, dy, (x, z, ta, tb) -> bmm(g, x, z, ta, tb));
        Node a = y.input(0), b = y.input(1), da = d[0], db = d[1];
        return List.of(Ops.unbroadcast(g, da, a.shape()), Ops.unbroadcast(g, db, b.shape()));
    }

    /**
     * A loop over the batch index {@code p}, split among threads, of products at offsets {@code p}'s matrices: each
     * operand's from its own batch index (0 along the dimensions it is broadcast in).
     */
    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        Shape a = y.input(0).shape(), b = y.input(1).shape(), c = y.shape();
        boolean ta = y.attrs().b("transA"), tb = y.attrs().b("transB");
        String m = c.dim(-2).javaExpr(), n = c.dim(-1).javaExpr(), kk = a.dim(ta ? -2 : -1).javaExpr();
        Shape lead = batch(c);
        String fn = k.T().equals("float") ? "sgemm" : "dgemm";
        k.parallelLoop("p", lead.sizeExpr(), "(" + m + ") * (" + n + ")", c);
        k.stmt("$T.$L($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, p * $L, false)", KERNEL, fn, ta, tb, m, n, kk,
                k.in(0), offset(lead, batch(a), matrix(a)), k.in(1), offset(lead, batch(b), matrix(b)), k.out(), matrix(c));
        k.end();
    }

    /** The number of elements of one matrix of an operand, as Java. */
    private static String matrix(Shape s) {
        return s.productExpr(s.rank() - 2, s.rank());
    }

    /** The offset of batch index p's matrix in an operand with these batch dimensions, broadcast to {@code lead}. */
    private static String offset(Shape lead, Shape batch, String matrix) {
        String index = KernelContext.broadcastIndex(lead, batch, "p");
        return index.equals("0") ? "0" : "(" + index + ") * " + matrix;
    }
}
