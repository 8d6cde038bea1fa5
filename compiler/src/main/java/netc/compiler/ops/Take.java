package netc.compiler.ops;

import java.util.Arrays;
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
 * Elements by flat index: {@code take(x, index int[...])} gives {@code x.flat[index]} in the index's shape. Its
 * gradient is {@code take_grad(dy, index)} (attr {@code source}: x's shape), which adds each element of dy into a zero
 * tensor of x's shape at its index; the gradient of take_grad is take again. Indices come from other ops (max
 * pooling's {@code maxpool_index}), not from users, so they are trusted, and they keep to their slice of the leading
 * dimension (a sample's indices point into that sample), which lets take_grad split its work over that dimension.
 */
final class Take implements Op, Differentiable, Kernel {
    private final boolean grad;

    Take(boolean grad) {
        this.grad = grad;
    }

    @Override
    public String name() {
        return grad ? "take_grad" : "take";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.get(1).dtype() != DType.INT) throw new ShapeException(name() + " needs int indices, got " + in.get(1));
        if (in.get(0).dtype() != DType.FLOAT) throw new ShapeException(name() + " needs float values, got " + in.get(0));
        if (grad) {
            if (!in.get(0).shape().equals(in.get(1).shape())) {
                throw new ShapeException("take_grad needs a gradient shaped like its indices, got " + in.get(0).shape() + " and " + in.get(1).shape());
            }
            return TensorType.f(attrs.shape("source"));
        }
        return TensorType.f(in.get(1).shape());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node index = y.input(1);
        if (grad) return Arrays.asList(g.add(Ops.TAKE, dy, index), null);
        return Arrays.asList(g.add(Ops.TAKE_GRAD, Attrs.of("source", y.input(0).shape()), dy, index), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        String count = n.input(1).shape().sizeExpr();
        if (grad) {
            // per slice b of the leading dimension: zero the slice of the result, add the slice's elements into it
            Shape index = n.input(1).shape();
            String slice = index.productExpr(1, index.rank()), sourceSlice = n.shape().productExpr(1, n.shape().rank());
            k.parallelLoop("b", index.dim(0).javaExpr(), slice, index);
            k.stmt("java.util.Arrays.fill($L, b * ($L), (b + 1) * ($L), ($L) 0)", k.out(), sourceSlice, sourceSlice, k.T());
            k.begin("for (int i = b * ($L); i < (b + 1) * ($L); i++)", slice, slice)
                    .stmt("$L[$L[i]] += $L[i]", k.out(), k.in(1), k.in(0)).end();
            k.end();
        } else {
            k.parallelLoop("i", count, "1", n.input(1).shape()).stmt("$L[i] = $L[$L[i]]", k.out(), k.in(0), k.in(1)).end();
        }
    }
}
