package netc.compiler.onnx;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.ir.Dim;
import netc.compiler.onnx.proto.Onnx;

/**
 * ONNX's LSTM, GRU and RNN as the language's {@code lstm}, {@code gru} and {@code rnn}: one direction, zero initial
 * state, the default activations; GRU with {@code linear_before_reset} (PyTorch's form). ONNX orders the gates
 * i, o, f, c (LSTM) and z, r, h (GRU); PyTorch and netc i, f, g, o and r, z, n, so the weights' blocks are reordered,
 * and ONNX's one bias [W_b | R_b] is split into bias_ih and bias_hh. ONNX's layout is time-major ([seq, batch, ...]);
 * the {@code Transpose} PyTorch writes before a batch-first layer and the {@code Squeeze} and {@code Transpose} after
 * it are taken in, so the layer reads and gives [batch, seq, ...] as in the source model.
 */
final class RecurrentOps {
    private RecurrentOps() {
    }

    /** ONNX's gate blocks, in the order netc's layer wants them. */
    private static int[] order(String op) {
        return switch (op) {
            case "LSTM" -> new int[] {0, 2, 3, 1}; // i, o, f, c → i, f, c, o
            case "GRU" -> new int[] {1, 0, 2};     // z, r, h → r, z, h
            default -> new int[] {0};
        };
    }

    static void recurrent(OnnxImporter m, String op) {
        int gates = order(op).length;
        Value.Net x = m.net(0);
        Const w = m.known(1, "W"), r = m.known(2, "R");
        Const b = m.in(3) == null ? null : m.known(3, "B");
        int hidden = (int) m.attrInt("hidden_size", 0);
        if (!m.attrString("direction", "forward").equals("forward") || w.dims()[0] != 1) {
            throw m.problem("runs in direction '" + m.attrString("direction", "forward") + "'; netc's layers run forward only");
        }
        if (m.in(4) != null) throw m.problem("has sequence lengths; netc's layers run every step");
        for (int i = 5; i < Math.min(7, m.node.getInputCount()); i++) requireZeros(m, i);
        if (m.in(7) != null) throw m.problem("has peephole weights; netc's lstm has none");
        if (m.attr("activations") != null && !defaultActivations(m, op)) throw m.problem("has other activations than the default");
        if (m.attr("clip") != null) throw m.problem("clips its cell; netc's layers do not");
        if (m.attrInt("input_forget", 0) != 0) throw m.problem("couples the input and forget gates; netc's lstm does not");
        if (op.equals("GRU") && m.attrInt("linear_before_reset", 0) == 0) {
            throw m.problem("has linear_before_reset=0; netc's gru is PyTorch's (linear_before_reset=1)");
        }
        int features = (int) w.dims()[2];
        if (hidden <= 0 || w.dims()[1] != (long) gates * hidden || r.dims()[1] != (long) gates * hidden) {
            throw m.problem("has weights " + java.util.Arrays.toString(w.dims()) + " for hidden size " + hidden);
        }
        boolean batchFirst = m.attrInt("layout", 0) != 0;
        // the input as [batch, seq, features]
        Value.Net xb = batchFirst ? x : m.unpermuted(x, new int[] {1, 0, 2});
        if (xb == null) {
            List<Dim> s = List.of(x.shape().get(1), x.shape().get(0), x.shape().get(2));
            xb = m.let(m.stem() + "_input", "permute(" + x.id() + ", [1, 0, 2])", s, false);
        }
        if (!xb.shape().get(2).equals(Dim.of(features))) throw m.problem("has weights for " + features + " features, the input " + OnnxImporter.shapeText(x.shape()));
        String kind = op.toLowerCase(), layer = m.layerName(kind, m.node.getInput(1));
        m.weight(layer, "weight_ih", reorder(w.reshaped(w.dims()[1], w.dims()[2]), gates, hidden));
        m.weight(layer, "weight_hh", reorder(r.reshaped(r.dims()[1], r.dims()[2]), gates, hidden));
        int gh = gates * hidden;
        Const bias = b != null ? b.reshaped(2L * gh) : Const.ofFloats(new long[] {2L * gh}, new float[2 * gh]);
        m.weight(layer, "bias_ih", reorder(bias.sliced(new long[] {0}, new long[] {1}, new long[] {gh}).reshaped(gh, 1), gates, hidden).reshaped(gh));
        m.weight(layer, "bias_hh", reorder(bias.sliced(new long[] {gh}, new long[] {1}, new long[] {gh}).reshaped(gh, 1), gates, hidden).reshaped(gh));
        String call = kind + "(" + xb.id() + ", " + hidden + ", name=\"" + layer + "\")";
        Dim batch = xb.shape().get(0), seq = xb.shape().get(1);
        List<Dim> hs = List.of(batch, seq, Dim.of(hidden));

        boolean yUsed = m.uses(m.node.getOutput(0)) > 0, lastUsed = m.node.getOutputCount() > 1 && m.uses(m.node.getOutput(1)) > 0;
        if (m.node.getOutputCount() > 2 && m.uses(m.node.getOutput(2)) > 0) throw m.problem("has its last cell state read; netc's lstm gives the hidden states");
        // Y [seq, 1, batch, H] (layout 0) or [batch, seq, 1, H] (layout 1); the batch-first form PyTorch reads it as
        Onnx.NodeProto squeeze = yUsed ? m.soleConsumer(0) : null;
        Onnx.NodeProto back = squeeze != null && isSqueezeOfAxis(m, squeeze, batchFirst ? 2 : 1) ? m.soleConsumerOf(squeeze) : null;
        boolean folded = back != null && (batchFirst ? false : isTranspose(back, new int[] {1, 0, 2}));
        if (batchFirst && squeeze != null && isSqueezeOfAxis(m, squeeze, 2)) {
            back = squeeze;
            folded = true;
        }
        Value.Net h;
        if (folded && !lastUsed) {
            m.absorb(squeeze);
            m.absorb(back);
            m.defineAs(back.getOutput(0), call, hs, false);
            return;
        }
        h = m.let(m.stem(), call, hs, false);
        if (folded) {
            m.absorb(squeeze);
            m.absorb(back);
            m.aliasAs(back.getOutput(0), h);
        } else if (yUsed) {
            List<Dim> y = batchFirst ? List.of(batch, seq, Dim.of(1), Dim.of(hidden)) : List.of(seq, Dim.of(1), batch, Dim.of(hidden));
            String e = batchFirst ? "reshape(" + h.id() + ", " + OnnxImporter.shapeText(y) + ")" : "reshape(permute(" + h.id() + ", [1, 0, 2]), " + OnnxImporter.shapeText(y) + ")";
            m.define(0, e, y, false);
        }
        if (lastUsed) {
            List<Dim> yh = batchFirst ? List.of(batch, Dim.of(1), Dim.of(hidden)) : List.of(Dim.of(1), batch, Dim.of(hidden));
            m.define(1, "reshape(" + h.id() + "[:, -1], " + OnnxImporter.shapeText(yh) + ")", yh, false);
        }
    }

    private static boolean isSqueezeOfAxis(OnnxImporter m, Onnx.NodeProto n, int axis) {
        if (!n.getOpType().equals("Squeeze")) return false;
        for (Onnx.AttributeProto a : n.getAttributeList()) if (a.getName().equals("axes")) return a.getIntsCount() == 1 && a.getInts(0) == axis;
        if (n.getInputCount() < 2) return false;
        Const c = m.knownValue(n.getInput(1));
        return c != null && c.size() == 1 && c.longAt(0) == axis;
    }

    private static boolean isTranspose(Onnx.NodeProto n, int[] perm) {
        if (!n.getOpType().equals("Transpose")) return false;
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (!a.getName().equals("perm") || a.getIntsCount() != perm.length) continue;
            for (int i = 0; i < perm.length; i++) if (a.getInts(i) != perm[i]) return false;
            return true;
        }
        return false;
    }

    /** An initial state (input i): absent, or zeros, known or over a symbolic batch. */
    private static void requireZeros(OnnxImporter m, int i) {
        Value v = m.in(i);
        if (v == null) return;
        if (v instanceof Value.Filled f && f.value() == 0) return;
        if (v instanceof Value.Known k) {
            boolean zeros = true;
            for (int j = 0; j < k.c().size(); j++) zeros &= k.c().at(j) == 0;
            if (zeros) return;
        }
        throw m.problem("starts from a given state; netc's layers start from zeros");
    }

    private static boolean defaultActivations(OnnxImporter m, String op) {
        List<String> want = switch (op) {
            case "LSTM" -> List.of("Sigmoid", "Tanh", "Tanh");
            case "GRU" -> List.of("Sigmoid", "Tanh");
            default -> List.of("Tanh");
        };
        Onnx.AttributeProto a = m.attr("activations");
        if (a.getStringsCount() != want.size()) return false;
        for (int i = 0; i < want.size(); i++) if (!OnnxFile.text(a.getStrings(i)).equalsIgnoreCase(want.get(i))) return false;
        return true;
    }

    /** The rows of a [gates·H, k] matrix, its blocks of H rows in netc's gate order. */
    private static Const reorder(Const w, int gates, int hidden) {
        int[] order = order(gates == 4 ? "LSTM" : gates == 3 ? "GRU" : "RNN");
        List<Const> blocks = new ArrayList<>();
        long cols = w.dims()[1];
        for (int g : order) blocks.add(w.sliced(new long[] {(long) g * hidden, 0}, new long[] {1, 1}, new long[] {hidden, cols}));
        return Const.concat(blocks, 0);
    }
}
