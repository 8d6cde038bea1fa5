package netc.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import netc.compiler.cli.Main;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every model in this folder checks, and the small ones train to their accuracy from the README's commands. */
class ModelsTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
        JsonObject json() {
            String[] lines = out.strip().split("\n");
            return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        }
    }

    static Run netc(Object... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) a[i] = String.valueOf(args[i]);
        int status = Main.execute(a, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    static Stream<Path> models() throws Exception {
        return Files.list(Path.of(".")).filter(p -> p.toString().endsWith(".net")).sorted();
    }

    @ParameterizedTest
    @MethodSource("models")
    void checks(Path model) {
        Run r = netc("check", model);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("ok: "), r.out());
    }

    @ParameterizedTest(name = "{0} reaches {1}")
    @CsvSource({"perceptron.net, 1.0", "adaline.net, 1.0", "xor_mlp.net, 1.0", "logistic.net, 0.84"})
    void smallModelsTrainToTheirAccuracy(String model, double accuracy) {
        Run r = netc("train", model, "--json");
        assertEquals(0, r.status(), r.err());
        double got = r.json().get("test_accuracy").getAsDouble();
        assertTrue(got >= accuracy, model + ": test accuracy " + got + " below " + accuracy + "\n" + r.out());
    }

    /**
     * The Fashion-MNIST MLP on data made here: ten noisy prototypes in 784 dimensions. Checks the whole training
     * path of the real model file in seconds; the real data set is trained by the long profile.
     */
    @Test
    void fashionMlpLearnsSyntheticClasses() {
        Random r = new Random(1);
        float[][] protos = new float[10][784];
        for (float[] p : protos) for (int j = 0; j < 784; j++) p[j] = r.nextFloat();
        int n = 2000;
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            for (int j = 0; j < 784; j++) x[i * 784 + j] = Math.min(1, Math.max(0, protos[y[i]][j] + 0.6f * (float) r.nextGaussian()));
        }
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("x", Tensor.of(new int[] {n, 784}, x));
        data.put("y", Tensor.ofInts(new int[] {n}, y));
        Path file = tmp.resolve("synthetic.safetensors");
        Safetensors.write(file, data);
        Run run = netc("train", "fashion_mlp.net", "--data", file, "--test", file, "--epochs", 2, "--json");
        assertEquals(0, run.status(), run.err());
        double acc = run.json().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.95, "accuracy " + acc + "\n" + run.out());
    }

    /**
     * Ten classes of 28×28 images, each a bright 6×6 square at its own place over noise: enough for a conv net to
     * learn in a few hundred steps, so the real conv model files are trained end to end in seconds.
     */
    static Path syntheticImages(Path dir, int n) {
        Random r = new Random(2);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            int top = 3 + (y[i] / 5) * 13, left = 1 + (y[i] % 5) * 5;
            for (int p = 0; p < 784; p++) {
                int row = p / 28, col = p % 28;
                boolean on = row >= top && row < top + 6 && col >= left && col < left + 6;
                x[i * 784 + p] = Math.min(1, Math.max(0, (on ? 0.8f : 0.1f) + 0.25f * (float) r.nextGaussian()));
            }
        }
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("x", Tensor.of(new int[] {n, 1, 28, 28}, x));
        data.put("y", Tensor.ofInts(new int[] {n}, y));
        Path file = dir.resolve("images.safetensors");
        Safetensors.write(file, data);
        return file;
    }

    @ParameterizedTest
    @CsvSource({"lenet.net", "cnn_bn.net"})
    void convNetsLearnSyntheticImages(String model) {
        Path file = syntheticImages(tmp, 1500);
        Run run = netc("train", model, "--data", file, "--test", file, "--epochs", 2, "--json");
        assertEquals(0, run.status(), run.err());
        double acc = run.json().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.95, model + ": accuracy " + acc + "\n" + run.out());
    }

    /** LeNet-5 on the real data set, with two seeds: at least 90% after its five epochs. Minutes, so only with -Plong. */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"42", "1"})
    @Tag("long")
    void lenetReaches90PercentInFiveEpochs(int seed) {
        Run r = netc("train", "lenet.net", "--seed", seed, "--json");
        assertEquals(0, r.status(), r.err());
        double acc = r.json().get("test_accuracy").getAsDouble();
        assertTrue(acc >= 0.90, "test accuracy " + acc + "\n" + r.out());
    }

    /** The conv net with batch norm and dropout on the real data set (about 90% after its five epochs); only with -Plong. */
    @Test
    @Tag("long")
    void cnnBnReaches89PercentInFiveEpochs() {
        Run r = netc("train", "cnn_bn.net", "--json");
        assertEquals(0, r.status(), r.err());
        double acc = r.json().get("test_accuracy").getAsDouble();
        assertTrue(acc >= 0.89, "test accuracy " + acc + "\n" + r.out());
    }

    /** The README's main job on the real data set; minutes of training, so only with -Plong. */
    @Test
    @Tag("long")
    void fashionMlpReaches88PercentInFiveEpochs() {
        Run r = netc("train", "fashion_mlp.net", "--epochs", 5, "--json");
        assertEquals(0, r.status(), r.err());
        double acc = r.json().get("test_accuracy").getAsDouble();
        assertTrue(acc >= 0.88, "test accuracy " + acc + "\n" + r.out());
    }
}
