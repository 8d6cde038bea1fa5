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
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * Elements by flat index: {@code take(x, index int[...])} gives {@code x.flat[index]} in the index's shape. Its
 * gradient is {@link TakeGrad}. Indices come from other ops (max pooling's {@code maxpool_index}), not from users, so
 * they are trusted, and they keep to their slice of the leading dimension (a sample's indices point into that sample).
 */
final class Take implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "take";
    }

    /** Checks the operands of take and take_grad: float values, int indices. */
    static void checkOperands(String op, List<TensorType> in) {
        if (in.get(1).dtype() != DType.INT) throw new ShapeException(op + " needs int indices, got " + in.get(1));
        if (in.get(0).dtype() != DType.FLOAT) throw new ShapeException(op + " needs float values, got " + in.get(0));
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        checkOperands(name(), in);
        return TensorType.f(in.get(1).shape());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(g.add(Ops.TAKE_GRAD, Attrs.of("source", y.input(0).shape()), dy, y.input(1)), null);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        k.parallelLoop("i", n.input(1).shape().sizeExpr(), "1", n.input(1).shape()).stmt("$L[i] = $L[$L[i]]", k.out(), k.in(0), k.in(1)).end();
    }
}
