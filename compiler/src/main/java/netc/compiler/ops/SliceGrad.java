package netc.compiler.ops;

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
 * x placed as the window of a {@link Slice} (the same attrs) in zeros of the slice's source shape: the gradient of a
 * slice, and {@code pad}. Its gradient is the slice. The window's elements are distinct places of the source, so each
 * is written once, over zeros.
 */
final class SliceGrad implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "slice_grad";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return new TensorType(attrs.shape("source"), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return List.of(g.add(Ops.SLICE, y.attrs(), dy));
    }

    @Override
    public void emit(KernelContext k) {
        Attrs a = k.node().attrs();
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(k.node().shape()), k.T());
        Slice.windowLoops(k, a, (from, length, step, i) -> {
            if (step == 1) {
                k.stmt("System.arraycopy($L, $L, $L, $L, $L)", k.in(0), i, k.out(), from, length);
            } else {
                k.loop("j", length).stmt("$L[$L + j * $L] = $L[$L]", k.out(), from, step, k.in(0), Slice.plus(i, "j")).end();
            }
        });
    }
}
