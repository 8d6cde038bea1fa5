package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Agreement with PyTorch: the reference tensors in the shared fixtures folder, reproduced through the command line
 * ({@code netc run --grads} and {@code netc train --init --save}) to 1e-4 relative.
 */
class FixturesTest {
    @TempDir
    Path tmp;

    static Path fixtures() {
        Path p = Path.of(System.getProperty("netc.shared", "../../shared"), "fixtures");
        assumeTrue(Files.isDirectory(p), "no fixtures folder at " + p);
        return p;
    }

    /** Every tensor of {@code expected} is in {@code got} with its shape and values to 1e-4 relative. */
    static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> got) {
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor g = got.get(e.getKey());
            assertTrue(g != null, "missing " + e.getKey() + " in " + got.keySet());
            assertEquals(Tensor.shapeString(e.getValue().shape()), Tensor.shapeString(g.shape()), e.getKey());
            float[] x = e.getValue().floats(), y = g.floats();
            for (int i = 0; i < x.length; i++) {
                double tol = 1e-4 * Math.abs(x[i]) + 1e-6;
                assertTrue(Math.abs(x[i] - y[i]) <= tol, e.getKey() + "[" + i + "]: expected " + x[i] + ", got " + y[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "sigmoid_bce"})
    void runReproducesOutputsLossAndGradients(String name) {
        Path f = fixtures(), out = tmp.resolve("out.safetensors");
        Cli r = Cli.run("run", f.resolve(name + ".net"), "--weights", f.resolve(name + ".weights.safetensors"),
                "--inputs", f.resolve(name + ".inputs.safetensors"), "--out", out, "--grads");
        assertEquals(0, r.status(), r.err());
        assertClose(Safetensors.read(f.resolve(name + ".expect.safetensors")), Safetensors.read(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"opt_sgd", "opt_adam"})
    void trainReproducesOptimizerTrajectories(String name) {
        Path f = fixtures(), out = tmp.resolve("final.safetensors");
        Cli r = Cli.run("train", f.resolve(name + ".net"), "--init", f.resolve(name + ".weights.safetensors"),
                "--data", f.resolve(name + ".inputs.safetensors"), "--save", out);
        assertEquals(0, r.status(), r.err());
        assertClose(Safetensors.read(f.resolve(name + ".final.safetensors")), Safetensors.read(out));
    }
}
