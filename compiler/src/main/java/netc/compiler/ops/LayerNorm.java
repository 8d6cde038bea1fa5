package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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
 * Layer normalisation over the last axis, as nn.LayerNorm: {@code (x − mean) / √(var + eps) · w + b} for each row of
 * x [..., d], with the mean and the biased variance of the row, w and b [d]; attr {@code eps}. One kernel: the runtime's
 * {@code LayerNorm.forward} over the rows, shared among threads, each row read three times (mean, variance, result)
 * while it is in cache. Its gradient is
 * {@link LayerNormGrad} for x and {@link LayerNormParamGrad} for w and b, which compute the row statistics again rather
 * than keep them.
 */
final class LayerNorm implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "layer_norm";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return check(name(), in.get(0), in.subList(1, in.size()));
    }

    /** x [..., d] of float with a known d, and vectors [d] of float: the type of x. */
    static TensorType check(String op, TensorType x, List<TensorType> vectors) {
        Shape s = x.shape();
        if (s.rank() < 1 || s.dim(-1).isSymbolic() || x.dtype() != DType.FLOAT) {
            throw new ShapeException(op + " needs float values with a known last dimension, got " + x);
        }
        for (TensorType v : vectors) {
            if (!v.equals(TensorType.f(Shape.of(List.of(s.dim(-1)))))) {
                throw new ShapeException(op + " of " + x + " needs vectors float[" + s.dim(-1) + "], got " + v);
            }
        }
        return x;
    }

    /** A gradient kernel's (dy, x, vectors...): checked as for the forward op, dy shaped like x; the type of x. */
    static TensorType checkGradient(String op, List<TensorType> in) {
        TensorType x = check(op, in.get(1), in.subList(2, in.size()));
        if (!in.get(0).equals(x)) throw new ShapeException(op + ": the gradient " + in.get(0) + " does not fit " + x);
        return x;
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node x = y.input(0);
        int d = x.shape().dim(-1).size();
        Node dx = g.add(Ops.LAYER_NORM_GRAD, y.attrs(), dy, x, y.input(1));
        Node params = g.add(Ops.LAYER_NORM_PARAM_GRAD, y.attrs(), dy, x);
        return List.of(dx, Ops.sliceLast(g, params, 0, d), Ops.sliceLast(g, params, d, 2 * d));
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": mean, variance, normalisation, scale and shift in one pass over each row";
    }

    @Override
    public void emit(KernelContext k) {
        String[] rows = openRows(k, 0);
        k.stmt("$T.forward($L, $L, $L, $L, $L, $L, $L, $L)", KERNEL, k.in(0), k.in(1), k.in(2), k.out(), d(k), eps(k), rows[0], rows[1]);
    }

    /** The runtime's layer-norm rows, which the kernels of the forward op and its gradients call. */
    static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "LayerNorm");

    /** The bounds of the rows of input {@code xIn} a call handles, shared among threads. */
    static String[] openRows(KernelContext k, int xIn) {
        Shape s = k.node().input(xIn).shape();
        return k.parallelRange(s.productExpr(0, s.rank() - 1), d(k), s);
    }

    /** The row length d of the node's x, its input 1 for the gradients. */
    static String d(KernelContext k) {
        return k.node().shape().dim(-1).javaExpr();
    }

    /** The attribute eps, as a literal of the kernel's element type. */
    static String eps(KernelContext k) {
        double eps = k.node().attrs().d("eps");
        return k.T().equals("float") ? (float) eps + "f" : Const.javaDouble(eps);
    }
}
