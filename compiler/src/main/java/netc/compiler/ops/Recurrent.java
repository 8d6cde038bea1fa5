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
 * The layer's output is the slice {@code state[..., 0:H]}. Its gradient is {@link RecurrentGrad}, which runs the time
 * loop backwards, then ordinary matrix products. Adjoints of the internal slots are ignored: the language exposes only h.
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

    static final ClassName GEMM = ClassName.get("netc.runtime.kernels", "Gemm");
    private final Cell cell;

    Recurrent(Cell cell) {
        this.cell = cell;
    }

    @Override
    public String name() {
        return cell.name().toLowerCase();
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        int h = attrs.i("hidden"), g = cell.gates * h;
        Shape x = in.get(0).shape();
        if (x.rank() != 3 || x.dim(2).isSymbolic() || in.get(0).dtype() != DType.FLOAT) {
            throw new ShapeException(name() + " needs a float input [batch, time, features] with known features, got " + in.get(0));
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
        Node x = state.input(0), wih = state.input(1), whh = state.input(2);
        int h = state.attrs().i("hidden"), gh = cell.gates * h;
        Node d = g.add(Ops.recurrentGrad(cell), state.attrs(), dstate, state, whh);
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

    /** gx [B, T, G·H], then h_prev, c_prev [B, H] and gh [B, G·H]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape s = n.shape();
        Dim b = s.dim(0), h = Dim.of(n.attrs().i("hidden")), g = Dim.of(cell.gates * n.attrs().i("hidden"));
        Shape bh = Shape.of(List.of(b, h)), bg = Shape.of(List.of(b, g));
        return List.of(Shape.of(List.of(b, s.dim(1), g)), bh, bh, bg);
    }

    /** The sizes both time loops use: batch, steps, H, G·H and the state's width S, from the state's shape. */
    static void sizes(KernelContext k, Shape state, Cell cell) {
        int h = k.node().attrs().i("hidden");
        k.stmt("final int nb = $L, nt = $L, H = $L, G = $L, S = $L", state.dim(0).javaExpr(), state.dim(1).javaExpr(), h, cell.gates * h, cell.width * h);
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        sizes(k, n.shape(), cell);
        emitForward(k, k.T().equals("float") ? "sgemm" : "dgemm", n.input(0).shape().dim(2).size());
    }

    static String sigmoid(String t, String e) {
        return Unary.SIGMOID.java(t, "(" + e + ")");
    }

    static String tanh(String t, String e) {
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
}
