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
import netc.compiler.ir.TensorType;

/**
 * The gradient of {@link Maxout}: {@code maxout_scatter(key, dy)} writes each group's adjoint at the position where the
 * key is largest and zeros elsewhere; its gradient in dy is maxout again.
 */
final class MaxoutScatter implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "maxout_scatter";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(Maxout.check(name(), in, attrs, true));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return Arrays.asList(null, g.add(Ops.MAXOUT, y.attrs(), y.input(0), dy));
    }

    @Override
    public void emit(KernelContext k) {
        Maxout.emit(k, true);
    }
}
