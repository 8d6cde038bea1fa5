package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Shape;
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
    public void emit(KernelContext k) {
        Shape s = k.node().input(1).shape();
        String d = s.dim(-1).javaExpr(), dy = k.in(0), x = k.in(1), out = k.out();
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", out, 2 * s.dim(-1).size(), k.T());
        // the rows add into every column: one thread
        LayerNorm.openRow(k, 1, false);
        k.loop("j", d).stmt("$L[j] += $L[o + j] * ($L[o + j] - mean) * rstd", out, dy, x).stmt("$L[$L + j] += $L[o + j]", out, d, dy).end();
        k.end();
    }
}
