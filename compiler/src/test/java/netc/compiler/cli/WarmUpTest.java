package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import org.junit.jupiter.api.Test;

/**
 * The JIT's warm-up before training: while the data loads on a thread of its own, the calling thread trains a spare
 * instance on random samples that fit the model (float inputs, class labels, embedding indices), up to the run's
 * step count; what the loader returns or throws reaches the caller; the real model is left alone (CliTest checks
 * the trained weights bit for bit).
 */
class WarmUpTest {
    @Test
    void trainsASpareWhileTheDataLoadsUpToTheRunsStepCount() {
        for (String model : new String[] {"../models/xor_mlp.net", "../models/char_lstm.net"}) {
            NetCompiler.Compiled c = NetCompiler.compile(Path.of(model));
            Model m = c.newModel();
            m.initParams(1);
            float[] before = m.state().values().iterator().next().floats().clone();
            String data = "the data";
            long[] asked = new long[1];
            WarmUp.Loaded<String> loaded = WarmUp.whileLoading(c, m, 8, () -> {
                sleep(200);
                return data;
            }, d -> {
                assertSame(data, d);
                return ++asked[0] * 20;
            });
            assertSame(data, loaded.value());
            assertEquals(1, asked[0], model + ": the run's steps are asked for once");
            // it trained while the data loaded, and no further than twice the run's 20 steps (or where it was when told)
            assertTrue(loaded.warmUpSteps() > 0, model + ": " + loaded.warmUpSteps() + " steps");
            assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(m.state().values().iterator().next().floats()), model);
        }
    }

    @Test
    void everyEighthStepAlsoEvaluatesAndTrainsOnFewerSamples() {
        NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models/xor_mlp.net"));
        Model spare = c.newModel();
        DataSet d = SyntheticData.of(c.graph(), spare.inputs(), 8, new SplittableRandom(1));
        long steps = netc.runtime.train.Trainer.warmUp(spare, d, 8, done -> done < 24);
        assertEquals(24, steps);
        // three smaller batches (with the 8th, 16th and 24th steps), each one more optimizer step; the spare ends at the batch
        assertEquals(27, spare.optimizer().exportState().get("optimizer.steps").ints()[0]);
        assertEquals(8, spare.batch());
    }

    @Test
    void theSpareLearnsNothingSoItsPredictionsStayAsVariedAsARunsFirstOnes() {
        // trained, the spare would learn its few random samples by heart and the JIT compile out a wrong prediction
        NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models/xor_mlp.net"));
        Model spare = c.newModel(), fresh = c.newModel();
        fresh.initParams(0);
        DataSet d = SyntheticData.of(c.graph(), spare.inputs(), 8, new SplittableRandom(1));
        assertEquals(40, netc.runtime.train.Trainer.warmUp(spare, d, 8, done -> done < 40));
        assertTrue(spare.optimizer().exportState().get("optimizer.steps").ints()[0] >= 40);
        fresh.state().forEach((name, t) -> assertEquals(java.util.Arrays.toString(t.floats()),
                java.util.Arrays.toString(spare.state().get(name).floats()), name));
    }

    @Test
    void whatTheLoaderThrowsReachesTheCaller() {
        NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models/xor_mlp.net"));
        UserError e = assertThrows(UserError.class, () -> WarmUp.whileLoading(c, c.newModel(), 4, () -> {
            throw new UserError("no such data");
        }, d -> 10));
        assertEquals("no such data", e.getMessage());
        // no batch known before the data (full-batch training): it only loads
        WarmUp.Loaded<String> plain = WarmUp.whileLoading(c, c.newModel(), null, () -> "x", d -> 10);
        assertEquals("x", plain.value());
        assertEquals(0, plain.warmUpSteps());
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
