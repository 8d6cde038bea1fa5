package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * The gradient of a {@link Recurrent} layer, {@code <cell>_grad(dstate, state, weight_hh)}: runs the time loop backwards
 * and gives the pre-activation gradients of the gates on the input side and on the hidden side (the same for RNN and
 * LSTM; for GRU they differ in the n gate and are stored side by side), from which ordinary matrix products give the
 * gradients of the input and weights. It has no gradient of its own: second-order gradients through recurrent layers
 * are refused.
 */
final class RecurrentGrad implements Op, Kernel {
    private final Recurrent.Cell cell;

    RecurrentGrad(Recurrent.Cell cell) {
        this.cell = cell;
    }

    @Override
    public String name() {
        return cell.name().toLowerCase() + "_grad";
    }

    /** The width of the output, in units of H. */
    private int gradWidth() {
        return cell == Recurrent.Cell.GRU ? 2 * cell.gates : cell.gates;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape s = in.get(1).shape();
        return TensorType.f(Shape.of(List.of(s.dim(0), s.dim(1), Dim.of(gradWidth() * attrs.i("hidden")))));
    }

    /** dh, dc [B, H] and dgt [B, G·H]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape s = n.input(1).shape();
        Dim b = s.dim(0), h = Dim.of(n.attrs().i("hidden")), g = Dim.of(cell.gates * n.attrs().i("hidden"));
        Shape bh = Shape.of(List.of(b, h));
        return List.of(bh, bh, Shape.of(List.of(b, g)));
    }

    @Override
    public void emit(KernelContext k) {
        Recurrent.sizes(k, k.node().input(1).shape(), cell);
        emitBackward(k, k.T().equals("float") ? "sgemm" : "dgemm");
    }

    /**
     * Backwards over time: per step the gate gradients from the h (and c) adjoints, then the adjoint flowing to the
     * previous h through the recurrent weights, dh = dG_hidden·W_hh (+ the GRU's direct z·dh path).
     */
    private void emitBackward(KernelContext k, String gemm) {
        String t = k.T(), ds = k.in(0), st = k.in(1), whh = k.in(2), d = k.out();
        int w = gradWidth();
        k.stmt("$L[] dh = $L, dc = $L, dgt = $L", t, k.scratch(0), k.scratch(1), k.scratch(2));
        k.stmt("java.util.Arrays.fill(dh, 0, nb * H, ($L) 0)", t).stmt("java.util.Arrays.fill(dc, 0, nb * H, ($L) 0)", t);
        k.begin("for (int t = nt - 1; t >= 0; t--)");
        k.loop("b", "nb");
        k.stmt("int o = (b * nt + t) * S, go = (b * nt + t) * $L * H", w);
        k.loop("j", "H");
        k.stmt("$L dhj = $L[o + j] + dh[b * H + j]", t, ds);
        switch (cell) {
            case RNN -> {
                k.stmt("$L hj = $L[o + j]", t, st);
                k.stmt("$L da = dhj * (1 - hj * hj)", t);
                k.stmt("$L[go + j] = da", d).stmt("dgt[b * G + j] = da");
            }
            case LSTM -> {
                k.stmt("$L c = $L[o + H + j], ig = $L[o + 2 * H + j], fg = $L[o + 3 * H + j], gg = $L[o + 4 * H + j], og = $L[o + 5 * H + j]",
                        t, st, st, st, st, st);
                k.stmt("$L cprev = t > 0 ? $L[o - S + H + j] : 0", t, st);
                k.stmt("$L tc = $L", t, Recurrent.tanh(t, "c"));
                k.stmt("$L dcj = $L[o + H + j] + dc[b * H + j] + dhj * og * (1 - tc * tc)", t, ds);
                k.stmt("$L[go + j] = dcj * gg * ig * (1 - ig)", d);
                k.stmt("$L[go + H + j] = dcj * cprev * fg * (1 - fg)", d);
                k.stmt("$L[go + 2 * H + j] = dcj * ig * (1 - gg * gg)", d);
                k.stmt("$L[go + 3 * H + j] = dhj * tc * og * (1 - og)", d);
                k.stmt("dc[b * H + j] = dcj * fg");
                k.loop("q", "4").stmt("dgt[b * G + q * H + j] = $L[go + q * H + j]", d).end();
            }
            case GRU -> {
                k.stmt("$L r = $L[o + H + j], z = $L[o + 2 * H + j], nn = $L[o + 3 * H + j], hh = $L[o + 4 * H + j], hp = $L[o + 5 * H + j]",
                        t, st, st, st, st, st);
                k.stmt("$L dn = dhj * (1 - z) * (1 - nn * nn)", t);
                k.stmt("$L dr = dn * hh * r * (1 - r), dz = dhj * (hp - nn) * z * (1 - z)", t);
                // input side r, z, n | hidden side r, z, and the n gate's hidden term r·dn
                k.stmt("$L[go + j] = dr", d).stmt("$L[go + H + j] = dz", d).stmt("$L[go + 2 * H + j] = dn", d);
                k.stmt("$L[go + 3 * H + j] = dr", d).stmt("$L[go + 4 * H + j] = dz", d).stmt("$L[go + 5 * H + j] = dn * r", d);
                k.stmt("dgt[b * G + j] = dr").stmt("dgt[b * G + H + j] = dz").stmt("dgt[b * G + 2 * H + j] = dn * r");
                k.stmt("dc[b * H + j] = dhj * z");
            }
        }
        k.end().end();
        k.stmt("$T.$L(false, false, nb, H, G, dgt, 0, $L, 0, dh, 0, false)", Recurrent.GEMM, gemm, whh);
        if (cell == Recurrent.Cell.GRU) k.loop("i", "nb * H").stmt("dh[i] += dc[i]").end();
        k.end();
    }
}
