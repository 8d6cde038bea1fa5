package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;
import netc.runtime.optim.Schedule;
import netc.runtime.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * The API that applications use on a generated class: batch prediction from arrays, copies that share the weights
 * across threads, and training steps from Java.
 */
class EmbeddingApiTest {
    static final Path FASHION = Path.of("../models/fashion_mlp.net"), XOR = Path.of("../models/xor_mlp.net");

    /** Deterministic pseudo-images: n rows of 784 values in [0, 1]. */
    static float[][] images(int n, int salt) {
        float[][] x = new float[n][784];
        for (int i = 0; i < n; i++) for (int j = 0; j < 784; j++) x[i][j] = ((i * 784 + j + salt) * 37 % 255) / 255f;
        return x;
    }

    @Test
    void copiesShareTheWeightsAndPredictFromSeveralThreadsWhatOneThreadPredicts() throws Exception {
        Model m = NetCompiler.compile(FASHION).newModel();
        m.initParams(7);
        float[][] batch = images(48, 0);
        float[][] expected = m.predict(batch);
        float[][] single = new float[batch.length][];
        for (int i = 0; i < batch.length; i++) single[i] = m.predictBatch(batch[i], 1);

        Model c = m.copy();
        assertSame(m.getClass(), c.getClass());
        assertSame(m.paramBuffer("W1"), c.paramBuffer("W1"), "a copy shares the weights");
        assertNotSame(m.inputBuffer("x"), c.inputBuffer("x"), "and has buffers of its own");

        int threads = 4, rounds = 15;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Model mine = m.copy();
                int offset = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int r = 0; r < rounds; r++) {
                        float[][] got = mine.predict(batch);
                        for (int i = 0; i < batch.length; i++) assertArrayEquals(expected[i], got[i], 0f, "row " + i);
                        int i = (r * threads + offset) % batch.length;
                        assertArrayEquals(single[i], mine.predictBatch(batch[i], 1), 0f, "sample " + i);
                        checked += batch.length + 1;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : done) assertEquals(rounds * (batch.length + 1), f.get());
        } finally {
            pool.shutdownNow();
        }
        float sum = 0;
        for (float p : expected[5]) sum += p;
        assertEquals(1f, sum, 1e-5f, "softmax rows sum to 1");

        // a copy sees later changes to the shared weights, in its single-sample products too, which from the second
        // on read a copy of the weights laid out for them (remade after a step or a write through paramBuffer); two
        // rows take the products' other path, with the same sums in the same order
        float[][] two = {batch[3], batch[4]};
        assertSinglesMatch(m.predict(two)[0], c, batch[3]);
        m.trainStep(batch, labels(batch.length));
        assertArrayEquals(m.predict(batch)[3], c.predict(batch)[3], 0f);
        assertTrue(Math.abs(m.predict(batch)[3][0] - expected[3][0]) > 0, "the step changed the prediction");
        assertSinglesMatch(m.predict(two)[0], c, batch[3]);
        float[] w1 = (float[]) m.paramBuffer("W1");
        float before = c.predictBatch(batch[3], 1)[0];
        w1[0] += 5f;
        w1[1] -= 5f;
        m.weightsChanged();
        assertSinglesMatch(m.predict(two)[0], c, batch[3]);
        assertTrue(before != c.predictBatch(batch[3], 1)[0], "the write changed the prediction");
    }

    /** Three single-sample predictions of {@code x} by {@code m} (the first reads the weights, the others their copy). */
    private static void assertSinglesMatch(float[] expected, Model m, float[] x) {
        for (int call = 0; call < 3; call++) assertArrayEquals(expected, m.predictBatch(x, 1), 0f, "call " + call);
    }

    @Test
    void batchPredictionAgreesWithTheTypedOneSamplePredictAndTheFlatForm() throws Exception {
        Model m = NetCompiler.compile(FASHION).newModel();
        m.initParams(11);
        float[][] x = images(5, 3);
        float[][] rows = m.predict(x);
        float[] flat = new float[5 * 784];
        for (int i = 0; i < 5; i++) System.arraycopy(x[i], 0, flat, i * 784, 784);
        float[] flatOut = m.predictBatch(flat, 5);
        assertEquals(50, flatOut.length);
        var typed = m.getClass().getMethod("predict", float[].class);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(rows[i], java.util.Arrays.copyOfRange(flatOut, i * 10, i * 10 + 10), 0f);
            assertArrayEquals(rows[i], (float[]) typed.invoke(m, (Object) x[i]), 1e-6f);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(new float[][] {new float[783]}));
        assertEquals("sample 0 of input 'x' has 783 values, the model expects 784", e.getMessage());
    }

    @Test
    void trainStepTakesTheStepsOfTheTrainer() {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, t = {{0}, {1}, {1}, {0}};
        Model viaTrainer = NetCompiler.compile(XOR).newModel(), viaSteps = NetCompiler.compile(XOR).newModel();
        viaTrainer.initParams(42);
        viaSteps.initParams(42);
        float[] xs = {0, 0, 0, 1, 1, 0, 1, 1}, ts = {0, 1, 1, 0};
        DataSet data = new DataSet(Map.of("x", Tensor.of(new int[] {4, 2}, xs), "t", Tensor.of(new int[] {4, 1}, ts)));
        int epochs = 60;
        Trainer.Result r = Trainer.fit(viaTrainer, data, null, new Trainer.Options(epochs, 4, false, 42, null, Schedule.CONSTANT), new Trainer.Listener() {
        });
        double first = 0, last = 0;
        for (int e = 1; e <= epochs; e++) {
            last = viaSteps.trainStep(x, t);
            if (e == 1) first = last;
        }
        assertEquals(r.epochs().get(0).trainLoss(), first, 1e-12);
        assertEquals(r.last().trainLoss(), last, 1e-12);
        assertTrue(last < first, "the loss falls: " + first + " -> " + last);
        for (String p : viaSteps.paramNames()) {
            assertArrayEquals((float[]) viaTrainer.paramBuffer(p), (float[]) viaSteps.paramBuffer(p), 0f, p);
        }
        assertTrue(!viaSteps.training, "back in evaluation mode after a step");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> viaSteps.trainStep(x, new int[] {0, 1, 1, 0}));
        assertTrue(e.getMessage().startsWith("XorMLP: trainStep(float[][], int[]) needs a model with two inputs, float samples and one int label"), e.getMessage());
    }

    @Test
    void classifierTrainStepsWithLabelsOrNamedTensorsAgreeAndFitABatch() {
        Model typed = NetCompiler.compile(FASHION).newModel(), named = NetCompiler.compile(FASHION).newModel();
        typed.initParams(5);
        named.initParams(5);
        float[][] x = images(16, 9);
        int[] y = labels(16);
        float[] flat = new float[16 * 784];
        for (int i = 0; i < 16; i++) System.arraycopy(x[i], 0, flat, i * 784, 784);
        Map<String, Tensor> batch = new LinkedHashMap<>();
        batch.put("x", Tensor.of(new int[] {16, 784}, flat));
        batch.put("y", Tensor.ofInts(new int[] {16}, y));
        double first = typed.trainStep(x, y);
        assertEquals(first, named.trainStep(batch), 0);
        assertEquals(Math.log(10), first, 1.0, "a fresh classifier is near chance");
        double last = first;
        for (int s = 0; s < 30; s++) last = typed.trainStep(x, y);
        assertTrue(last < first / 4, "30 Adam steps fit one batch: " + first + " -> " + last);
        float[][] p = typed.predict(x);
        int right = 0;
        for (int i = 0; i < 16; i++) if (argmax(p[i]) == y[i]) right++;
        assertEquals(16, right);
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = (i * 7) % 10;
        return y;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
        return best;
    }
}
