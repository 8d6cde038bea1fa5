package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.Arrays;
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
 * Softmax cross-entropy over the last axis, made by {@link netc.compiler.passes.SoftmaxCrossEntropyFusion} from
 * {@code Σ t·log_softmax(z)}. The target {@code t} is int class indices {@code [...]} or float probabilities
 * {@code [..., C]}.
 * <ul>
 *   <li>{@code softmax_xent(z, t)}: the loss of each row, {@code lse(z)·Σt − Σ t·z} (for class y: {@code lse(z) − z_y}),
 *   in one pass over the row (running maximum and sum of exponentials; the label's logit picked on the way).</li>
 *   <li>{@code softmax_xent_grad(z, t, dy)}: the logits' gradient {@code (softmax(z)·Σt − t)·dy}, one kernel that
 *   builds neither the one-hot rows nor a separate softmax; with attribute {@code probs} its first input is
 *   {@code softmax(z)} already computed (a model that outputs it), and no exponential is taken. {@code dy} is one value
 *   per row or a single value for every row.</li>
 * </ul>
 */
public final class SoftmaxCrossEntropy implements Op, Differentiable, Kernel {
    private static final ClassName USER_ERROR = ClassName.get("netc.runtime", "UserError");
    private final boolean grad;

    SoftmaxCrossEntropy(boolean grad) {
        this.grad = grad;
    }

    @Override
    public String name() {
        return grad ? "softmax_xent_grad" : "softmax_xent";
    }

    /** The rows of logits {@code z}: every dimension but the last. */
    private static Shape rows(Shape z) {
        return z.sub(0, z.rank() - 1);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.size() != (grad ? 3 : 2)) throw new ShapeException(name() + " takes " + (grad ? 3 : 2) + " operands, got " + in.size());
        TensorType z = in.get(0), t = in.get(1);
        if (z.dtype() != DType.FLOAT || z.shape().rank() < 1) throw new ShapeException(name() + " needs float logits with a class axis, got " + z);
        Shape rows = rows(z.shape());
        boolean fits = t.dtype() == DType.INT ? t.shape().equals(rows) : t.shape().equals(z.shape());
        if (!fits) throw new ShapeException(name() + ": target " + t + " does not fit logits " + z);
        if (!grad) return TensorType.f(rows);
        Shape dy = in.get(2).shape();
        if (!dy.equals(rows) && !dy.isUnit()) throw new ShapeException(name() + ": the loss gradient " + dy + " is not one value per row " + rows);
        return TensorType.f(z.shape());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        if (grad) throw new UnsupportedOperationException("softmax_xent_grad is made for the last differentiation");
        Node z = y.input(0), t = y.input(1);
        Node dz = g.add(Ops.SOFTMAX_XENT_GRAD, Attrs.NONE, z, t, dy);
        if (t.dtype() == DType.INT) return Arrays.asList(dz, null);
        // d/dt of Σ t·(lse − z) is −log_softmax(z), times each row's dy
        Node perRow = Ops.reshape(g, dy, rows(z.shape()).append(Dim.of(1)));
        return List.of(dz, Ops.mul(g, Ops.neg(g, g.add(Ops.LOG_SOFTMAX, z)), perRow));
    }

    @Override
    public String fusion(Node n) {
        List<String> in = new ArrayList<>();
        for (Node i : n.inputs()) in.add(i.ref());
        if (!grad) return "softmax_xent(" + String.join(", ", in) + "): max, sum of exponentials, log-sum-exp and loss in one pass over each row";
        return "softmax_xent_grad(" + String.join(", ", in) + "): (" + (n.attrs().has("probs") ? "the output probabilities" : "softmax")
                + " − target) · dy in one kernel, no one-hot rows";
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Node z = n.input(0), t = n.input(1);
        Shape s = z.shape();
        String cols = s.dim(-1).javaExpr(), T = k.T();
        boolean labels = t.dtype() == DType.INT;
        k.loop("r", s.productExpr(0, s.rank() - 1));
        k.stmt("int o = r * $L", cols);
        if (labels) {
            k.stmt("int c = $L[r]", k.in(1));
            k.begin("if (c < 0 || c >= $L)", cols).stmt("throw new $T(\"class index \" + c + \" out of range [0, $L)\")", USER_ERROR, cols).end();
        }
        if (grad) emitGrad(k, n, cols, T, labels);
        else emitLoss(k, cols, T, labels);
        k.end();
    }

    /** One pass: the running maximum m and Σ e^(z − m), rescaled when m grows; the target's terms on the way. */
    private static void emitLoss(KernelContext k, String cols, String T, boolean labels) {
        String z = k.in(0), t = k.in(1);
        k.stmt("$L m = $L[o]", T, z).stmt("double s = 1");
        if (!labels) k.stmt("double ts = $L[o], tz = (double) $L[o] * $L[o]", t, t, z);
        k.begin("for (int j = 1; j < $L; j++)", cols).stmt("$L x = $L[o + j]", T, z);
        k.begin("if (x > m)").stmt("s *= Math.exp(m - x)").stmt("m = x").end();
        k.stmt("s += Math.exp(x - m)");
        if (!labels) k.stmt("ts += $L[o + j]", t).stmt("tz += (double) $L[o + j] * x", t);
        k.end();
        // log Σ e^(z − m) − (z_y − m), as PyTorch's log_softmax rounds it
        if (labels) k.stmt("$L[r] = ($L) (Math.log(s) - ($L[o + c] - m))", k.out(), T, z);
        else k.stmt("$L[r] = ($L) (ts * Math.log(s) - (tz - ts * m))", k.out(), T);
    }

    private static void emitGrad(KernelContext k, Node n, String cols, String T, boolean labels) {
        String z = k.in(0), t = k.in(1), out = k.out();
        String dy = n.input(2).shape().isUnit() ? k.in(2) + "[0]" : k.in(2) + "[r]";
        k.stmt("$L d = $L", T, dy);
        if (!labels) {
            k.stmt("$L ts = 0", T);
            k.loop("j", cols).stmt("ts += $L[o + j]", t).end();
        }
        String scale = labels ? "d" : "ts * d";
        if (n.attrs().has("probs")) {
            k.stmt("$L a = $L", T, scale);
            if (labels) k.loop("j", cols).stmt("$L[o + j] = $L[o + j] * a", out, z).end();
            else k.loop("j", cols).stmt("$L[o + j] = $L[o + j] * a - $L[o + j] * d", out, z, t).end();
        } else {
            k.stmt("$L m = $L[o]", T, z);
            k.begin("for (int j = 1; j < $L; j++)", cols).stmt("m = Math.max(m, $L[o + j])", z).end();
            k.stmt("double sum = 0");
            k.loop("j", cols).stmt("$L e = ($L) Math.exp($L[o + j] - m)", T, T, z).stmt("$L[o + j] = e", out).stmt("sum += e").end();
            k.stmt("$L a = ($L) ($L / sum)", T, T, scale);
            if (labels) k.loop("j", cols).stmt("$L[o + j] *= a", out).end();
            else k.loop("j", cols).stmt("$L[o + j] = $L[o + j] * a - $L[o + j] * d", out, out, t).end();
        }
        if (labels) k.stmt("$L[o + c] -= d", out);
    }
}
