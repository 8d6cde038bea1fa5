package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import netc.runtime.Model;
import netc.runtime.Tensor;

/**
 * Finite-difference gradient checks in double precision: a model is compiled with {@code double} buffers, its
 * parameters set to random values, and the symbolic gradient of its loss compared with central differences.
 */
public final class GradCheck {
    /** How a parameter's random values are drawn. */
    public enum Dist {
        /** magnitudes in [0.2, 1.5] with random signs: away from the kinks of relu, abs, max */
        SIGNED,
        /** in [0.5, 2]: for log, sqrt, pow, division */
        POSITIVE,
        /** in [0.1, 0.9]: probabilities */
        PROB
    }

    private GradCheck() {
    }

    /** Compiles {@code src} in double precision with random parameters drawn by {@code dists} (default SIGNED). */
    public static Model model(String src, Map<String, Dist> dists, Map<String, Tensor> inputs, long seed) {
        Model m = NetCompiler.compile("check.net", src, "double").newModel();
        Random r = new Random(seed);
        for (String p : m.paramNames()) {
            double[] v = (double[]) m.paramBuffer(p);
            Dist d = dists.getOrDefault(p, Dist.SIGNED);
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (d) {
                    case SIGNED -> (r.nextBoolean() ? 1 : -1) * (0.2 + 1.3 * r.nextDouble());
                    case POSITIVE -> 0.5 + 1.5 * r.nextDouble();
                    case PROB -> 0.1 + 0.8 * r.nextDouble();
                };
            }
        }
        if (!inputs.isEmpty()) m.setInputs(inputs);
        return m;
    }

    private static double loss(Model m) {
        m.forwardOutputs();
        m.forwardLoss();
        return m.loss();
    }

    /** The symbolic gradient of every parameter, copied. */
    public static Map<String, double[]> gradients(Model m) {
        loss(m);
        m.backward();
        Map<String, double[]> g = new LinkedHashMap<>();
        for (String p : m.paramNames()) {
            Object b = m.gradBuffer(p);
            g.put(p, b == null ? new double[((double[]) m.paramBuffer(p)).length] : ((double[]) b).clone());
        }
        return g;
    }

    /**
     * Asserts that the symbolic gradient of every parameter matches central differences to {@code tol},
     * relative to max(1, |gradient|).
     */
    public static void check(String src, Map<String, Dist> dists, Map<String, Tensor> inputs) {
        check(src, dists, inputs, false);
    }

    /** As {@link #check(String, Map, Map)}, in training mode when {@code training} (batch statistics). */
    public static void check(String src, Map<String, Dist> dists, Map<String, Tensor> inputs, boolean training) {
        Model m = model(src, dists, inputs, 7);
        m.training = training;
        Map<String, double[]> symbolic = gradients(m);
        double h = 1e-6, tol = 1e-6;
        StringBuilder failures = new StringBuilder();
        for (String p : m.paramNames()) {
            double[] v = (double[]) m.paramBuffer(p);
            double[] g = symbolic.get(p);
            for (int i = 0; i < v.length; i++) {
                double saved = v[i];
                v[i] = saved + h;
                double up = loss(m);
                v[i] = saved - h;
                double down = loss(m);
                v[i] = saved;
                double numeric = (up - down) / (2 * h);
                double err = Math.abs(numeric - g[i]) / Math.max(1, Math.max(Math.abs(numeric), Math.abs(g[i])));
                if (err > tol && failures.length() < 2000) {
                    failures.append(String.format("%s[%d]: symbolic %.9g, numeric %.9g%n", p, i, g[i], numeric));
                }
            }
        }
        assertTrue(failures.length() == 0, "gradient mismatch:\n" + failures + "in model:\n" + src);
    }

    public static Map<String, Tensor> none() {
        return Map.of();
    }
}
