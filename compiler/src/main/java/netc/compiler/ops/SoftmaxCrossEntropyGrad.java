package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * The logits' gradient of {@link SoftmaxCrossEntropy}, {@code softmax_xent_grad(z, t, dy)}: {@code (softmax(z)·Σt −
 * t)·dy}, one kernel that builds neither the one-hot rows nor a separate softmax; with attribute {@code probs} its first
 * input is {@code softmax(z)} already computed (a model that outputs it), and no exponential is taken. {@code dy} is one
 * value per row or a single value for every row. It is made for the last differentiation and has no gradient.
 */
final class SoftmaxCrossEntropyGrad implements Op, Kernel {
    @Override
    public String name() {
        return "softmax_xent_grad";
    }

    @Override
    public Index index(Node n, int k) {
        return SoftmaxCrossEntropy.labels(n, k);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape rows = SoftmaxCrossEntropy.check(name(), in, 3);
        Shape dy = in.get(2).shape();
        if (!dy.equals(rows) && !dy.isUnit()) throw new ShapeException(name() + ": the loss gradient " + dy + " is not one value per row " + rows);
        return TensorType.f(in.get(0).shape());
    }

    @Override
    public String fusion(Node n) {
        return Ops.call(n) + ": (" + (n.attrs().has("probs") ? "the output probabilities" : "softmax")
                + " − target) · dy in one kernel, no one-hot rows";
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        boolean labels = SoftmaxCrossEntropy.openRows(k);
        String z = k.in(0), t = k.in(1), out = k.out(), T = k.T(), cols = n.input(0).shape().dim(-1).javaExpr();
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
        k.end();
    }
}
