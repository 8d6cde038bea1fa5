package netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training in Spark's local mode (2 worker threads, up to 4 attempts per task) against one process
 * training the same global batches.
 */
class SparkTrainingTest {
    static final String MLP = """
            model Mlp {
              input x: float[batch, 20]
              input y: int[batch]
              logits = dense(relu(dense(x, 32, name="fc1")), 3, name="fc2")
              output probs = softmax(logits)
              loss = cross_entropy(logits, y)
              train { optimizer = adam(lr=0.01) }
            }
            """;
    static final String CONV_BN = """
            model ConvBn {
              input x: float[batch, 1, 8, 8]
              input y: int[batch]
              c = relu(batchnorm(conv2d(x, 4, kernel=3, name="conv"), name="bn"))
              logits = dense(flatten(maxpool(c, 2)), 3, name="fc")
              output probs = softmax(logits)
              loss = cross_entropy(logits, y)
              train { optimizer = sgd(lr=0.05, momentum=0.9) }
            }
            """;
    static final Map<String, NetCompiler.Compiled> COMPILED = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;


    static ModelFactory factory(String source) {
        return () -> COMPILED.computeIfAbsent(source, s -> NetCompiler.compile("m.net", s, "float")).newModel();
    }

    /** Rows of {@code features} numbers and a class 0..2 that depends on them. */
    static List<Row> rows(int n, int features, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[features];
            double s = 0;
            for (int j = 0; j < features; j++) {
                x[j] = (float) r.nextGaussian();
                s += (j % 3 - 1) * x[j];
            }
            rows.add(RowFactory.create(x, s > 0.5 ? 2 : s < -0.5 ? 0 : 1));
        }
        return rows;
    }

    static Dataset<Row> frame(List<Row> rows) {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false)).add("label", DataTypes.IntegerType);
        return LocalSpark.session().createDataFrame(rows, schema);
    }

    /** One worker's rows, in the order fit gives them: row i goes to worker i mod n. */
    static List<Row> shard(List<Row> rows, int worker, int n) {
        List<Row> s = new ArrayList<>();
        for (int i = worker; i < rows.size(); i += n) s.add(rows.get(i));
        return s;
    }

    static void fill(Model m, List<Row> rows, int[] order, int from, int b, int at) {
        float[] x = (float[]) m.inputBuffer(m.predictionInputs().get(0).name());
        int[] y = (int[]) m.inputBuffer(m.labelInput());
        int f = m.inputSampleSize(m.predictionInputs().get(0).name());
        for (int r = 0; r < b; r++) {
            Row row = rows.get(order[from + r]);
            System.arraycopy((float[]) row.get(0), 0, x, (at + r) * f, f);
            y[at + r] = row.getInt(1);
        }
    }

    @Test
    void twoWorkersOfBatch64GiveTheWeightsOfOneProcessOfBatch128() {
        List<Row> data = rows(640, 20, 1);
        TrainOptions o = new TrainOptions().epochs(3).batchPerWorker(64).workers(2).seed(7);
        NetcSpark.FitResult fit = NetcSpark.fit(frame(data), factory(MLP), o);
        assertEquals(3 * 5, fit.steps(), "320 rows per worker: 5 steps of 64 per epoch");

        // one process, batch 128: worker 0's 64 rows then worker 1's, step by step
        Model m = factory(MLP).create();
        List<Row> s0 = shard(data, 0, 2), s1 = shard(data, 1, 2);
        for (int e = 1; e <= 3; e++) {
            int[] p0 = Replica.order(7, e, 0, s0.size()), p1 = Replica.order(7, e, 1, s1.size());
            for (int s = 0; s < 5; s++) {
                m.setBatch(128);
                fill(m, s0, p0, s * 64, 64, 0);
                fill(m, s1, p1, s * 64, 64, 64);
                m.training = true;
                m.trainOnInputs();
            }
        }
        // the sums differ only in order: a 128-row product against two 64-row ones added
        for (Map.Entry<String, Tensor> e : m.state().entrySet()) {
            assertArrayEquals(e.getValue().floats(), fit.weights().get(e.getKey()).floats(), 2e-5f, e.getKey());
        }
        assertTrue(fit.epochLoss()[2] < fit.epochLoss()[0], "it learns: " + java.util.Arrays.toString(fit.epochLoss()));
    }

    @Test
    void aTaskThatFailsMakesSparkRestartTheStageFromTheCheckpoint() {
        List<Row> data = rows(512, 20, 4);
        TrainOptions o = new TrainOptions().epochs(3).batchPerWorker(64).workers(2).seed(5);
        NetcSpark.FitResult whole = NetcSpark.fit(frame(data), factory(MLP), o.checkpoint(tmp.resolve("a.safetensors").toString(), 1));
        assertEquals(1, whole.firstEpoch());

        // worker 1 fails in epoch 2: Spark restarts both tasks, which resume after epoch 1
        NetcSpark.FitResult resumed = NetcSpark.fit(frame(data), factory(MLP), o.checkpoint(tmp.resolve("b.safetensors").toString(), 1).failOnce(1, 2, 2));
        assertEquals(2, resumed.firstEpoch(), "the retried stage starts after the checkpoint of epoch 1");
        for (String k : whole.weights().keySet()) {
            assertArrayEquals(whole.weights().get(k).floats(), resumed.weights().get(k).floats(), 0f, k + ": the same run, interrupted or not");
        }
        assertEquals(whole.epochLoss()[2], resumed.epochLoss()[1], 0.0);
    }

    @Test
    void batchNormKeepsEachWorkersStatisticsAsDdpDoes() {
        List<Row> data = rows(512, 64, 2);
        TrainOptions o = new TrainOptions().epochs(2).batchPerWorker(64).workers(2).seed(3);
        NetcSpark.FitResult fit = NetcSpark.fit(frame(data), factory(CONV_BN), o);

        // one process computing what the two workers compute: each half's gradient with its own batch statistics,
        // summed and halved as the all-reduce does, then one step; the running statistics are worker 0's
        Model m = factory(CONV_BN).create();
        List<Row> s0 = shard(data, 0, 2), s1 = shard(data, 1, 2);
        String[] names = m.paramNames();
        m.training = true;
        for (int e = 1; e <= 2; e++) {
            int[] p0 = Replica.order(3, e, 0, s0.size()), p1 = Replica.order(3, e, 1, s1.size());
            for (int s = 0; s < 4; s++) {
                Map<String, float[]> g0 = new LinkedHashMap<>(), buffers0 = new LinkedHashMap<>();
                for (int half = 0; half < 2; half++) {
                    m.setBatch(64);
                    fill(m, half == 0 ? s0 : s1, half == 0 ? p0 : p1, s * 64, 64, 0);
                    m.forwardOutputs();
                    m.forwardLoss();
                    m.updateBuffers();
                    m.backward();
                    for (String n : names) {
                        float[] g = (float[]) m.gradBuffer(n);
                        if (half == 0) {
                            if (g != null) g0.put(n, g.clone());
                            else buffers0.put(n, ((float[]) m.paramBuffer(n)).clone());
                        } else if (g != null) {
                            float[] a = g0.get(n);
                            for (int j = 0; j < g.length; j++) g[j] = (g[j] + a[j]) * 0.5f;
                        }
                    }
                }
                buffers0.forEach((n, v) -> System.arraycopy(v, 0, (float[]) m.paramBuffer(n), 0, v.length));
                m.step();
            }
        }
        for (Map.Entry<String, Tensor> e : m.state().entrySet()) {
            assertArrayEquals(e.getValue().floats(), fit.weights().get(e.getKey()).floats(), 0f, e.getKey() + ": two workers sum in one order, bit for bit");
        }
    }
}
