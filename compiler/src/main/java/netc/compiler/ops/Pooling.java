package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * Pooling over 1 or 2 spatial dimensions of [batch, C, (H,) W], without padding, floor mode, as PyTorch's
 * {@code max_pool1d/2d} and {@code avg_pool1d/2d} with their defaults. Attrs {@code size} and {@code stride}: one
 * integer per spatial dimension.
 * <ul>
 *   <li>{@code maxpool(x)}: the maximum of each window (NaN if the window holds one). Its gradient is
 *   {@code maxpool_grad(dy, x)}.</li>
 *   <li>{@code maxpool_grad(dy, x)}: x's shape, zero but at each window's first maximum in row-major order (PyTorch's
 *   choice at ties), where the window's dy is added: the backward pass finds where the maxima are, in one pass over x,
 *   so that the forward pass (and a prediction) only compares. It is linear in dy, and its gradient for dy gathers
 *   from the maxima, {@code take(ddx, maxpool_index(x))} ({@link Take}); for x it has none (it is constant between
 *   ties).</li>
 *   <li>{@code maxpool_index(x)}: for each window, the flat index into x of its first maximum, as an int tensor of the
 *   pooled shape; it gets no gradient.</li>
 *   <li>{@code avgpool(x)}, the mean of each window, and its gradient {@code avgpool_grad(dy)} (attr {@code input}:
 *   x's shape) which spreads each output's gradient evenly over its window; each is the other's gradient.</li>
 * </ul>
 * Kernels: {@code netc.runtime.kernels.Pool}, parallel over batch · channels.
 */
final class Pooling implements Op, Differentiable, Kernel {
    enum Mode {
        MAX("maxpool"), MAX_GRAD("maxpool_grad"), MAX_INDEX("maxpool_index"), AVG("avgpool"), AVG_GRAD("avgpool_grad");

        final String opName;

        Mode(String opName) {
            this.opName = opName;
        }
    }

    private static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "Pool");
    private final Mode mode;

    Pooling(Mode mode) {
        this.mode = mode;
    }

    @Override
    public String name() {
        return mode.opName;
    }

    static Attrs attrs(List<Integer> size, List<Integer> stride) {
        return Attrs.of("size", List.copyOf(size), "stride", List.copyOf(stride));
    }

    /** The output size along one dimension (floor mode); 0 or negative when the window does not fit. */
    static int outSize(int in, int size, int stride) {
        return Math.floorDiv(in - size, stride) + 1;
    }

    /** The pooled shape of x, or a ShapeException saying why there is none. */
    static Shape outputShape(Shape x, Attrs a) {
        int r = x.rank();
        if (r != 3 && r != 4) {
            throw new ShapeException("pooling needs an input [batch, channels, length] or [batch, channels, height, width], got " + x);
        }
        for (int i = 1; i < r; i++) if (x.dim(i).isSymbolic()) throw new ShapeException("pooling needs known channel and spatial sizes, got " + x);
        List<Integer> size = a.ints("size"), stride = a.ints("stride");
        if (size.size() != r - 2 || stride.size() != r - 2) throw new ShapeException("pooling attributes need one value per spatial dimension: " + a);
        for (int i = 0; i < r - 2; i++) {
            if (size.get(i) < 1 || stride.get(i) < 1) throw new ShapeException("pooling needs positive window sizes and strides: " + a);
        }
        List<Dim> out = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
        for (int i = 0; i < r - 2; i++) {
            int o = outSize(x.dim(2 + i).size(), size.get(i), stride.get(i));
            if (o <= 0) throw new ShapeException("window " + size + " is larger than input " + x);
            out.add(Dim.of(o));
        }
        return Shape.of(out);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        for (TensorType t : in) {
            if (t.dtype() != DType.FLOAT) throw new ShapeException(name() + " needs float operands, got " + t);
        }
        return switch (mode) {
            case MAX_INDEX -> new TensorType(outputShape(in.get(0).shape(), attrs), DType.INT);
            case MAX, AVG -> TensorType.f(outputShape(in.get(0).shape(), attrs));
            case MAX_GRAD -> {
                Shape x = in.get(1).shape(), y = outputShape(x, attrs);
                if (!y.equals(in.get(0).shape())) throw new ShapeException("maxpool gradient of shape " + in.get(0).shape() + " does not fit output " + y);
                yield TensorType.f(x);
            }
            case AVG_GRAD -> {
                Shape x = attrs.shape("input"), y = outputShape(x, attrs);
                if (!y.equals(in.get(0).shape())) throw new ShapeException("avgpool gradient of shape " + in.get(0).shape() + " does not fit output " + y);
                yield TensorType.f(x);
            }
        };
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Attrs a = attrs(y.attrs().ints("size"), y.attrs().ints("stride"));
        return switch (mode) {
            case MAX -> List.of(g.add(Ops.MAXPOOL_GRAD, a, dy, y.input(0)));
            case MAX_GRAD -> Arrays.asList(g.add(Ops.TAKE, dy, g.add(Ops.MAXPOOL_INDEX, a, y.input(1))), null);
            case MAX_INDEX -> Arrays.asList((Node) null);
            case AVG -> List.of(g.add(Ops.AVGPOOL_GRAD, a.with("input", y.input(0).shape()), dy));
            case AVG_GRAD -> List.of(g.add(Ops.AVGPOOL, a, dy));
        };
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Attrs a = n.attrs();
        Shape x = switch (mode) {
            case AVG_GRAD -> a.shape("input");
            case MAX_GRAD -> n.input(1).shape();
            default -> n.input(0).shape();
        };
        boolean twoD = x.rank() == 4;
        List<Integer> size = a.ints("size"), stride = a.ints("stride");
        String geometry = String.join(", ", x.productExpr(0, 2), Integer.toString(twoD ? x.dim(2).size() : 1),
                Integer.toString(x.dim(-1).size()), Integer.toString(twoD ? size.get(0) : 1), Integer.toString(size.get(size.size() - 1)),
                Integer.toString(twoD ? stride.get(0) : 1), Integer.toString(stride.get(stride.size() - 1)));
        String fn = switch (mode) {
            case MAX -> "max";
            case MAX_GRAD -> "maxGrad";
            case MAX_INDEX -> "maxIndex";
            case AVG -> "avgForward";
            case AVG_GRAD -> "avgBackward";
        };
        String operands = mode == Mode.MAX_GRAD ? k.in(0) + ", " + k.in(1) : k.in(0);
        k.stmt("$T.$L($L, $L, $L)", KERNEL, fn, operands, k.out(), geometry);
    }
}
