package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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
 * Softmax cross-entropy over the last axis, made by {@link netc.compiler.passes.SoftmaxCrossEntropyFusion} from
 * {@code Σ t·log_softmax(z)}. The target {@code t} is int class indices {@code [...]} or float probabilities
 * {@code [..., C]}. {@code softmax_xent(z, t)} is the loss of each row, {@code lse(z)·Σt − Σ t·z} (for class y:
 * {@code lse(z) − z_y}), in one pass over the row (running maximum and sum of exponentials; the label's logit picked on
 * the way). The logits' gradient is {@link SoftmaxCrossEntropyGrad}.
 */
public final class SoftmaxCrossEntropy implements Op, Differentiable, Kernel {
    private static final ClassName USER_ERROR = ClassName.get("netc.runtime", "UserError");

    @Override
    public String name() {
        return "softmax_xent";
    }

    /** The rows of logits {@code z}: every dimension but the last. */
    static Shape rows(Shape z) {
        return z.sub(0, z.rank() - 1);
    }

    /** Checks {@code count} operands, float logits and a target that fits them; gives the rows' shape. */
    static Shape check(String op, List<TensorType> in, int count) {
        if (in.size() != count) throw new ShapeException(op + " takes " + count + " operands, got " + in.size());
        TensorType z = in.get(0), t = in.get(1);
        if (z.dtype() != DType.FLOAT || z.shape().rank() < 1) throw new ShapeException(op + " needs float logits with a class axis, got " + z);
        Shape rows = rows(z.shape());
        boolean fits = t.dtype() == DType.INT ? t.shape().equals(rows) : t.shape().equals(z.shape());
        if (!fits) throw new ShapeException(op + ": target " + t + " does not fit logits " + z);
        return rows;
    }

    @Override
    public Index index(Node n, int k) {
        return labels(n, k);
    }

    /** Int labels (the second input) are class indices into the logits' last axis. */
    static Index labels(Node n, int k) {
        Node z = n.input(0);
        return k == 1 && n.input(1).dtype() == DType.INT && !z.shape().dim(-1).isSymbolic()
                ? new Index(z.shape().dim(-1).size(), true) : null;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return TensorType.f(check(name(), in, 2));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node z = y.input(0), t = y.input(1);
        Node dz = g.add(Ops.SOFTMAX_XENT_GRAD, Attrs.NONE, z, t, dy);
        if (t.dtype() == DType.INT) return Arrays.asList(dz, null);
        // d/dt of Σ t·(lse − z) is −log_softmax(z), times each row's dy
        Node perRow = Ops.reshape(g, dy, rows(z.shape()).append(Dim.of(1)));
        return List.of(dz, Ops.mul(g, Ops.neg(g, g.add(Ops.LOG_SOFTMAX, z)), perRow));
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": max, sum of exponentials, log-sum-exp and loss in one pass over each row";
    }

    /** With int labels, where the rows' exponentials go in float: a working array of the logits' shape. */
    @Override
    public List<Shape> scratch(Node n) {
        return n.input(1).dtype() == DType.INT ? List.of(n.input(0).shape()) : List.of();
    }

    @Override
    public void emit(KernelContext k) {
        if (k.T().equals("float") && k.node().input(1).dtype() == DType.INT) {
            labelRows(k);
            return;
        }
        boolean labels = openRows(k);
        String z = k.in(0), t = k.in(1), T = k.T(), cols = k.node().input(0).shape().dim(-1).javaExpr();
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
        k.end();
    }

    /**
     * Float rows with int labels ({@link Softmax#inGroupsOfRows}): the rows' e^(z − m) into the working array, a
     * vector at a time (in double one at a time, they cost more than the rest of the loss), each row's label logit
     * less its maximum into the output, then each row's loss {@code log Σ e^(z − m) − (z_y − m)}, the sum in double.
     */
    private static void labelRows(KernelContext k) {
        String z = k.in(0), e = k.scratch(0), out = k.out(), cols = k.node().input(0).shape().dim(-1).javaExpr();
        Softmax.inGroupsOfRows(k, k.node().input(0).shape(), e, () -> {
            k.stmt("int c = $L[r]", k.in(1));
            k.begin("if (c < 0 || c >= $L)", cols).stmt("throw new $T(\"class index \" + c + \" out of range [0, $L)\")", USER_ERROR, cols).end();
            k.stmt("$L[r] = $L[o + c] - mx", out, z);
        }, () -> {
            k.stmt("double s = 0");
            k.loop("j", cols).stmt("s += $L[o + j]", e).end();
            k.stmt("$L[r] = (float) (Math.log(s) - $L[r])", out, out);
        });
    }

    /**
     * Opens the loop over the rows of the logits (input 0), {@code o} a row's offset and, for int labels (input 1), {@code c}
     * its class, checked to be in range; whether the target is labels.
     */
    static boolean openRows(KernelContext k) {
        Node n = k.node();
        Shape s = n.input(0).shape();
        String cols = s.dim(-1).javaExpr();
        boolean labels = n.input(1).dtype() == DType.INT;
        k.loop("r", s.productExpr(0, s.rank() - 1));
        k.stmt("int o = r * $L", cols);
        if (labels) {
            k.stmt("int c = $L[r]", k.in(1));
            k.begin("if (c < 0 || c >= $L)", cols).stmt("throw new $T(\"class index \" + c + \" out of range [0, $L)\")", USER_ERROR, cols).end();
        }
        return labels;
    }
}
