package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Shape;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/**
 * The gradients of {@link LayerNorm} in w and b, from (dy, x): {@code [Σ dy·x̂ | Σ dy]} summed over the rows, one
 * vector [2d] (w's gradient, then b's) made in one pass. It has no gradient of its own.
 */
final class LayerNormParamGrad implements Op, Kernel {
    @Override
    public String name() {
        return "layer_norm_param_grad";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        int d = LayerNorm.checkGradient(name(), in).shape().dim(-1).size();
        return TensorType.f(Shape.of(List.of(Dim.of(2 * d))));
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": the gradients of weight and bias together in one pass over the rows";
    }

    /** The rows' mean and rstd, computed first: [rows…, 2]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape s = n.input(1).shape();
        return List.of(s.sub(0, s.rank() - 1).append(Dim.of(2)));
    }

    @Override
    public void emit(KernelContext k) {
        Shape s = k.node().input(1).shape();
        if (k.T().equals("double")) {
            k.stmt("$T.paramGradient($L, $L, $L, $L, $L, $L)", LayerNorm.KERNEL, k.in(0), k.in(1), k.out(),
                    s.dim(-1).javaExpr(), LayerNorm.eps(k), s.productExpr(0, s.rank() - 1));
            return;
        }
        // every row adds into every column: the threads take rows for the statistics, then columns for the sums
        String grads = k.state(LayerNorm.KERNEL.nestedClass("ParamGradient"), "paramGradient", "");
        k.stmt("$L.compute($L, $L, $L, $L, $L, $L, $L)", grads, k.in(0), k.in(1), k.out(), s.dim(-1).javaExpr(),
                LayerNorm.eps(k), s.productExpr(0, s.rank() - 1), k.scratch(0));
    }
}
