package netc.compiler.ops;

import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * The gradient of {@link Take}: {@code take_grad(dy, index)} (attr {@code source}: x's shape) adds each element of dy
 * into a zero tensor of x's shape at its index; its own gradient is take again. Since a sample's indices point into that
 * sample, the work splits over the leading dimension.
 */
final class TakeGrad implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "take_grad";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Take.checkOperands(name(), in);
        if (!in.get(0).shape().equals(in.get(1).shape())) {
            throw new ShapeException("take_grad needs a gradient shaped like its indices, got " + in.get(0).shape() + " and " + in.get(1).shape());
        }
        return TensorType.f(attrs.shape("source"));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(g.add(Ops.TAKE, dy, y.input(1)), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        // per slice b of the leading dimension: zero the slice of the result, add the slice's elements into it; a
        // thread's share counts both (the zeroed slice may be larger), so that the work is shared out like the
        // elementwise kernels after it, which then find their part in their cache
        Shape index = n.input(1).shape();
        String slice = index.productExpr(1, index.rank()), sourceSlice = n.shape().productExpr(1, n.shape().rank());
        k.parallelLoop("b", index.dim(0).javaExpr(), sourceSlice + " + " + slice, n.shape());
        k.stmt("java.util.Arrays.fill($L, b * ($L), (b + 1) * ($L), ($L) 0)", k.out(), sourceSlice, sourceSlice, k.T());
        k.begin("for (int i = b * ($L); i < (b + 1) * ($L); i++)", slice, slice)
                .stmt("$L[$L[i]] += $L[i]", k.out(), k.in(1), k.in(0)).end();
        k.end();
    }
}
