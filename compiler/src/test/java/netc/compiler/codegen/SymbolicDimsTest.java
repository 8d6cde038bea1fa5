package netc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import org.junit.jupiter.api.Test;

/**
 * Symbolic dimensions after the batch ({@code input x: float[batch, seq, 4]}): bound from the data like the batch, so
 * one compiled class runs any sequence length, growing its buffers when a longer one arrives.
 */
class SymbolicDimsTest {
    static final String SEQ = """
            model Seq {
              input x: float[batch, seq, 4]
              input t: float[batch, seq, 3]
              output out = tanh(dense(x, 3, name="fc"))
              loss = mse(out, t)
            }
            """;

    static float[] values(int n, int salt) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 7 + salt * 13) % 17 - 8) / 8f;
        return v;
    }

    /** tanh(x W^T + b) for each of the rows of x, and the mean squared error to t, in double. */
    static double[] reference(float[] x, float[] t, float[] w, float[] b, int rows, double[] out) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < 3; o++) {
                double z = b[o];
                for (int i = 0; i < 4; i++) z += x[r * 4 + i] * w[o * 4 + i];
                out[r * 3 + o] = Math.tanh(z);
                double d = out[r * 3 + o] - t[r * 3 + o];
                sum += d * d;
            }
        }
        return new double[] {sum / (rows * 3)};
    }

    @Test
    void oneClassRunsEverySequenceLength() {
        Model m = NetCompiler.compile("seq.net", SEQ, "float").newModel();
        m.initParams(3);
        float[] w = (float[]) m.paramBuffer("fc.weight"), b = (float[]) m.paramBuffer("fc.bias");
        Class<?> cls = m.getClass();
        for (int[] bs : new int[][] {{2, 5}, {3, 9}, {2, 2}, {1, 9}}) {
            int batch = bs[0], seq = bs[1], rows = batch * seq;
            float[] x = values(rows * 4, seq), t = values(rows * 3, seq + 1);
            Map<String, Tensor> out = m.predict(Map.of("x", Tensor.of(new int[] {batch, seq, 4}, x)));
            assertArrayEquals(new int[] {batch, seq, 3}, out.get("out").shape());
            assertEquals(Map.of("seq", seq), m.dims());
            double[] expected = new double[rows * 3];
            double loss = reference(x, t, w, b, rows, expected)[0];
            float[] got = out.get("out").floats();
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-6, "batch " + batch + ", seq " + seq + ", value " + i);
            m.setInputs(Map.of("x", Tensor.of(new int[] {batch, seq, 4}, x), "t", Tensor.of(new int[] {batch, seq, 3}, t)));
            m.forwardOutputs();
            m.forwardLoss();
            assertEquals(loss, m.loss(), 1e-6 * Math.max(1, loss), "loss at batch " + batch + ", seq " + seq);
        }
        assertSame(cls, m.getClass());
    }

    @Test
    void inputsMustAgreeOnEachDimension() {
        Model m = NetCompiler.compile("seq.net", SEQ, "float").newModel();
        UserError e = assertThrows(UserError.class, () -> m.setInputs(Map.of(
                "x", Tensor.of(new int[] {2, 5, 4}, new float[40]), "t", Tensor.of(new int[] {2, 4, 3}, new float[24]))));
        assertTrue(e.getMessage().contains("inputs disagree on dimension 'seq': 5 and 4"), e.getMessage());
        e = assertThrows(UserError.class, () -> m.setInputs(Map.of(
                "x", Tensor.of(new int[] {2, 5, 3}, new float[30]), "t", Tensor.of(new int[] {2, 5, 3}, new float[30]))));
        assertTrue(e.getMessage().contains("input 'x' has shape [2, 5, 3], the model expects [batch, seq, 4]"), e.getMessage());
        e = assertThrows(UserError.class, () -> m.setDims(Map.of("len", 3)));
        assertTrue(e.getMessage().contains("no symbolic dimension 'len'"), e.getMessage());
    }

    static final String POSITIONS = """
            model Pos {
              input tok: int[batch, seq]
              param P: [8, 16] = normal(0.02)
              e = embedding(tok, 10, 16, name="emb") + P[0:seq]
              h = reshape(e, [batch, seq, 4, 4])
              output out = sum(h, axis=3)
              loss = mean(out * out)
            }
            """;

    @Test
    void positionsSliceToTheSequenceAndReshapeNamesItsDimensions() {
        Model m = NetCompiler.compile("pos.net", POSITIONS, "float").newModel();
        m.initParams(5);
        float[] emb = (float[]) m.paramBuffer("emb.weight"), p = (float[]) m.paramBuffer("P");
        for (int seq : new int[] {3, 8, 5}) {
            int batch = 2;
            int[] tok = new int[batch * seq];
            for (int i = 0; i < tok.length; i++) tok[i] = (i * 7 + seq) % 10;
            m.setInputs(Map.of("tok", Tensor.ofInts(new int[] {batch, seq}, tok)));
            m.forwardOutputs();
            m.forwardLoss();
            m.backward();
            assertArrayEquals(new int[] {batch, seq, 4}, m.outputs().get("out").shape());
            float[] out = m.outputs().get("out").floats();
            double loss = 0;
            double[] dp = new double[8 * 16];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    for (int i = 0; i < 4; i++) {
                        double o = 0;
                        for (int j = 0; j < 4; j++) o += emb[tok[b * seq + t] * 16 + i * 4 + j] + p[t * 16 + i * 4 + j];
                        assertEquals(o, out[(b * seq + t) * 4 + i], 1e-6);
                        loss += o * o / (batch * seq * 4);
                        for (int j = 0; j < 4; j++) dp[t * 16 + i * 4 + j] += 2 * o / (batch * seq * 4);
                    }
                }
            }
            assertEquals(loss, m.loss(), 1e-6 * loss);
            float[] g = m.gradients().get("grad.P").floats();
            for (int i = 0; i < dp.length; i++) assertEquals(dp[i], g[i], 1e-6, "grad P[" + i + "] at seq " + seq);
        }
        UserError e = assertThrows(UserError.class, () -> m.predict(Map.of("tok", Tensor.ofInts(new int[] {1, 9}, new int[9]))));
        assertEquals("seq is 9, longer than the 8 positions of P at line 4", e.getMessage());
    }

    static final String LAST_STEP = """
            model LastStep {
              input x: float[batch, seq, 3]
              input t: float[batch, 2]
              h = KIND(x, 4, name="rnn")
              output y = dense(h[:, -1], 2, name="head")
              loss = mse(y, t) + 0.1 * mean(h[:, 1] ^ 2)
            }
            """;

    /**
     * Recurrent layers over a symbolic sequence length, and a position of it taken from the end ({@code h[:, -1]}) and
     * from the start: gradients match finite differences at two lengths of one compiled model, and a sequence too
     * short for a position is stopped with its line.
     */
    @Test
    void recurrentLayersAndPositionsOfASymbolicLength() {
        for (String kind : new String[] {"rnn", "lstm", "gru"}) {
            String src = LAST_STEP.replace("KIND", kind);
            for (int seq : new int[] {2, 5}) {
                netc.compiler.GradCheck.check(src, Map.of(), Map.of(
                        "x", Tensor.of(new int[] {2, seq, 3}, values(2 * seq * 3, seq)),
                        "t", Tensor.of(new int[] {2, 2}, values(4, 1))));
            }
            Model m = NetCompiler.compile("last.net", src, "float").newModel();
            m.initParams(1);
            // the last step is the step a model of known length sees last
            float[] x = values(2 * 4 * 3, 9);
            float[] y = m.predict(Map.of("x", Tensor.of(new int[] {2, 4, 3}, x))).get("y").floats();
            String fixed = src.replace("float[batch, seq, 3]", "float[batch, 4, 3]").replace("h[:, -1]", "h[:, 3]");
            Model k = NetCompiler.compile("fixed.net", fixed, "float").newModel();
            k.initParams(1);
            assertArrayEquals(k.predict(Map.of("x", Tensor.of(new int[] {2, 4, 3}, x))).get("y").floats(), y, 1e-6f, kind);
            m.setInputs(Map.of("x", Tensor.of(new int[] {2, 1, 3}, new float[6]), "t", Tensor.of(new int[] {2, 2}, new float[4])));
            m.forwardOutputs(); // h[:, -1] of one step is that step
            UserError e = assertThrows(UserError.class, m::forwardLoss);
            assertTrue(e.getMessage().contains("seq is 1, too short for position 1 at line 6"), e.getMessage());
        }
    }
}
