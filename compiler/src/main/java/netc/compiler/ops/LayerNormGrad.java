package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/**
 * The gradient of {@link LayerNorm} in x, from (dy, x, w): per row, with x̂ = (x − mean)·rstd and g = dy·w,
 * {@code dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))}. One kernel, the row statistics computed again. It has no
 * gradient of its own.
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
    public void emit(KernelContext k) {
        String d = k.node().shape().dim(-1).javaExpr(), dy = k.in(0), x = k.in(1), w = k.in(2), t = k.T();
        LayerNorm.openRow(k, 1, true);
        k.stmt("double sg = 0, sgx = 0");
        k.loop("j", d).stmt("$L g = $L[o + j] * $L[j]", t, dy, w).stmt("sg += g").stmt("sgx += g * ($L[o + j] - mean) * rstd", x).end();
        k.stmt("$L mg = ($L) (sg / $L), mgx = ($L) (sgx / $L)", t, t, d, t, d);
        k.loop("j", d).stmt("$L[o + j] = rstd * ($L[o + j] * $L[j] - mg - ($L[o + j] - mean) * rstd * mgx)", k.out(), dy, w, x).end();
        k.end();
    }
}
