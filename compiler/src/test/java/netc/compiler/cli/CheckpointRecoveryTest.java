package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertUnchanged;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import netc.compiler.Cli;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults during training: {@code netc train} killed with SIGKILL in the middle of an epoch leaves only complete files,
 * and {@code --resume} goes on from its last checkpoint to the very weights an uninterrupted run ends with; a diverging
 * run stops with the first non-finite value and its {@code .net} line, and its last good checkpoint still loads and
 * resumes.
 */
class CheckpointRecoveryTest {
    @TempDir
    Path tmp;

    /** A regression MLP on random data: 5,000 Adam steps an epoch, half a second or more on one thread. */
    static final String SLOW = """
            model Slow {
              input x: float[batch, 64]
              input t: float[batch, 4]
              h = dense(x, 256) |> relu
              output p = dense(h, 4)
              loss = mse(p, t)
              train {
                optimizer = adam(lr=1e-3)
                batch = 8
                epochs = 3
                data = "random:40000,64,4"
              }
            }
            """;

    static final byte[] OLD = "the weights of an earlier run".getBytes(StandardCharsets.UTF_8);

    @Test
    void killedMidEpochResumesFromItsLastCheckpointToTheUninterruptedWeights() throws Exception {
        Path model = Files.writeString(tmp.resolve("slow.net"), SLOW);
        Path ckpt = tmp.resolve("slow.ckpt.safetensors"), save = Files.write(tmp.resolve("w.safetensors"), OLD);
        Path log = tmp.resolve("train.log");

        // a separate JVM, killed with SIGKILL once the checkpoint of epoch 1 is on disk and epoch 2 is under way
        // (with this JVM's kernels: the resumed run below takes them)
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        command.addAll(List.of(Main.class.getName(), "train", model.toString(), "--threads", "1", "--checkpoint", ckpt.toString(),
                "--checkpoint-every", "1", "--save", save.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int done = 0;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (done < 1 && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
                if (Files.exists(ckpt)) done = Integer.parseInt(Safetensors.readMetadata(ckpt).get("netc.epoch"));
            }
            Thread.sleep(50);
            assertTrue(p.isAlive(), () -> "the run ended before it was killed:\n" + read(log));
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        String out = read(log);
        assertEquals(1, done);
        assertTrue(out.contains("epoch 1: ") && !out.contains("epoch 2: "), () -> "killed during epoch 2:\n" + out);

        // every file on disk is whole: the checkpoint loads, the old weights are untouched, no temporary file is left
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(Stream.of(ckpt, log, model, save).sorted().toList(), files.sorted().toList());
        }
        Map<String, Tensor> state = Safetensors.read(ckpt);
        assertTrue(state.containsKey("dense1.weight") && state.containsKey("optimizer.0.1"), state.keySet().toString());
        assertUnchanged(save, OLD);

        // resuming loses only the killed epoch and ends where an uninterrupted run ends, bit for bit
        Cli resumed = Cli.run("train", model, "--threads", 1, "--checkpoint", ckpt, "--checkpoint-every", 1, "--resume", "--save", save);
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("resuming from " + ckpt + " after epoch 1"), resumed.out());
        assertFalse(resumed.out().contains("epoch 1: "), resumed.out());
        Path whole = tmp.resolve("whole.safetensors");
        Cli uninterrupted = Cli.run("train", model, "--threads", 1, "--save", whole);
        assertEquals(0, uninterrupted.status(), uninterrupted.err());
        assertSameWeights(Safetensors.read(whole), Safetensors.read(save));
    }

    static void assertSameWeights(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k).floats(), actual.get(k).floats(), 0f, k);
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Linear regression with SGD at a learning rate far above the stable one: the loss grows tenfold an epoch. */
    static final String UNSTABLE = """
            model Unstable {
              input x: float[batch, 8]
              input t: float[batch, 1]
              param W: [8, 1] = zeros
              output y = x @ W
              loss = mse(y, t)
              train {
                optimizer = sgd(lr=1.5)
                batch = 8
                epochs = 40
                data = "random:64,8,1"
              }
            }
            """;

    private static final Pattern DIVERGED = Pattern.compile("training diverged at epoch (\\d+), batch \\d+: the loss is (Infinity|NaN); "
            + "the first non-finite value is \\w+ %\\d+ at (\\S+):6: loss = mse\\(y, t\\); try a lower learning rate");

    @Test
    void aDivergingRunNamesTheValueAndItsLineAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path model = Files.writeString(tmp.resolve("unstable.net"), UNSTABLE);
        Path ckpt = tmp.resolve("unstable.ckpt.safetensors"), save = Files.write(tmp.resolve("w.safetensors"), OLD);
        Cli r = Cli.run("train", model, "--checkpoint", ckpt, "--checkpoint-every", 1, "--save", save);
        Refusals.assertRefused(r, "training diverged");
        Matcher m = DIVERGED.matcher(r.err());
        assertTrue(m.find(), r.err());
        assertTrue(model.toString().endsWith(m.group(3)), m.group(3));
        int diverged = Integer.parseInt(m.group(1));
        assertTrue(diverged > 2, "diverges after some epochs: " + diverged);
        assertUnchanged(save, OLD);

        // the checkpoint is the last finished epoch's, whole and finite
        assertEquals(Integer.toString(diverged - 1), Safetensors.readMetadata(ckpt).get("netc.epoch"));
        for (float v : Safetensors.read(ckpt).get("W").floats()) assertTrue(Float.isFinite(v), "W holds " + v);

        // and a lower learning rate goes on from it
        Cli gentle = Cli.run("train", model, "--checkpoint", ckpt, "--resume", "--lr", 0.01, "--save", save);
        assertEquals(0, gentle.status(), gentle.err());
        assertTrue(gentle.out().contains("resuming from " + ckpt + " after epoch " + (diverged - 1)), gentle.out());
        for (float v : Safetensors.read(save).get("W").floats()) assertTrue(Float.isFinite(v), "W holds " + v);
    }
}
