package netc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import netc.compiler.GradCheck;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Extreme logits through the unstable forms a user may write: the loss and its gradient stay finite and equal the
 * exact values (computed here in double precision from the stable formulas), because the stable forms are what is
 * differentiated and run.
 */
class StableFormsTest {
    static final String SRC = """
            model T {
              input y: int[2]
              input t: float[2, 3]
              param Z: [2, 3]
              loss = nll(log(softmax(Z)), y) - mean(log(sigmoid(Z))) - mean(log(1 - sigmoid(Z))) + bce(sigmoid(Z), t) + mean(log(1 + exp(Z)))
            }
            """;
    static final double[] Z = {1000, -1000, 0, -1000, 1000, 999};
    static final int[] Y = {1, 0};
    static final double[] T = {1, 0, 1, 0, 1, 0};

    static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    @Test
    void extremeLogitsGiveFiniteExactLossAndGradients() {
        Model m = NetCompiler.compile("t.net", SRC, "float").newModel();
        float[] z = (float[]) m.paramBuffer("Z");
        for (int i = 0; i < 6; i++) z[i] = (float) Z[i];
        float[] t = new float[6];
        for (int i = 0; i < 6; i++) t[i] = (float) T[i];
        m.setInputs(Map.of("y", Tensor.ofInts(new int[] {2}, Y), "t", Tensor.of(new int[] {2, 3}, t)));
        m.forwardOutputs();
        m.forwardLoss();
        m.backward();

        double loss = 0;
        double[] grad = new double[6];
        for (int r = 0; r < 2; r++) {
            double mx = Math.max(Z[3 * r], Math.max(Z[3 * r + 1], Z[3 * r + 2])), s = 0;
            for (int c = 0; c < 3; c++) s += Math.exp(Z[3 * r + c] - mx);
            double lse = mx + Math.log(s);
            loss -= (Z[3 * r + Y[r]] - lse) / 2;
            for (int c = 0; c < 3; c++) grad[3 * r + c] += (Math.exp(Z[3 * r + c] - lse) - (c == Y[r] ? 1 : 0)) / 2;
        }
        for (int i = 0; i < 6; i++) {
            double zi = Z[i], sg = sigmoid(zi);
            loss += softplus(-zi) / 6 + softplus(zi) / 6;               // -log σ(z), -log(1 - σ(z))
            loss += (softplus(zi) - zi * T[i]) / 6;                      // bce of σ(z) from the logits
            loss += softplus(zi) / 6;                                    // log(1 + e^z)
            grad[i] += (-(1 - sg) + sg + (sg - T[i]) + sg) / 6;
        }
        assertTrue(Double.isFinite(m.loss()), "loss " + m.loss());
        assertEquals(loss, m.loss(), 1e-5 * Math.abs(loss));
        float[] g = (float[]) m.gradBuffer("Z");
        for (int i = 0; i < 6; i++) {
            assertTrue(Float.isFinite(g[i]), "grad Z[" + i + "] = " + g[i]);
            assertEquals(grad[i], g[i], 1e-6, "grad Z[" + i + "]");
        }
    }

    @Test
    void rewrittenFormsHaveTheOriginalsGradients() {
        GradCheck.check(SRC.replace("input t: float[2, 3]", "param t: [2, 3]").replace("input y: int[2]\n", "")
                .replace("nll(log(softmax(Z)), y)", "sum(log(softmax(Z)) * t)"), Map.of("t", GradCheck.Dist.PROB), GradCheck.none());
    }
}
