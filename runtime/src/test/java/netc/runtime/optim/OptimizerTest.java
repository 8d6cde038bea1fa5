package netc.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import netc.runtime.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fused step over all parameters: the same weights and state as stepping each parameter on its own, whatever the
 * number of threads that share the elements (chunks that end inside a parameter, span several, or skip one without
 * gradient).
 */
class OptimizerTest {
    /** Sizes with a split inside the first parameter, tiny ones between, one without gradient (null) and a last one. */
    private static final int[] SIZES = {70_000, 5, 3, 40_000, 1, 9_000};
    private static final int NO_GRAD = 2;

    @AfterAll
    static void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static final Map<String, Supplier<Optimizer>> OPTIMIZERS = Map.of(
            "adam", () -> new Adam(1e-2, 0.9, 0.999, 1e-8, 0.01),
            "adamw", () -> new Adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true),
            "sgd", () -> new Sgd(0.1, 0.9, 0.3, 1e-3, false),
            "nesterov", () -> new Sgd(0.1, 0.9, 0, 0, true),
            "adagrad", () -> new Adagrad(0.1, 0.01, 1e-3, 0.1, 1e-10),
            "rmsprop", () -> new RmsProp(1e-2, 0.99, 1e-8, 1e-3, 0.5, true),
            "adadelta", () -> new Adadelta(1.0, 0.9, 1e-6, 1e-3));

    @Test
    void aFusedStepEqualsStepsOfEachParameterOnAnyThreadCount() {
        for (var e : OPTIMIZERS.entrySet()) {
            float[][] expected = run(1, e.getValue(), true);
            for (int threads : new int[] {1, 2, 3}) {
                float[][] got = run(threads, e.getValue(), false);
                for (int i = 0; i < SIZES.length; i++) {
                    assertArrayEquals(expected[i], got[i], 0f, e.getKey() + " threads=" + threads + " parameter " + i);
                }
            }
        }
    }

    @Test
    void aParameterWithoutGradientKeepsItsValuesAndGetsNoState() {
        Optimizer adam = OPTIMIZERS.get("adam").get();
        float[][] p = run(2, () -> adam, false);
        assertArrayEquals(initial(new Random(1), SIZES)[NO_GRAD], p[NO_GRAD], 0f);
        assertEquals(List.of("optimizer.steps", "optimizer.0.0", "optimizer.0.1", "optimizer.1.0", "optimizer.1.1",
                "optimizer.3.0", "optimizer.3.1", "optimizer.4.0", "optimizer.4.1", "optimizer.5.0", "optimizer.5.1"),
                List.copyOf(adam.exportState().keySet()));
    }

    private static float[][] initial(Random r, int[] sizes) {
        float[][] a = new float[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            a[i] = new float[sizes[i]];
            for (int j = 0; j < sizes[i]; j++) a[i][j] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Three steps from the same weights and gradients: fused, or each parameter stepped alone by its own optimizer. */
    private static float[][] run(int threads, Supplier<Optimizer> make, boolean eachAlone) {
        Parallel.setThreads(threads);
        float[][] params = initial(new Random(1), SIZES);
        Random gradients = new Random(2);
        Optimizer fused = make.get();
        Optimizer[] alone = new Optimizer[SIZES.length];
        for (int i = 0; i < SIZES.length; i++) alone[i] = make.get();
        for (int step = 0; step < 3; step++) {
            float[][] g = initial(gradients, SIZES);
            Object[] grads = g.clone();
            grads[NO_GRAD] = null;
            if (!eachAlone) {
                fused.step(params, grads, 0.5f);
                continue;
            }
            for (int i = 0; i < SIZES.length; i++) {
                if (grads[i] != null) alone[i].step(new Object[] {params[i]}, new Object[] {grads[i]}, 0.5f);
            }
        }
        return params;
    }
}
