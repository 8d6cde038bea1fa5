package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import netc.compiler.Cli;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands' output and exit statuses. */
class CliTest {
    @TempDir
    Path tmp;

    static final String NET_3441 = """
            model Net3441 {
              input x: float[batch, 3]
              input t: float[batch, 1]
              h1 = dense(x, 4) |> sigmoid
              h2 = dense(h1, 4) |> sigmoid
              output p = dense(h2, 1) |> sigmoid
              loss = bce(p, t)
            }
            """;

    /** Eight samples of three features with a 0/1 target: the 3-input parity problem. */
    Path parityData() {
        float[] x = new float[24], t = new float[8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 3; j++) x[i * 3 + j] = (i >> j) & 1;
            t[i] = Integer.bitCount(i) & 1;
        }
        Path p = tmp.resolve("parity.safetensors");
        Safetensors.write(p, java.util.Map.of("x", netc.runtime.Tensor.of(new int[] {8, 3}, x), "t", netc.runtime.Tensor.of(new int[] {8, 1}, t)));
        return p;
    }

    Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void paramsCountsA3441NetworkAs41() throws Exception {
        Cli r = Cli.run("params", write("net.net", NET_3441));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("total: 41 parameters"), r.out());
        assertTrue(r.out().contains("dense1.weight") && r.out().contains("[4, 3]"), r.out());
        // initializer bounds as the values drawn from, not rounded: U(±1/√3) for the first layer's 3 inputs
        String bound = Double.toString(1 / Math.sqrt(3));
        assertTrue(r.out().contains("uniform(-" + bound + ", " + bound + ")"), r.out());
    }

    @Test
    void checkPrintsASummary() throws Exception {
        Cli r = Cli.run("check", write("net.net", NET_3441));
        assertEquals(0, r.status());
        assertEquals("ok: Net3441: 2 inputs, 6 parameter tensors (41 values), 1 output, a loss", r.out().strip());
    }

    @Test
    void checkCountsOneValueInTheSingular() throws Exception {
        Cli r = Cli.run("check", write("one.net", "model One {\n  input x: float[batch, 1]\n  param w: [1]\n  output y = x * w\n}\n"));
        assertEquals(0, r.status(), r.err());
        assertEquals("ok: One: 1 input, 1 parameter tensor (1 value), 1 output, no loss", r.out().strip());
    }

    @Test
    void graphWritesDotWithTheBackwardPass() throws Exception {
        Path dot = tmp.resolve("g.dot");
        Cli r = Cli.run("graph", write("net.net", NET_3441), "--grad", "-o", dot);
        assertEquals(0, r.status(), r.err());
        String text = Files.readString(dot);
        assertTrue(text.startsWith("digraph \"Net3441\""), text);
        assertTrue(text.contains("grad dense1.weight"), "gradients are drawn");
        Cli plain = Cli.run("graph", tmp.resolve("net.net"));
        assertFalse(plain.out().contains("grad dense1.weight"), "no backward pass without --grad");
    }

    @Test
    void graphTextIsThePrinterForm() throws Exception {
        Cli r = Cli.run("graph", write("net.net", NET_3441), "--text", "--grad", "--optimized");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("grad dense3.bias = %"), r.out());
    }

    @Test
    void trainSavesWeightsThatRunLoads() throws Exception {
        Path model = write("xor.net", NET_3441), w = tmp.resolve("w.safetensors");
        Cli r = Cli.run("train", model, "--data", parityData(), "--test", parityData(), "--epochs", 3, "--save", w, "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.lastLine().contains("\"epochs\":3") && r.lastLine().contains("\"test_accuracy\"")
                && r.lastLine().contains("\"samples_per_s\"") && r.lastLine().contains("\"compile_ms\""), r.lastLine());
        assertEquals(6, Safetensors.read(w).size());
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(in, java.util.Map.of(
                "x", netc.runtime.Tensor.of(new int[] {2, 3}, new float[] {0, 1, 0, 1, 1, 0}),
                "t", netc.runtime.Tensor.of(new int[] {2, 1}, new float[] {1, 0})));
        Cli run = Cli.run("run", model, "--weights", w, "--inputs", in, "--out", out, "--grads");
        assertEquals(0, run.status(), run.err());
        assertTrue(Safetensors.read(out).containsKey("grad.dense2.weight"));
    }

    @Test
    void theJitWarmUpBeforeTrainingChangesNoWeight() throws Exception {
        // the spare instance trained before the clock starts shares nothing with the real run: same weights, bit for bit
        Path model = write("xor.net", NET_3441), warm = tmp.resolve("warm.safetensors"), cold = tmp.resolve("cold.safetensors");
        Object[] args = {"train", model, "--data", parityData(), "--epochs", 40, "--batch", 3, "--json"};
        Cli withWarmUp = Cli.run(concat(args, "--save", warm));
        String before = System.getProperty("netc.warmup");
        System.setProperty("netc.warmup", "0");
        Cli without;
        try {
            without = Cli.run(concat(args, "--save", cold));
        } finally {
            if (before == null) System.clearProperty("netc.warmup");
            else System.setProperty("netc.warmup", before);
        }
        assertEquals(0, withWarmUp.status(), withWarmUp.err());
        assertEquals(0, without.status(), without.err());
        var a = Safetensors.read(warm);
        var b = Safetensors.read(cold);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).floats(), b.get(k).floats(), 0f, k);
        System.setProperty("netc.warmup", "soon");
        try {
            Cli bad = Cli.run(concat(args, "--save", cold));
            assertEquals(1, bad.status());
            assertTrue(bad.err().contains("-Dnetc.warmup must be a number of seconds"), bad.err());
        } finally {
            if (before == null) System.clearProperty("netc.warmup");
            else System.setProperty("netc.warmup", before);
        }
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void wrongWeightsAreOneLineUserErrors() throws Exception {
        Path model = write("net.net", NET_3441), w = tmp.resolve("w.safetensors");
        Safetensors.write(w, java.util.Map.of("dense1.weight", netc.runtime.Tensor.of(new int[] {3, 4}, new float[12])));
        Cli r = Cli.run("train", model, "--data", parityData(), "--init", w);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("dense1.weight") && r.err().contains("[3, 4]") && r.err().contains("[4, 3]"), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    @Test
    void divergingTrainingStopsWithTheFirstNonFiniteValueAndKeepsSavedWeights() throws Exception {
        Path model = write("diverge.net", """
                model Diverge {
                  input x: float[batch, 2]
                  input t: float[batch, 1]
                  param W: [2, 1] = ones
                  z = x @ W
                  output p = exp(z * 50)
                  loss = mse(p, t)
                }
                """);
        Path w = tmp.resolve("w.safetensors");
        Files.writeString(w, "previous weights");
        Cli r = Cli.run("train", model, "--data", "xor", "--lr", 10, "--save", w);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("diverged") && r.err().contains("diverge.net:6: output p = exp(z * 50)"), r.err());
        assertEquals("previous weights", Files.readString(w), "nothing saved is lost");
    }

    @Test
    void resumingFromACheckpointEndsWhereAnUninterruptedRunEnds() throws Exception {
        Path model = write("net.net", NET_3441.replace("loss = bce(p, t)", "loss = bce(p, t)\n  train {\n    optimizer = adam(lr=0.05)\n    batch = 3\n  }"));
        Path data = parityData(), whole = tmp.resolve("whole.safetensors"), resumed = tmp.resolve("resumed.safetensors");
        Path ckpt = tmp.resolve("run.ckpt.safetensors");
        assertEquals(0, Cli.run("train", model, "--data", data, "--epochs", 6, "--save", whole).status());
        Cli first = Cli.run("train", model, "--data", data, "--epochs", 6, "--checkpoint", ckpt, "--checkpoint-every", 1);
        assertEquals(0, first.status(), first.err());
        // as if killed during epoch 4: the checkpoint after epoch 3 is what remains
        Cli three = Cli.run("train", model, "--data", data, "--epochs", 3, "--checkpoint", ckpt, "--checkpoint-every", 3);
        assertEquals(0, three.status(), three.err());
        Cli rest = Cli.run("train", model, "--data", data, "--epochs", 6, "--checkpoint", ckpt, "--checkpoint-every", 3, "--resume", "--save", resumed, "--json");
        assertEquals(0, rest.status(), rest.err());
        assertTrue(rest.out().contains("resuming from") && rest.lastLine().contains("\"epochs\":6"), rest.out());
        var a = Safetensors.read(whole);
        var b = Safetensors.read(resumed);
        for (String k : a.keySet()) assertArrayEquals(a.get(k).floats(), b.get(k).floats(), 0f, k);
        Cli done = Cli.run("train", model, "--data", data, "--epochs", 6, "--checkpoint", ckpt, "--resume");
        assertEquals(1, done.status());
    }

    @Test
    void compileRefusesABadPackageName() throws Exception {
        Cli r = Cli.run("compile", write("net.net", NET_3441), "-o", tmp, "--package", "not a package");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--package"), r.err());
    }
}
