package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertRefused;
import static netc.compiler.cli.Refusals.assertUnchanged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import netc.compiler.Cli;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input that once ended in an internal error (exit 2) or in silent nonsense: each case is now a user error (exit 1,
 * one located line, nothing written), a warning, or a sensible result.
 */
class NoInternalErrorsTest {
    @TempDir
    Path tmp;

    /** XOR's 2-2-1 network, as models/xor_mlp.net. */
    static final String XOR = """
            model Xor {
              input x: float[batch, 2]
              input t: float[batch, 1]
              param W1: [2, 2] = xavier
              param b1: [2] = zeros
              param W2: [2, 1] = xavier
              h = tanh(x @ W1 + b1)
              output p = sigmoid(h @ W2)
              loss = bce(p, t)
              train {
                optimizer = adam(lr=0.05)
                batch = 4
                epochs = 1
                data = "xor"
              }
            }
            """;

    static final byte[] KEEP = "weights of an earlier run".getBytes(StandardCharsets.UTF_8);

    Path xor, keep;

    @BeforeEach
    void files() throws IOException {
        xor = Files.writeString(tmp.resolve("xor.net"), XOR);
        keep = Files.write(tmp.resolve("keep.safetensors"), KEEP);
    }

    Path model(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    // ---- sizes ----

    @ParameterizedTest
    @ValueSource(strings = {"train", "bench", "run"})
    void aModelLargerThanTheHeapIsRefusedWithWhatItNeeds(String command) throws IOException {
        // 2.1 billion parameters: 8 GB of values, as much again of gradients, twice that of Adam's moments
        Path big = model("big.net", XOR.replace("model Xor", "model Big").replace("param W2: [2, 1] = xavier",
                "param V: [2, 46000] = he\n  param W: [46000, 46000] = he\n  param W2: [46000, 1] = xavier")
                .replace("h = tanh(x @ W1 + b1)", "h = (tanh(x @ W1 + b1) @ V) @ W"));
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(in, Map.of("x", Tensor.of(new int[] {1, 2}, new float[] {1, 0})));
        Cli r = switch (command) {
            case "train" -> Cli.run("train", big, "--save", keep);
            case "bench" -> Cli.run("bench", big);
            default -> Cli.run("run", big, "--inputs", in, "--out", out);
        };
        assertRefused(r, big + ": Big needs about ", " GB of memory (parameters 7.9 GB, ", "but the JVM may take ");
        assertUnchanged(keep, KEEP);
        assertFalse(Files.exists(out));
    }

    @Test
    void aBatchTooLargeForMemoryOrForJavaArraysIsRefused() throws IOException {
        Path wide = model("wide.net", XOR.replace("[batch, 2]", "[batch, 784]").replace("[2, 2]", "[784, 2]"));
        assertRefused(Cli.run("bench", wide, "--batch", 100_000_000), "buffers at batch 100,000,000");
        Model m = NetCompiler.compile(xor).newModel();
        assertEquals(1_073_741_819, m.maxBatch(), "h and the gradients hold 2 values per sample");
        UserError e = assertThrows(UserError.class, () -> m.setBatch(m.maxBatch() + 1));
        assertTrue(e.getMessage().contains("the largest batch is 1,073,741,819"), e.getMessage());
    }

    /**
     * A property of the size arithmetic: for hidden layers of 1 to 2²⁰ units and batches spread over the whole int
     * range, the planned bytes never overflow (non-negative, growing with the batch), the memory check answers or
     * refuses with its message, and a batch whose arrays would not fit in Java arrays is refused before anything is
     * allocated, never a NegativeArraySizeException.
     */
    @Test
    void sizeArithmeticHoldsForEveryWidthAndBatch() throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(2026);
        for (int width : new int[] {1, 3, 784, 46_341, 1 << 20}) {
            Path p = model("w" + width + ".net", XOR.replace("param W1: [2, 2]", "param W1: [2, " + width + "]")
                    .replace("param b1: [2]", "param b1: [" + width + "]").replace("param W2: [2, 1]", "param W2: [" + width + ", 1]"));
            NetCompiler.Compiled c = NetCompiler.compile(p);
            netc.compiler.ir.Graph g = c.graph();
            netc.compiler.codegen.MemoryPlan plan = netc.compiler.codegen.MemoryPlan.of(g, netc.compiler.codegen.Phases.of(g));
            Model m = c.newModel();
            assertTrue(m.maxBatch() >= 1 && (long) m.maxBatch() * width <= Integer.MAX_VALUE, width + ": max batch " + m.maxBatch());
            int[] batches = random.ints(40, 0, 31).map(bits -> (int) Math.min(Integer.MAX_VALUE, (1L << bits) + random.nextInt(1 << Math.min(bits, 30))))
                    .sorted().toArray();
            long previous = 0;
            for (int b : batches) {
                long bytes = plan.plannedBytes(b);
                assertTrue(bytes >= previous, width + " × " + b + ": " + bytes + " planned bytes after " + previous);
                previous = bytes;
                try {
                    HeapCheck.require(p, c, b, true);
                } catch (UserError e) {
                    assertTrue(e.getMessage().contains(" needs about "), e.getMessage());
                }
                if (b > m.maxBatch()) {
                    UserError e = assertThrows(UserError.class, () -> m.setBatch(b));
                    assertTrue(e.getMessage().contains("its buffers would not fit in Java arrays"), e.getMessage());
                }
            }
        }
        assertRefused(Cli.run("bench", xor, "--batch", Integer.MAX_VALUE), "Xor needs about ");
    }

    // ---- metrics ----

    @Test
    void accuracyIsScoredFromTheLossesLogitsWithoutAnOutputAndOnlyForClasses() throws IOException {
        // no output: accuracy compares the logits that cross_entropy takes with the labels
        Path noOutput = model("noout.net", """
                model NoOutput {
                  input x: float[batch, 2]
                  input y: int[batch]
                  logits = dense(dense(x, 16) |> tanh, 2)
                  loss = cross_entropy(logits, y)
                  train {
                    optimizer = adam(lr=0.05)
                    epochs = 3
                    metrics = [accuracy]
                    data = "moons"
                  }
                }
                """);
        Cli r = Cli.run("train", noOutput, "--json");
        assertEquals(0, r.status(), r.err());
        double acc = com.google.gson.JsonParser.parseString(r.lastLine()).getAsJsonObject().get("test_accuracy").getAsDouble();
        assertTrue(acc > 0.8, "moons are told apart: " + acc);
        assertTrue(r.out().contains("epoch 3: train loss ") && r.out().contains(", accuracy "), r.out());
        assertEquals("", r.err().strip(), "nothing to warn about");

        // real-valued targets (a regression): no accuracy, and a warning since it was asked for
        Path regression = model("reg.net", """
                model Regression {
                  input x: float[batch, 4]
                  input t: float[batch, 2]
                  output p = dense(x, 2)
                  loss = mse(p, t)
                  train {
                    epochs = 2
                    metrics = [accuracy]
                    data = "random:64,4,2"
                  }
                }
                """);
        Cli reg = Cli.run("train", regression, "--test", "random:16,4,2", "--json");
        assertEquals(0, reg.status(), reg.err());
        assertTrue(reg.err().startsWith("netc: warning: metrics = [accuracy] does not apply: the targets 't' are real values ("), reg.err());
        assertTrue(reg.err().strip().endsWith("not classes; only the loss is reported"), reg.err());
        assertFalse(reg.out().contains("accuracy"), reg.out());
        assertTrue(reg.lastLine().contains("\"test_loss\""), reg.lastLine());

        // no output and no class scores in the loss: check says what is missing
        Path nothing = model("none.net", Files.readString(regression).replace("output p =", "p ="));
        Cli check = Cli.run("check", nothing);
        assertEquals(0, check.status(), check.err());
        assertTrue(check.err().contains(nothing + ": warning: metrics = [accuracy] needs an output to compare with the labels"), check.err());
    }

    @Test
    void aGradientOfAGradientThroughARecurrentLayerIsALocatedError() throws IOException {
        Path m = model("second.net", """
                model Second {
                  input x: float[batch, 3, 2]
                  h = lstm(x, 4, name="l")
                  g = grad(sum(h), l.weight_hh)
                  loss = sum(g * g)
                }
                """);
        String why = m + ":3:7: lstm_grad has no gradient: a gradient of a gradient through it is not supported";
        assertRefused(Cli.run("check", m), why);
        assertRefused(Cli.run("train", m, "--data", "random:8,6,1"), why);
    }

    @Test
    void labelsShiftedByAConstantAreCheckedInTheirOwnRange() throws IOException {
        Path m = model("shifted.net", """
                model Shifted {
                  input x: float[batch, 2]
                  input y: int[batch]            // labels 1..3
                  loss = cross_entropy(dense(x, 3), y - 1)
                }
                """);
        Path in = tmp.resolve("labels.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(in, Map.of("x", Tensor.of(new int[] {2, 2}, new float[4]), "y", Tensor.ofInts(new int[] {2}, new int[] {3, 0})));
        assertRefused(Cli.run("run", m, "--inputs", in, "--out", out), in + ": input 'y': sample 1 holds class 0, but the model has 3 classes (1..3)");
        assertFalse(Files.exists(out));
        assertEquals(0, Cli.run("bench", m, "--seconds", "0.2").status(), "bench draws labels in 1..3");
    }

    @Test
    void benchOfAModelWithoutALossSaysSoInsteadOfANumber() throws IOException {
        Path m = Files.writeString(tmp.resolve("infer.net"), "model Infer {\n  input x: float[batch, 4]\n  output y = softmax(dense(x, 3))\n}\n");
        Cli r = Cli.run("bench", m, "--seconds", "0.2");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Infer: compile ") && r.out().contains(", no training (no loss), predict "), r.out());
        assertFalse(r.out().contains("NaN"), r.out());
    }

    // ---- names ----

    @ParameterizedTest
    @ValueSource(strings = {"String", "Object", "Math", "System", "Double", "Float", "Integer", "Thread", "var", "_", "class", "record"})
    void aModelNamedLikeAJavaKeywordOrAJavaLangClassCompilesAndTrains(String name) throws IOException {
        Path m = model("named.net", XOR.replace("model Xor", "model " + name));
        Cli t = Cli.run("train", m, "--epochs", 2);
        assertEquals(0, t.status(), t.err());
        assertTrue(t.out().contains("epoch 2: train loss"), t.out());
        Cli c = Cli.run("compile", m, "-o", tmp.resolve("src"));
        assertEquals(0, c.status(), c.err());
        assertTrue(Files.exists(tmp.resolve("src/netc/models/" + name + "Model.java")), c.out());
    }

    @Test
    void compileIntoAFileIsRefused() throws IOException {
        assertRefused(Cli.run("compile", xor, "-o", keep), "-o: " + keep + " is a file, expected a directory");
        assertRefused(Cli.run("compile", xor, "-o", keep.resolve("src")), "-o: " + keep + " is a file, expected a directory");
        assertUnchanged(keep, KEEP);
    }

    // ---- empty data ----

    Path empty(String name, String... tensors) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String t : tensors) m.put(t, Tensor.of(new int[] {0, t.equals("x") ? 2 : 1}, new float[0]));
        Path p = tmp.resolve(name);
        Safetensors.write(p, m);
        return p;
    }

    @Test
    void emptyDataIsRefusedAndNothingIsSaved() throws IOException {
        Path data = empty("empty.safetensors", "x", "t");
        assertRefused(Cli.run("train", xor, "--data", data, "--save", keep, "--json"), "'" + data + "': no samples; training needs at least one");
        assertRefused(Cli.run("train", xor, "--test", data, "--save", keep, "--json"), "'" + data + "': no samples; testing needs at least one");
        assertUnchanged(keep, KEEP);
        Path in = empty("in.safetensors", "x", "t"), out = tmp.resolve("out.safetensors");
        assertRefused(Cli.run("run", xor, "--inputs", in, "--out", out), in + ": the inputs have no samples");
        assertFalse(Files.exists(out));
    }

    @Test
    void theJsonLineLeavesOutWhatIsNotAFiniteNumber() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("train_loss", Double.NaN);
        figures.put("test_loss", Double.POSITIVE_INFINITY);
        figures.put("epochs", 3);
        figures.put("absent", null);
        assertEquals("{\"epochs\":3}", Common.jsonLine(figures));
    }

    // ---- numbers ----

    @Test
    void nonFiniteConstantsAreLocatedErrors() throws IOException {
        Path m = model("consts.net", """
                model Consts {
                  input x: float[batch, 2]
                  const a = 1 / 0
                  const b = 0 / 0
                  const c = 10 ^ 400
                  const d = 1e999
                  output h = dropout(x, 0 / 0)
                }
                """);
        Cli r = Cli.run("check", m);
        assertEquals(1, r.status(), r.err());
        for (String e : new String[] {"consts.net:3:13: error: 1 / 0 divides by zero", "consts.net:4:13: error: 0 / 0 is not a number",
                "consts.net:5:13: error: 10 ^ 400 is too large for a number", "consts.net:6:13: error: number too large",
                "consts.net:7:25: error: 0 / 0 is not a number"}) {
            assertTrue(r.err().contains(e), () -> "expected '" + e + "' in:\n" + r.err());
        }
        assertFalse(r.err().contains("internal error"), r.err());
    }

    @Test
    void nonFiniteWeightsDataAndInputsNameTheirFileAndTensor() throws IOException {
        Path w = tmp.resolve("w.safetensors");
        Model good = NetCompiler.compile(xor).newModel();
        Map<String, Tensor> state = new LinkedHashMap<>(good.state());
        float[] w1 = state.get("W1").floats().clone();
        w1[1] = Float.NaN;
        state.put("W1", Tensor.of(new int[] {2, 2}, w1));
        Safetensors.write(w, state);
        assertRefused(Cli.run("train", xor, "--init", w, "--save", keep), w + ": tensor 'W1' holds NaN at [0, 1]; weights must be finite numbers");
        Path data = tmp.resolve("data.safetensors");
        Safetensors.write(data, Map.of("x", Tensor.of(new int[] {2, 2}, new float[] {0, 1, Float.POSITIVE_INFINITY, 0}),
                "t", Tensor.of(new int[] {2, 1}, new float[] {1, 0})));
        assertRefused(Cli.run("train", xor, "--data", data, "--save", keep), data + ": tensor 'x' holds Infinity at [1, 0]");
        assertRefused(Cli.run("run", xor, "--inputs", data, "--out", keep), data + ": tensor 'x' holds Infinity at [1, 0]");
        assertUnchanged(keep, KEEP);
    }

    @Test
    void aBceTargetOutsideZeroToOneIsRefused() throws IOException {
        Path csv = Files.writeString(tmp.resolve("d.csv"), "a,b,label\n0,0,0\n0,1,1\n1,0,2\n");
        assertRefused(Cli.run("train", xor, "--data", "csv:" + csv, "--save", keep),
                "csv:" + csv + ": input 't': sample 2 holds 2.0, but it is the target of a binary cross-entropy: a probability from 0 to 1");
        assertUnchanged(keep, KEEP);
    }

    // ---- training that would change nothing ----

    @Test
    void aLossOfNoParameterIsRefusedByTrainAndAParameterTheLossIgnoresIsNamed() throws IOException {
        Path none = model("none.net", XOR.replace("loss = bce(p, t)", "loss = mse(x, x * 0.5)"));
        Cli check = Cli.run("check", none);
        assertEquals(0, check.status(), check.err());
        assertTrue(check.err().contains(none + ": warning: the loss depends on no trainable parameter"), check.err());
        assertRefused(Cli.run("train", none, "--save", keep), none + ": the loss of Xor depends on no trainable parameter: training would change nothing");
        assertUnchanged(keep, KEEP);

        Path partly = model("partly.net", XOR.replace("param W2: [2, 1] = xavier", "param W2: [2, 1] = xavier\n  param V: [2, 1] = xavier"));
        String warning = partly + ": warning: the loss does not depend on parameter 'V': training leaves it as initialised";
        assertTrue(Cli.run("check", partly).err().contains(warning));
        Cli train = Cli.run("train", partly);
        assertEquals(0, train.status(), train.err());
        assertTrue(train.err().contains(warning), train.err());
    }

    // ---- the generated class, used without the command line ----

    @Test
    void aNewModelIsInitialisedAsTheTrainBlockSays() throws IOException {
        NetCompiler.Compiled c = NetCompiler.compile(xor);
        Model fresh = c.newModel(), seeded = c.newModel();
        seeded.initParams(42);
        float[][] x = {{1, 0}};
        float[][] p = fresh.predict(x), q = seeded.predict(x);
        assertEquals(q[0][0], p[0][0], 0f);
        assertNotEquals(0.5f, p[0][0], "all-zero weights would predict sigmoid(0)");
    }

    // ---- sampling ----

    @Test
    void aLowTemperatureSamplesTheLikeliestCharacters() throws IOException {
        Path chars = model("chars.net", BadWeightsTest.CHARS);
        Path w = tmp.resolve("chars.safetensors");
        Model m = NetCompiler.compile(chars).newModel();
        m.initParams(5);
        m.saveWeights(w);
        Cli greedy = Cli.run("sample", chars, "--weights", w, "--length", 30, "--temperature", 0, "--seed", 1);
        Cli cold = Cli.run("sample", chars, "--weights", w, "--length", 30, "--temperature", 0.001, "--seed", 2);
        assertEquals(0, greedy.status(), greedy.err());
        assertEquals(greedy.out(), cold.out());
        assertFalse(greedy.out().isBlank(), "the likeliest characters of these weights are not all new lines");
    }

    // ---- the machine ----

    @Test
    void moreThreadsThanCoresAreLoweredWithAWarning() {
        int cores = Runtime.getRuntime().availableProcessors();
        Cli r = Cli.run("bench", xor, "--threads", 1000, "--seconds", 0.1, "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("warning: --threads 1000 is more than the " + cores + " cores of this machine; using " + cores), r.err());
        assertTrue(r.lastLine().contains("\"threads\":" + cores), r.lastLine());
    }

    @Test
    void aPipeIsRefusedNotReadForever() throws Exception {
        Path fifo = tmp.resolve("model.net");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertRefused(Cli.run("check", fifo), fifo + ": not a regular file, expected a model file");
            Path data = tmp.resolve("data.safetensors");
            assertEquals(0, new ProcessBuilder("mkfifo", data.toString()).start().waitFor());
            assertRefused(Cli.run("train", xor, "--data", data), data + ": not a regular file, expected a data file");
            assertRefused(Cli.run("train", xor, "--data", "csv:" + fifo), fifo + ": not a regular file, expected a data file");
        });
    }
}
