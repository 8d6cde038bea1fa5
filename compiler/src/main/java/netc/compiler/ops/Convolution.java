package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.ArrayList;
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
 * Convolution over 1 or 2 spatial dimensions, PyTorch's {@code conv1d}/{@code conv2d} without bias or groups:
 * {@code conv(x [batch, C, (H,) W], w [O, C, (KH,) KW])} gives [batch, O, (OH,) OW] with
 * {@code OW = (W + 2·pad − dilation·(KW − 1) − 1) / stride + 1}. Attrs {@code stride}, {@code pad},
 * {@code dilation}: one integer per spatial dimension.
 *
 * <p>Its gradients are two more modes of this op, each linear in both operands, so that their own gradients
 * close over the three modes (second derivatives work):
 * <ul>
 *   <li>{@code conv_grad_input(dy, w)} (attr {@code input}: the shape of x), the transposed convolution of dy;</li>
 *   <li>{@code conv_grad_weight(dy, x)} (attr {@code weight}: the shape of w), the correlation of x with dy.</li>
 * </ul>
 * Kernels: {@code netc.runtime.kernels.Conv} (im2col and one GEMM per group of samples, groups in parallel), its
 * sizes a {@code Conv.Geometry} made once per model instance.
 *
 * <p>With an epilogue (forward mode, made by {@code EpilogueFusion} after differentiation): a third input, a bias
 * with one value per output channel (shape [O, 1, 1], or any shape holding O values), added to its channel, and/or
 * attr {@code act} ({@code relu}, {@code sigmoid}, {@code tanh}) applied last, both by the kernel to each sample's
 * output while it is in cache.
 */
final class Convolution implements Op, Differentiable, Kernel {
    enum Mode {
        FORWARD("conv"), INPUT_GRAD("conv_grad_input"), WEIGHT_GRAD("conv_grad_weight");

        final String opName;

        Mode(String opName) {
            this.opName = opName;
        }
    }

    private static final ClassName KERNEL = ClassName.get("netc.runtime.kernels", "Conv");
    private static final ClassName GEOMETRY = KERNEL.nestedClass("Geometry");
    private final Mode mode;

    Convolution(Mode mode) {
        this.mode = mode;
    }

    @Override
    public String name() {
        return mode.opName;
    }

    /** The attributes of a convolution, without the shape a gradient mode adds. */
    static Attrs attrs(List<Integer> stride, List<Integer> pad, List<Integer> dilation) {
        return Attrs.of("stride", List.copyOf(stride), "pad", List.copyOf(pad), "dilation", List.copyOf(dilation));
    }

    private static Attrs base(Attrs a) {
        return attrs(a.ints("stride"), a.ints("pad"), a.ints("dilation"));
    }

    /** The output size along one spatial dimension; may be 0 or negative when the dilated kernel does not fit. */
    static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        return Math.floorDiv(in + 2 * pad - dilation * (kernel - 1) - 1, stride) + 1;
    }

    /** The output shape of conv(x, w), or a ShapeException saying why there is none. */
    static Shape outputShape(Shape x, Shape w, Attrs a) {
        int r = x.rank();
        if (r != 3 && r != 4) {
            throw new ShapeException("convolution needs an input [batch, channels, " + (r == 4 ? "height, width" : "length")
                    + "] or [batch, channels, height, width], got " + x);
        }
        for (int i = 1; i < r; i++) {
            if (x.dim(i).isSymbolic()) throw new ShapeException("convolution needs known channel and spatial sizes, got " + x);
        }
        if (w.rank() != r || !w.isConcrete()) {
            throw new ShapeException("a " + (r - 2) + "-d convolution needs a weight of rank " + r + " [out, in, kernel...], got " + w);
        }
        if (w.dim(1).size() != x.dim(1).size()) {
            throw new ShapeException("input " + x + " has " + x.dim(1) + " channels but weight " + w + " expects " + w.dim(1));
        }
        List<Integer> stride = a.ints("stride"), pad = a.ints("pad"), dil = a.ints("dilation");
        if (stride.size() != r - 2 || pad.size() != r - 2 || dil.size() != r - 2) {
            throw new ShapeException("convolution attributes need one value per spatial dimension: " + a);
        }
        for (int i = 0; i < r - 2; i++) {
            if (stride.get(i) < 1 || dil.get(i) < 1 || pad.get(i) < 0 || w.dim(2 + i).size() < 1) {
                throw new ShapeException("convolution needs positive kernel sizes, strides and dilations and non-negative padding: " + w + " " + a);
            }
        }
        List<Dim> out = new ArrayList<>(List.of(x.dim(0), w.dim(0)));
        for (int i = 0; i < r - 2; i++) {
            int o = outSize(x.dim(2 + i).size(), w.dim(2 + i).size(), stride.get(i), pad.get(i), dil.get(i));
            if (o <= 0) {
                throw new ShapeException("input " + x + " with weight " + w + " gives an empty output (size " + o
                        + " along spatial dimension " + (i + 1) + ")");
            }
            out.add(Dim.of(o));
        }
        return Shape.of(out);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        for (TensorType t : in) if (t.dtype() != DType.FLOAT) throw new ShapeException(name() + " needs float operands, got " + t);
        if (!Epilogue.of(in.size(), attrs).isNone()) checkEpilogue(in, attrs);
        Shape result = switch (mode) {
            case FORWARD -> outputShape(in.get(0).shape(), in.get(1).shape(), attrs);
            case INPUT_GRAD -> checkGrad(in.get(0).shape(), attrs.shape("input"), in.get(1).shape(), attrs, attrs.shape("input"));
            case WEIGHT_GRAD -> checkGrad(in.get(0).shape(), in.get(1).shape(), attrs.shape("weight"), attrs, attrs.shape("weight"));
        };
        return TensorType.f(result);
    }

    private void checkEpilogue(List<TensorType> in, Attrs attrs) {
        if (mode != Mode.FORWARD) throw new ShapeException(name() + " takes no bias or activation");
        Epilogue e = Epilogue.of(in.size(), attrs);
        if (e.mask()) throw new ShapeException(name() + " takes no mask");
        if (e.bias()) {
            Shape bias = in.get(2).shape();
            Dim channels = in.get(1).shape().dim(0);
            if (bias.rank() < 1 || !bias.isConcrete() || bias.numelIfKnown() != channels.size()) {
                throw new ShapeException("the bias of a convolution with " + channels + " output channels must hold "
                        + channels + " values, got " + in.get(2));
            }
        }
    }

    private static Shape checkGrad(Shape dy, Shape x, Shape w, Attrs a, Shape result) {
        Shape y = outputShape(x, w, a);
        if (!y.equals(dy)) throw new ShapeException("convolution gradient of shape " + dy + " does not fit output " + y);
        return result;
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        if (!Epilogue.of(y).isNone()) {
            throw new UnsupportedOperationException("convolutions with an epilogue are made after differentiation");
        }
        Attrs a = base(y.attrs());
        Node first = y.input(0), second = y.input(1);
        return switch (mode) {
            // y = conv(x, w)
            case FORWARD -> List.of(g.add(Ops.CONV_GRAD_INPUT, a.with("input", first.shape()), dy, second),
                    g.add(Ops.CONV_GRAD_WEIGHT, a.with("weight", second.shape()), dy, first));
            // y = conv_grad_input(d, w), linear in each: <dy, y> = <conv(dy, w), d> = <conv_grad_weight(d, dy), w>
            case INPUT_GRAD -> List.of(g.add(Ops.CONV, a, dy, second),
                    g.add(Ops.CONV_GRAD_WEIGHT, a.with("weight", second.shape()), first, dy));
            // y = conv_grad_weight(d, x): <dy, y> = <conv(x, dy), d> = <conv_grad_input(d, dy), x>
            case WEIGHT_GRAD -> List.of(g.add(Ops.CONV, a, second, dy),
                    g.add(Ops.CONV_GRAD_INPUT, a.with("input", second.shape()), first, dy));
        };
    }

    @Override
    public String fusion(Node n) {
        return Epilogue.of(n).describe(name());
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Attrs a = n.attrs();
        Shape x = switch (mode) {
            case FORWARD -> n.input(0).shape();
            case INPUT_GRAD -> a.shape("input");
            case WEIGHT_GRAD -> n.input(1).shape();
        };
        Shape w = switch (mode) {
            case FORWARD, INPUT_GRAD -> n.input(1).shape();
            case WEIGHT_GRAD -> a.shape("weight");
        };
        boolean twoD = x.rank() == 4;
        List<Integer> s = a.ints("stride"), p = a.ints("pad"), d = a.ints("dilation");
        // the sizes, batch aside, in one Conv.Geometry made once per model instance
        String sizes = String.join(", ", str(x.dim(1).size()), str(twoD ? x.dim(2).size() : 1),
                str(x.dim(-1).size()), str(w.dim(0).size()), str(twoD ? w.dim(2).size() : 1), str(w.dim(-1).size()),
                str(twoD ? s.get(0) : 1), str(s.get(s.size() - 1)), str(twoD ? p.get(0) : 0), str(p.get(p.size() - 1)),
                str(twoD ? d.get(0) : 1), str(d.get(d.size() - 1)));
        String geometry = k.state(GEOMETRY, "geometry", sizes);
        String fn = switch (mode) {
            case FORWARD -> "forward";
            case INPUT_GRAD -> "inputGrad";
            case WEIGHT_GRAD -> "weightGrad";
        };
        String batch = x.dim(0).javaExpr();
        if (!Epilogue.of(n).isNone()) {
            k.stmt("$T.$L($L, $L, $L, $L, $L, $L)", KERNEL, fn, k.in(0), k.in(1), k.out(), batch, geometry,
                    Epilogue.args(k));
            return;
        }
        k.stmt("$T.$L($L, $L, $L, $L, $L)", KERNEL, fn, k.in(0), k.in(1), k.out(), batch, geometry);
    }

    private static String str(int v) {
        return Integer.toString(v);
    }
}
