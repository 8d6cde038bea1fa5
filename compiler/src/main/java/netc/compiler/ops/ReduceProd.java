package netc.compiler.ops;

import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * The product of the elements over {@code axes}, {@code keepdims} as for a sum: {@code prod(x, axis=k)}, torch.prod.
 * Its gradient is, for each element, the product of the others, zeros included: with P' the product of the group's
 * elements other than zeros and z the number of zeros, dy·P'/x where z = 0, dy·P' at the zero where z = 1, else 0.
 */
final class ReduceProd implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "reduce_prod";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(ReduceSum.reduced(in.get(0).shape(), attrs));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node x = y.input(0);
        List<Integer> axes = y.attrs().ints("axes");
        Shape kept = ReduceSum.keptShape(x.shape(), axes);
        Node one = Ops.constant(g, 1);
        Node zero = Ops.sub(g, one, g.add(Ops.ABS, g.add(Ops.SIGN, x)));  // [x = 0]
        Node nonzero = Ops.add(g, x, zero);  // the zeros replaced by 1
        Node others = g.add(Ops.REDUCE_PROD, Attrs.of("axes", axes, "keepdims", true), nonzero);  // P'
        Node zeros = Ops.reduceSum(g, zero, axes, true);  // z
        Node none = Ops.sub(g, one, g.add(Ops.SIGN, zeros));  // [z = 0]
        Node single = Ops.sub(g, one, g.add(Ops.ABS, g.add(Ops.SIGN, Ops.sub(g, zeros, one))));  // [z = 1]
        // P'/x where no zero, P' at the zero where exactly one
        Node share = Ops.add(g, Ops.mul(g, none, Ops.div(g, others, nonzero)), Ops.mul(g, single, Ops.mul(g, zero, others)));
        return List.of(Ops.mul(g, share, Ops.broadcastTo(g, Ops.reshape(g, dy, kept), x.shape())));
    }

    @Override
    public void emit(KernelContext k) {
        ReduceExtreme.fold(k, "1", "%s * %s");
    }
}
