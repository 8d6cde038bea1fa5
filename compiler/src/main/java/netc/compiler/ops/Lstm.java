package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.List;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * A whole LSTM layer over a sequence, with PyTorch's gate order (i, f, g, o) and zero initial state, as one op
 * whose kernel loops over time: the generated code does not grow with the sequence length.
 *
 * <p>{@code lstm(x [B, T, I], weight_ih [4H, I], weight_hh [4H, H], bias [4H])} gives the layer's <em>state</em>
 * [B, T, 7H]: per step {@code h | c | i f g o | h_prev}, everything backpropagation through time needs. The
 * layer's output is the slice {@code state[:, :, 0:H]}. Its gradient is {@code lstm_grad(dstate, state, weight_hh)},
 * the pre-activation gate gradients [B, T, 4H], from which ordinary matrix products give the gradients of the
 * input and weights. Adjoints of the internal slots (gates, h_prev) are ignored: the language exposes only h.
 */
final class Lstm implements Op {
    private static final ClassName GEMM = ClassName.get("netc.runtime.kernels", "Gemm");
    private final boolean grad;

    Lstm(boolean grad) {
        this.grad = grad;
    }

    @Override
    public String name() {
        return grad ? "lstm_grad" : "lstm";
    }

    static int hidden(Attrs a) {
        return a.i("hidden");
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        int h = hidden(attrs);
        if (grad) {
            Shape s = in.get(1).shape();
            return TensorType.f(Shape.of(List.of(s.dim(0), s.dim(1), Dim.of(4 * h))));
        }
        Shape x = in.get(0).shape();
        if (x.rank() != 3 || x.dim(1).isSymbolic() || x.dim(2).isSymbolic()) {
            throw new ShapeException("lstm needs an input [batch, time, features] with known time and features, got " + x);
        }
        int i = x.dim(2).size();
        expect(in.get(1).shape(), Shape.of(4 * h, i), "weight_ih");
        expect(in.get(2).shape(), Shape.of(4 * h, h), "weight_hh");
        expect(in.get(3).shape(), Shape.of(4 * h), "bias");
        return TensorType.f(Shape.of(List.of(x.dim(0), x.dim(1), Dim.of(7 * h))));
    }

    private static void expect(Shape got, Shape want, String what) {
        if (!got.equals(want)) throw new ShapeException("lstm " + what + " must be " + want + ", got " + got);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node state, Node dstate) {
        if (grad) throw new ShapeException("second-order gradients through recurrent layers are not supported");
        Node x = state.input(0), wih = state.input(1), whh = state.input(2);
        int h = hidden(state.attrs());
        Node dgates = g.add(Ops.LSTM_GRAD, state.attrs(), dstate, state, whh);
        Node hprev = Ops.sliceLast(g, state, 6 * h, 7 * h);
        Node dx = Ops.reshape(g, Gemm.gemm(g, dgates, wih, false, false), x.shape());
        Node dwih = Gemm.gemm(g, dgates, x, true, false);
        Node dwhh = Gemm.gemm(g, dgates, hprev, true, false);
        Node db = Ops.reduceSum(g, dgates, List.of(0, 1), false);
        return List.of(dx, dwih, dwhh, db);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        int h = hidden(n.attrs());
        Shape s = grad ? n.input(1).shape() : n.shape();
        String t = k.T();
        String gemm = t.equals("float") ? "sgemm" : "dgemm";
        k.stmt("final int nb = $L, nt = $L, H = $L, G = $L, S = $L", s.dim(0).javaExpr(), s.dim(1).javaExpr(), h, 4 * h, 7 * h);
        if (grad) emitBackward(k, t, gemm);
        else emitForward(k, t, gemm, n.input(0).shape().dim(2).size());
    }

    private static String sigmoid(String t, String e) {
        return "(" + t + ") (1.0 / (1.0 + Math.exp(-(" + e + "))))";
    }

    private static void emitForward(KernelContext k, String t, String gemm, int inputs) {
        String x = k.in(0), wih = k.in(1), whh = k.in(2), bias = k.in(3), out = k.out();
        k.stmt("$L[] gx = new $L[nb * nt * G]", t, t);
        k.stmt("$T.$L(false, true, nb * nt, G, $L, $L, 0, $L, 0, gx, 0, false)", GEMM, gemm, inputs, x, wih);
        k.stmt("$L[] hp = new $L[nb * H], cp = new $L[nb * H], gh = new $L[nb * G]", t, t, t, t);
        k.loop("t", "nt");
        k.stmt("$T.$L(false, true, nb, G, H, hp, 0, $L, 0, gh, 0, false)", GEMM, gemm, whh);
        k.loop("b", "nb");
        k.stmt("int o = (b * nt + t) * S, xo = (b * nt + t) * G, ho = b * G");
        k.loop("j", "H");
        k.stmt("$L ig = $L", t, sigmoid(t, "gx[xo + j] + gh[ho + j] + " + bias + "[j]"));
        k.stmt("$L fg = $L", t, sigmoid(t, "gx[xo + H + j] + gh[ho + H + j] + " + bias + "[H + j]"));
        k.stmt("$L gg = ($L) Math.tanh(gx[xo + 2 * H + j] + gh[ho + 2 * H + j] + $L[2 * H + j])", t, t, bias);
        k.stmt("$L og = $L", t, sigmoid(t, "gx[xo + 3 * H + j] + gh[ho + 3 * H + j] + " + bias + "[3 * H + j]"));
        k.stmt("$L c = fg * cp[b * H + j] + ig * gg", t);
        k.stmt("$L hn = og * ($L) Math.tanh(c)", t, t);
        k.stmt("$L[o + 6 * H + j] = hp[b * H + j]", out);
        k.stmt("$L[o + j] = hn", out).stmt("$L[o + H + j] = c", out);
        k.stmt("$L[o + 2 * H + j] = ig", out).stmt("$L[o + 3 * H + j] = fg", out);
        k.stmt("$L[o + 4 * H + j] = gg", out).stmt("$L[o + 5 * H + j] = og", out);
        k.stmt("cp[b * H + j] = c").stmt("hp[b * H + j] = hn");
        k.end().end().end();
    }

    private static void emitBackward(KernelContext k, String t, String gemm) {
        String ds = k.in(0), st = k.in(1), whh = k.in(2), dg = k.out();
        k.stmt("$L[] dh = new $L[nb * H], dc = new $L[nb * H], dgt = new $L[nb * G]", t, t, t, t);
        k.begin("for (int t = nt - 1; t >= 0; t--)");
        k.loop("b", "nb");
        k.stmt("int o = (b * nt + t) * S, go = (b * nt + t) * G");
        k.loop("j", "H");
        k.stmt("$L c = $L[o + H + j], ig = $L[o + 2 * H + j], fg = $L[o + 3 * H + j], gg = $L[o + 4 * H + j], og = $L[o + 5 * H + j]",
                t, st, st, st, st, st);
        k.stmt("$L cprev = t > 0 ? $L[o - S + H + j] : 0", t, st);
        k.stmt("$L tc = ($L) Math.tanh(c)", t, t);
        k.stmt("$L dhj = $L[o + j] + dh[b * H + j]", t, ds);
        k.stmt("$L dcj = $L[o + H + j] + dc[b * H + j] + dhj * og * (1 - tc * tc)", t, ds);
        k.stmt("$L di = dcj * gg * ig * (1 - ig), df = dcj * cprev * fg * (1 - fg)", t);
        k.stmt("$L dgg = dcj * ig * (1 - gg * gg), dog = dhj * tc * og * (1 - og)", t);
        k.stmt("$L[go + j] = di", dg).stmt("$L[go + H + j] = df", dg).stmt("$L[go + 2 * H + j] = dgg", dg).stmt("$L[go + 3 * H + j] = dog", dg);
        k.stmt("dgt[b * G + j] = di").stmt("dgt[b * G + H + j] = df").stmt("dgt[b * G + 2 * H + j] = dgg").stmt("dgt[b * G + 3 * H + j] = dog");
        k.stmt("dc[b * H + j] = dcj * fg");
        k.end().end();
        k.stmt("$T.$L(false, false, nb, H, G, dgt, 0, $L, 0, dh, 0, false)", GEMM, gemm, whh);
        k.end();
    }
}
