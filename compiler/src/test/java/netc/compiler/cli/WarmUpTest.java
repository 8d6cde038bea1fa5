package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;
import org.junit.jupiter.api.Test;

/**
 * The JIT's warm-up before training: it trains a spare instance on random samples that fit the model (float inputs,
 * class labels, embedding indices), stops at the run's step count, and leaves the real model alone (CliTest checks
 * the trained weights bit for bit).
 */
class WarmUpTest {
    @Test
    void trainsASpareOnRandomSamplesUntilTheRunsStepCount() {
        for (String model : new String[] {"../models/xor_mlp.net", "../models/char_lstm.net"}) {
            NetCompiler.Compiled c = NetCompiler.compile(Path.of(model));
            Model m = c.newModel();
            m.initParams(1);
            float[] before = m.state().values().iterator().next().floats().clone();
            long taken;
            try (WarmUp w = WarmUp.start(c, m, 8)) {
                taken = w.finish(20);
            }
            // at least the 20 steps (more where it had run past them before it was told): it ran without an error
            assertTrue(taken >= 20, model + ": " + taken + " steps");
            assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(m.state().values().iterator().next().floats()), model);
        }
    }

    @Test
    void randomSamplesKeepTheRangesTheModelIndexesWith() {
        NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models/char_lstm.net"));
        Model m = c.newModel();
        DataSet d = SyntheticData.of(c.graph(), m.inputs(), 50, new SplittableRandom(1));
        assertEquals(50, d.size());
        for (String input : new String[] {"tok", "next"}) {
            Tensor t = d.columns().get(input);
            assertEquals("[50, 32]", Tensor.shapeString(t.shape()));
            int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
            for (int v : t.ints()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertTrue(min >= 0 && max <= 95 && max - min > 80, input + ": " + min + ".." + max);  // the vocabulary, 96 characters
        }
    }
}
