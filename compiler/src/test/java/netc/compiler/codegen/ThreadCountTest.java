package netc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Training gives the same weights, bit for bit, whatever the number of threads: every kernel that splits its work
 * (products, convolutions, pooling, the elementwise kernels and sums the generator makes parallel) splits it so that each
 * value is computed the same way in every split.
 */
class ThreadCountTest {
    @AfterAll
    static void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @ParameterizedTest(name = "{0} at batch {1}")
    @CsvSource({"lenet, 64", "fashion_mlp, 256", "cnn_bn, 32"})
    void weightsAfterTrainingDoNotDependOnTheThreadCount(String model, int batch) {
        NetCompiler.Compiled c = NetCompiler.compile(Path.of("../models", model + ".net"));
        assertTrue(c.java().toString().contains("Parallel.forRange("), "the model has parallel elementwise kernels");
        Map<String, float[]> one = train(c, 1, batch);
        for (int threads : new int[] {2, 3}) {
            Map<String, float[]> other = train(c, threads, batch);
            for (String name : one.keySet()) {
                assertArrayEquals(one.get(name), other.get(name), 0f, name + " on " + threads + " threads");
            }
        }
    }

    /** The weights after five training steps on fixed random data. */
    private static Map<String, float[]> train(NetCompiler.Compiled c, int threads, int batch) {
        Parallel.setThreads(threads);
        Model m = c.newModel();
        m.initParams(1);
        m.setBatch(batch);
        AllocationTest.fill(m, batch);
        m.training = true;
        for (int i = 0; i < 5; i++) AllocationTest.step(m);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (String name : m.paramNames()) weights.put(name, ((float[]) m.paramBuffer(name)).clone());
        return weights;
    }
}
