package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/**
 * The inverted-dropout mask for its input's shape: in training each element is 0 with probability {@code p}
 * and 1/(1-p) otherwise ({@code netc.runtime.kernels.Dropout}, from the model's random numbers); in evaluation all
 * ones. Not pure: two masks are never merged.
 */
final class DropoutMask implements Op, Differentiable, Kernel {
    private static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "Dropout");

    @Override
    public String name() {
        return "dropout_mask";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(in.get(0).shape());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList((Node) null);
    }

    @Override
    public boolean pure() {
        return false;
    }

    @Override
    public void emit(KernelContext k) {
        double p = k.node().attrs().d("p");
        String n = k.size(k.node().shape());
        k.begin("if (training)");
        k.stmt("$T.mask(rng, $L, $L, $L)", KERNEL, k.out(), n, Const.javaDouble(p));
        k.end().begin("else").stmt("java.util.Arrays.fill($L, 0, $L, ($L) 1)", k.out(), n, k.T()).end();
    }
}
