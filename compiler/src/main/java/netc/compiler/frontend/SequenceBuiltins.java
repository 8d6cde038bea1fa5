package netc.compiler.frontend;

import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** Built-in layers for sequences: embedding and the recurrent layers, with PyTorch's layouts and initialisation. */
final class SequenceBuiltins {
    private SequenceBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("embedding", SequenceBuiltins::embedding);
        table.put("rnn", (cs, a) -> recurrent(cs, a, "rnn", Ops.RNN, 1));
        table.put("lstm", (cs, a) -> recurrent(cs, a, "lstm", Ops.LSTM, 4));
        table.put("gru", (cs, a) -> recurrent(cs, a, "gru", Ops.GRU, 3));
    }

    /** embedding(tokens int[...], vocab, dim): rows of a table [vocab, dim] initialised N(0, 1), like nn.Embedding. */
    private static Object embedding(CallSite cs, String assigned) {
        cs.expect(3, "x", "vocab", "dim", "name");
        ModelBuilder b = cs.builder;
        Node x = cs.tensor(0, "x");
        if (x.dtype() != DType.INT) throw new BuildError(cs.spanOf(0, "x"), "embedding needs int token indices, got " + x.type());
        int vocab = positive(cs, 1, "vocab"), dim = positive(cs, 2, "dim");
        String name = b.layerName(cs, "embedding", assigned);
        Node table = b.addParam(name + ".weight", Shape.of(vocab, dim), new Initializers.Spec("normal", List.of(0.0, 1.0)), vocab, dim, cs.span());
        return b.g.add(Ops.GATHER, table, x);
    }

    /**
     * rnn / lstm / gru(x [batch, time, features], hidden): the hidden state at every step [batch, time, hidden], zero
     * initial state, PyTorch's parameters weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh initialised U(±1/√H)
     * with G = 1, 4, 3 gates.
     */
    private static Object recurrent(CallSite cs, String assigned, String kind, netc.compiler.ir.Op op, int gates) {
        cs.expect(2, "x", "hidden", "name");
        ModelBuilder b = cs.builder;
        Node x = cs.tensor(0, "x");
        int h = positive(cs, 1, "hidden");
        Shape xs = x.shape();
        if (xs.rank() != 3 || xs.dim(2).isSymbolic()) {
            throw new BuildError(cs.spanOf(0, "x"), kind + " needs an input [batch, time, features] with known features, got " + xs);
        }
        int in = xs.dim(2).size();
        String name = b.layerName(cs, kind, assigned);
        double bound = 1.0 / Math.sqrt(h);
        Initializers.Spec init = new Initializers.Spec("uniform", List.of(-bound, bound));
        int g = gates * h;
        Node wih = b.addParam(name + ".weight_ih", Shape.of(g, in), init, in, g, cs.span());
        Node whh = b.addParam(name + ".weight_hh", Shape.of(g, h), init, h, g, cs.span());
        Node bih = b.addParam(name + ".bias_ih", Shape.of(g), init, h, g, cs.span());
        Node bhh = b.addParam(name + ".bias_hh", Shape.of(g), init, h, g, cs.span());
        Node state = b.g.add(op, Attrs.of("hidden", h), x, wih, whh, bih, bhh);
        return Ops.sliceLast(b.g, state, 0, h);
    }

    private static int positive(CallSite cs, int index, String key) {
        int v = cs.integer(index, key, 0);
        if (v <= 0) throw new BuildError(cs.spanOf(index, key), cs.name() + ": '" + key + "' must be a positive integer, got " + v);
        return v;
    }
}
