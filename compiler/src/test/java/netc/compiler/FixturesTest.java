package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Agreement with PyTorch: the reference tensors in the shared fixtures folder, reproduced through the command line
 * ({@code netc run --grads} and {@code netc train --init --save}) to 1e-4 relative; and the project's own
 * fixtures for the ops and optimizer settings the shared ones do not cover.
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

    /** The project's own fixtures, made by make_fixtures.py in that folder with the same PyTorch. */
    static final Path OWN = Path.of("src/test/resources/fixtures");

    static Stream<Arguments> own(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(OWN)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted()
                    .map(n -> Arguments.of(OWN, n.substring(0, n.length() - suffix.length()))).toList().stream();
        }
    }

    static Stream<Arguments> runCases() throws IOException {
        return Stream.concat(Stream.of("mlp", "sigmoid_bce", "char_lstm", "small_cnn").map(n -> Arguments.of(null, n)), own(".expect.safetensors"));
    }

    static Stream<Arguments> trainCases() throws IOException {
        return Stream.concat(Stream.of("opt_sgd", "opt_adam").map(n -> Arguments.of(null, n)), own(".final.safetensors"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("runCases")
    void runReproducesOutputsLossAndGradients(Path dir, String name) {
        Path f = dir != null ? dir : fixtures(), out = tmp.resolve("out.safetensors");
        // fixtures named *_train were made in training mode (batch statistics, dropout)
        Cli r = Cli.run("run", f.resolve(name + ".net"), "--weights", f.resolve(name + ".weights.safetensors"),
                "--inputs", f.resolve(name + ".inputs.safetensors"), "--out", out, "--grads", name.endsWith("_train") ? "--train-mode" : "--seed=42");
        assertEquals(0, r.status(), r.err());
        assertClose(Safetensors.read(f.resolve(name + ".expect.safetensors")), Safetensors.read(out));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("trainCases")
    void trainReproducesOptimizerTrajectories(Path dir, String name) {
        Path f = dir != null ? dir : fixtures(), out = tmp.resolve("final.safetensors");
        Cli r = Cli.run("train", f.resolve(name + ".net"), "--init", f.resolve(name + ".weights.safetensors"),
                "--data", f.resolve(name + ".inputs.safetensors"), "--save", out);
        assertEquals(0, r.status(), r.err());
        assertClose(Safetensors.read(f.resolve(name + ".final.safetensors")), Safetensors.read(out));
    }
}
