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
        // and the benchmarks' MLP, the reference workload of bench/compare.sh
        return Stream.concat(Files.list(Path.of(".")).filter(p -> p.toString().endsWith(".net")).sorted(),
                Stream.of(Path.of("../bench/mlp.net")));
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

    /** keras_mlp.net fits its 64 random samples (its train block's own data source, random:64,1000,10) almost exactly. */
    @Test
    void kerasMlpFitsItsRandomData() {
        Run r = netc("train", "keras_mlp.net", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("epoch 1: train loss 1.0"), "starts near the targets' variance\n" + r.out());
        double loss = r.json().get("train_loss").getAsDouble();
        assertTrue(loss < 1e-4, "train loss " + loss + "\n" + r.out());
    }

    /** Ten noisy prototypes in 784 dimensions, n samples, written where the models' quick tests can read them. */
    Path syntheticFashion(int n) {
        Random r = new Random(1);
        float[][] protos = new float[10][784];
        for (float[] p : protos) for (int j = 0; j < 784; j++) p[j] = r.nextFloat();
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
        return file;
    }

    /**
     * The Fashion-MNIST MLP on synthetic data ({@link #syntheticFashion}). Checks the whole training path of the real
     * model file in seconds; the real data set is trained by the long profile.
     */
    @ParameterizedTest
    @CsvSource({"fashion_mlp.net", "../bench/mlp.net"})
    void fashionMlpLearnsSyntheticClasses(String model) {
        Path file = syntheticFashion(2000);
        Run run = netc("train", model, "--data", file, "--test", file, "--epochs", 2, "--json");
        assertEquals(0, run.status(), run.err());
        double acc = run.json().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.95, "accuracy " + acc + "\n" + run.out());
    }

    @Test
    void softmaxRegressionLearnsSyntheticClasses() {
        Path file = syntheticFashion(2000);
        Run run = netc("train", "softmax_regression.net", "--data", file, "--test", file, "--epochs", 2, "--json");
        assertEquals(0, run.status(), run.err());
        double acc = run.json().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.9, "accuracy " + acc + "\n" + run.out());
    }

    /** Multinomial logistic regression on the real Fashion-MNIST: the linear baseline's 84%. */
    @Test
    @Tag("long")
    void softmaxRegressionReaches84Percent() {
        Run r = netc("train", "softmax_regression.net", "--json");
        assertEquals(0, r.status(), r.err());
        double acc = r.json().get("test_accuracy").getAsDouble();
        assertTrue(acc >= 0.835, "test accuracy " + acc + "\n" + r.out());
    }

    /**
     * The character models learn a repetitive text almost perfectly, and sampling continues it (the transformer's
     * window grows with the text, up to its trained length).
     */
    @ParameterizedTest
    @CsvSource({"char_lstm.net, 1", "char_transformer.net, 2"})
    void characterModelsLearnAndSample(String model, int epochs) throws Exception {
        Path text = tmp.resolve("abc.txt");
        Files.writeString(text, "the cat sat on the mat.\n".repeat(100));
        Path w = tmp.resolve(model + ".safetensors");
        Run r = netc("train", model, "--data", "text:" + text, "--epochs", epochs, "--save", w, "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("unigram baseline"), r.out());
        double acc = r.json().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.6, "per-character accuracy " + acc + "\n" + r.out());
        Run s = netc("sample", model, "--weights", w, "--prompt", "the cat", "--length", 60, "--temperature", 0.5);
        assertEquals(0, s.status(), s.err());
        assertTrue(s.out().startsWith("the cat") && s.out().length() > 60, s.out());
    }

    /** On the shipped text the validation loss ends at least 30% below the unigram baseline. */
    @Test
    @Tag("long")
    void charLstmBeatsTheUnigramBaselineByThirtyPercent() {
        Run r = netc("train", "char_lstm.net", "--json");
        assertEquals(0, r.status(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("unigram baseline: ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double baseline = Double.parseDouble(m.group(1));
        double test = Double.parseDouble(r.out().replaceAll("(?s).*test: loss ([0-9.]+).*", "$1"));
        assertTrue(test <= 0.7 * baseline, "test loss " + test + " vs baseline " + baseline);
    }

    /** On the shipped text, each with its own train block, the transformer ends with a lower test loss than the LSTM. */
    @Test
    @Tag("long")
    void charTransformerBeatsCharLstm() {
        Run lstm = netc("train", "char_lstm.net", "--json"), transformer = netc("train", "char_transformer.net", "--json");
        assertEquals(0, lstm.status(), lstm.err());
        assertEquals(0, transformer.status(), transformer.err());
        double l = lstm.json().get("test_loss").getAsDouble(), t = transformer.json().get("test_loss").getAsDouble();
        assertTrue(t < l, "transformer " + t + " nats per character, LSTM " + l);
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
