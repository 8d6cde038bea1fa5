package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/**
 * The gradient of {@link LayerNorm} in x, from (dy, x, w): per row, with x̂ = (x − mean)·rstd and g = dy·w,
 * {@code dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))}. One kernel, the runtime's {@code LayerNorm.gradient} over
 * the rows shared among threads, the row statistics computed again. It has no gradient of its own.
 */
final class LayerNormGrad implements Op, Kernel {
    @Override
    public String name() {
        return "layer_norm_grad";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return LayerNorm.checkGradient(name(), in);
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": the row statistics again, then the gradient in x in one pass over each row";
    }

    @Override
    public void emit(KernelContext k) {
        String[] rows = LayerNorm.openRows(k, 1);
        k.stmt("$T.gradient($L, $L, $L, $L, $L, $L, $L, $L)", LayerNorm.KERNEL, k.in(0), k.in(1), k.in(2), k.out(), LayerNorm.d(k),
                LayerNorm.eps(k), rows[0], rows[1]);
    }
}
