package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
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
import netc.runtime.kernels.Unary;

/**
 * A whole recurrent layer over a sequence (Elman RNN with tanh, LSTM, GRU) with PyTorch's equations, gate orders
 * and zero initial state, as one op whose kernel loops over time: the generated code does not grow with the
 * sequence length.
 *
 * <p>{@code cell(x [B, T, I], weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H])} gives the layer's
 * <em>state</em> [B, T, W·H], per step everything backpropagation through time needs, h first and the previous h last:
 * <ul>
 *   <li>RNN: {@code h | h_prev}</li>
 *   <li>LSTM (gates i, f, g, o): {@code h | c | i f g o | h_prev}</li>
 *   <li>GRU (gates r, z, n): {@code h | r | z | n | W_hn·h_prev + b_hn | h_prev}</li>
 * </ul>
 * The layer's output is the slice {@code state[..., 0:H]}. The gradient op {@code <cell>_grad(dstate, state, weight_hh)}
 * runs the time loop backwards and gives the pre-activation gradients of the gates on the input side and on the hidden
 * side (the same for RNN and LSTM; for GRU they differ in the n gate and are stored side by side); ordinary matrix
 * products then give the gradients of the input and weights. Adjoints of the internal slots are ignored: the language
 * exposes only h.
 */
final class Recurrent implements Op, Differentiable, Kernel {
    enum Cell {
        RNN(1, 2), LSTM(4, 7), GRU(3, 6);

        final int gates, width;

        Cell(int gates, int width) {
            this.gates = gates;
            this.width = width;
        }
    }

    private static final ClassName GEMM = ClassName.get("netc.runtime.kernels", "Gemm");
    private final Cell cell;
    private final boolean grad;

    Recurrent(Cell cell, boolean grad) {
        this.cell = cell;
        this.grad = grad;
    }

    @Override
    public String name() {
        return cell.name().toLowerCase() + (grad ? "_grad" : "");
    }

    /** The width of the gradient op's output, in units of H. */
    private int gradWidth() {
        return cell == Cell.GRU ? 2 * cell.gates : cell.gates;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        int h = attrs.i("hidden"), g = cell.gates * h;
        if (grad) {
            Shape s = in.get(1).shape();
            return TensorType.f(Shape.of(List.of(s.dim(0), s.dim(1), Dim.of(gradWidth() * h))));
        }
        Shape x = in.get(0).shape();
        if (x.rank() != 3 || x.dim(1).isSymbolic() || x.dim(2).isSymbolic() || in.get(0).dtype() != DType.FLOAT) {
            throw new ShapeException(name() + " needs a float input [batch, time, features] with known time and features, got " + in.get(0));
        }
        int i = x.dim(2).size();
        expect(in.get(1).shape(), Shape.of(g, i), "weight_ih");
        expect(in.get(2).shape(), Shape.of(g, h), "weight_hh");
        expect(in.get(3).shape(), Shape.of(g), "bias_ih");
        expect(in.get(4).shape(), Shape.of(g), "bias_hh");
        return TensorType.f(Shape.of(List.of(x.dim(0), x.dim(1), Dim.of(cell.width * h))));
    }

    private void expect(Shape got, Shape want, String what) {
        if (!got.equals(want)) throw new ShapeException(name() + " " + what + " must be " + want + ", got " + got);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node state, Node dstate) {
        if (grad) throw new ShapeException("second-order gradients through recurrent layers are not supported");
        Node x = state.input(0), wih = state.input(1), whh = state.input(2);
        int h = state.attrs().i("hidden"), gh = cell.gates * h;
        Node d = g.add(Ops.recurrentGrad(this), state.attrs(), dstate, state, whh);
        Node dIn = cell == Cell.GRU ? Ops.sliceLast(g, d, 0, gh) : d;
        Node dHid = cell == Cell.GRU ? Ops.sliceLast(g, d, gh, 2 * gh) : d;
        Node hprev = Ops.sliceLast(g, state, (cell.width - 1) * h, cell.width * h);
        return List.of(
                Ops.reshape(g, Gemm.gemm(g, dIn, wih, false, false), x.shape()),
                Gemm.gemm(g, dIn, x, true, false),
                Gemm.gemm(g, dHid, hprev, true, false),
                Ops.reduceSum(g, dIn, List.of(0, 1), false),
                Ops.reduceSum(g, dHid, List.of(0, 1), false));
    }

    Cell cell() {
        return cell;
    }

    /** Forward: gx [B, T, G·H], then h_prev, c_prev [B, H] and gh [B, G·H]; backward: dh, dc [B, H] and dgt [B, G·H]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape s = grad ? n.input(1).shape() : n.shape();
        Dim b = s.dim(0), h = Dim.of(n.attrs().i("hidden")), g = Dim.of(cell.gates * n.attrs().i("hidden"));
        Shape bh = Shape.of(List.of(b, h)), bg = Shape.of(List.of(b, g));
        return grad ? List.of(bh, bh, bg) : List.of(Shape.of(List.of(b, s.dim(1), g)), bh, bh, bg);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Shape s = grad ? n.input(1).shape() : n.shape();
        k.stmt("final int nb = $L, nt = $L, H = $L, G = $L, S = $L", s.dim(0).javaExpr(), s.dim(1).javaExpr(),
                n.attrs().i("hidden"), cell.gates * n.attrs().i("hidden"), cell.width * n.attrs().i("hidden"));
        String gemm = k.T().equals("float") ? "sgemm" : "dgemm";
        if (grad) emitBackward(k, gemm);
        else emitForward(k, gemm, n.input(0).shape().dim(2).size());
    }

    private static String sigmoid(String t, String e) {
        return Unary.SIGMOID.java(t, "(" + e + ")");
    }

    private static String tanh(String t, String e) {
        return Unary.TANH.java(t, e);
    }

    /** gx = x·W_ihᵀ for all steps at once; then per step gh = h_prev·W_hhᵀ and the cell's equations. */
    private void emitForward(KernelContext k, String gemm, int inputs) {
        String t = k.T(), x = k.in(0), wih = k.in(1), whh = k.in(2), bi = k.in(3), bh = k.in(4), out = k.out();
        k.stmt("$L[] gx = $L", t, k.scratch(0));
        k.stmt("$T.$L(false, true, nb * nt, G, $L, $L, 0, $L, 0, gx, 0, false)", GEMM, gemm, inputs, x, wih);
        k.stmt("$L[] hp = $L, cp = $L, gh = $L", t, k.scratch(1), k.scratch(2), k.scratch(3));
        k.stmt("java.util.Arrays.fill(hp, 0, nb * H, ($L) 0)", t).stmt("java.util.Arrays.fill(cp, 0, nb * H, ($L) 0)", t);
        k.loop("t", "nt");
        k.stmt("$T.$L(false, true, nb, G, H, hp, 0, $L, 0, gh, 0, false)", GEMM, gemm, whh);
        k.loop("b", "nb");
        k.stmt("int o = (b * nt + t) * S, xo = (b * nt + t) * G, ho = b * G");
        k.loop("j", "H");
        String pre = "gx[xo + %1$s + j] + " + bi + "[%1$s + j] + gh[ho + %1$s + j] + " + bh + "[%1$s + j]";
        switch (cell) {
            case RNN -> {
                k.stmt("$L hn = $L", t, tanh(t, String.format(pre, "0")));
                k.stmt("$L[o + H + j] = hp[b * H + j]", out);
            }
            case LSTM -> {
                k.stmt("$L ig = $L", t, sigmoid(t, String.format(pre, "0")));
                k.stmt("$L fg = $L", t, sigmoid(t, String.format(pre, "H")));
                k.stmt("$L gg = $L", t, tanh(t, String.format(pre, "2 * H")));
                k.stmt("$L og = $L", t, sigmoid(t, String.format(pre, "3 * H")));
                k.stmt("$L c = fg * cp[b * H + j] + ig * gg", t);
                k.stmt("$L hn = og * $L", t, tanh(t, "c"));
                k.stmt("$L[o + H + j] = c", out).stmt("$L[o + 2 * H + j] = ig", out).stmt("$L[o + 3 * H + j] = fg", out);
                k.stmt("$L[o + 4 * H + j] = gg", out).stmt("$L[o + 5 * H + j] = og", out).stmt("$L[o + 6 * H + j] = hp[b * H + j]", out);
                k.stmt("cp[b * H + j] = c");
            }
            case GRU -> {
                k.stmt("$L r = $L", t, sigmoid(t, String.format(pre, "0")));
                k.stmt("$L z = $L", t, sigmoid(t, String.format(pre, "H")));
                k.stmt("$L hh = gh[ho + 2 * H + j] + $L[2 * H + j]", t, bh);
                k.stmt("$L nn = $L", t, tanh(t, "gx[xo + 2 * H + j] + " + bi + "[2 * H + j] + r * hh"));
                k.stmt("$L hn = (1 - z) * nn + z * hp[b * H + j]", t);
                k.stmt("$L[o + H + j] = r", out).stmt("$L[o + 2 * H + j] = z", out).stmt("$L[o + 3 * H + j] = nn", out);
                k.stmt("$L[o + 4 * H + j] = hh", out).stmt("$L[o + 5 * H + j] = hp[b * H + j]", out);
            }
        }
        k.stmt("$L[o + j] = hn", out);
        k.end().end();
        // h_prev for the next step is written after the whole batch, since gh above was computed from it
        k.loop("b", "nb").stmt("System.arraycopy($L, (b * nt + t) * S, hp, b * H, H)", out).end();
        k.end();
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
                k.stmt("$L tc = $L", t, tanh(t, "c"));
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
        k.stmt("$T.$L(false, false, nb, H, G, dgt, 0, $L, 0, dh, 0, false)", GEMM, gemm, whh);
        if (cell == Cell.GRU) k.loop("i", "nb * H").stmt("dh[i] += dc[i]").end();
        k.end();
    }
}
