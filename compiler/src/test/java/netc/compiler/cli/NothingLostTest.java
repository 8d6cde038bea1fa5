package netc.compiler.cli;

import static netc.compiler.cli.CheckpointRecoveryTest.assertSameWeights;
import static netc.compiler.cli.CheckpointRecoveryTest.read;
import static netc.compiler.cli.Refusals.assertRefused;
import static netc.compiler.cli.Refusals.assertUnchanged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import netc.compiler.Cli;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long runs lose nothing: targets that cannot be written are refused before training starts, weights that cannot be
 * saved at the end go elsewhere (and the report is still written), Ctrl-C stops with a report and a way to resume,
 * temporaries of killed runs are cleaned up, and a resumed run with dropout equals an uninterrupted one.
 */
class NothingLostTest {
    @TempDir
    Path tmp;

    static final byte[] OLD = "the weights of an earlier run".getBytes(StandardCharsets.UTF_8);

    /** XOR with dropout, so that a resumed run must draw the masks an uninterrupted one draws. */
    static final String DROPPED = """
            model Dropped {
              input x: float[batch, 2]
              input y: int[batch]
              h = dense(x, 16) |> relu
              logits = dense(dropout(h, 0.3), 2)
              output p = softmax(logits)
              loss = cross_entropy(logits, y)
              train {
                optimizer = adam(lr=0.01)
                batch = 16
                epochs = 4
                data = "moons"
              }
            }
            """;

    @Test
    void aTargetThatCannotBeWrittenIsRefusedBeforeTraining() throws IOException {
        // a read-only file system, as an immutable or full directory would be found only after the last epoch
        Path readOnly = Path.of("/sys");
        assumeFalse(Files.isWritable(readOnly) && canCreate(readOnly), "/sys is writable here");
        Path model = Files.writeString(tmp.resolve("d.net"), DROPPED);
        for (String option : new String[] {"--save", "--report", "--checkpoint"}) {
            Path target = readOnly.resolve("netc-test." + (option.equals("--report") ? "html" : "safetensors"));
            List<Object> args = new ArrayList<>(List.of("train", model, option, target));
            if (option.equals("--checkpoint")) args.addAll(List.of("--checkpoint-every", 1));
            Cli r = Cli.run(args.toArray());
            assertRefused(r, option + ": cannot write in /sys");
            assertFalse(r.out().contains("epoch 1"), r.out());
        }
    }

    private static boolean canCreate(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "netc", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void stalePartialFilesOfAKilledRunAreRemovedAndOthersKept() throws IOException {
        Path model = Files.writeString(tmp.resolve("d.net"), DROPPED);
        Path save = tmp.resolve("w.safetensors"), ckpt = tmp.resolve("c.safetensors");
        Path stale1 = Files.write(tmp.resolve(".w.safetensors.5f3a9c01be27d4e8.tmp"), OLD);
        Path stale2 = Files.write(tmp.resolve(".c.safetensors.1f.tmp"), OLD);
        Path other = Files.write(tmp.resolve(".w.safetensors.notes.tmp"), OLD);
        Path otherTarget = Files.write(tmp.resolve(".x.safetensors.5f3a9c01be27d4e8.tmp"), OLD);
        Cli r = Cli.run("train", model, "--epochs", 1, "--save", save, "--checkpoint", ckpt, "--checkpoint-every", 1);
        assertEquals(0, r.status(), r.err());
        assertFalse(Files.exists(stale1) || Files.exists(stale2));
        assertUnchanged(other, OLD);
        assertUnchanged(otherTarget, OLD);
    }

    @Test
    void aResumedRunWithDropoutEqualsAnUninterruptedOne() throws IOException {
        Path model = Files.writeString(tmp.resolve("d.net"), DROPPED);
        Path whole = tmp.resolve("whole.safetensors"), resumed = tmp.resolve("resumed.safetensors"), ckpt = tmp.resolve("c.safetensors");
        Cli a = Cli.run("train", model, "--threads", 1, "--save", whole);
        assertEquals(0, a.status(), a.err());
        Cli first = Cli.run("train", model, "--threads", 1, "--epochs", 2, "--checkpoint", ckpt, "--checkpoint-every", 1);
        assertEquals(0, first.status(), first.err());
        Cli rest = Cli.run("train", model, "--threads", 1, "--resume", "--checkpoint", ckpt, "--save", resumed);
        assertEquals(0, rest.status(), rest.err());
        assertTrue(rest.out().contains("after epoch 2"), rest.out());
        assertSameWeights(Safetensors.read(whole), Safetensors.read(resumed));
    }

    @Test
    void resumingAScheduledRunForOtherEpochsIsRefused() throws IOException {
        Path model = Files.writeString(tmp.resolve("d.net"), DROPPED.replace("epochs = 4", "epochs = 4\n    lr_schedule = cosine"));
        Path ckpt = tmp.resolve("c.safetensors");
        Cli first = Cli.run("train", model, "--epochs", 2, "--checkpoint", ckpt, "--checkpoint-every", 1);
        assertEquals(0, first.status(), first.err());
        assertRefused(Cli.run("train", model, "--resume", "--checkpoint", ckpt, "--epochs", 4),
                ckpt + ": written by a run of 2 epochs whose learning rate follows the cosine schedule; resuming it for 4 would change "
                        + "the schedule: pass --epochs 2");
    }

    // ---- a separate JVM, for what ends the process ----

    /** A regression MLP on random data: 5,000 Adam steps an epoch, half a second or more on one thread. */
    static final String SLOW = CheckpointRecoveryTest.SLOW.replace("epochs = 3", "epochs = 6");

    /** Starts {@code netc ARGS} in a JVM of its own, its output to {@code log}. */
    Process start(Path log, Object... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path")));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        command.add(Main.class.getName());
        for (Object a : args) command.add(a.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until {@code log} says {@code what} (or two minutes pass, or the process ends). */
    static void await(Process p, Path log, Predicate<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline && !what.test(read(log))) Thread.sleep(5);
        assertTrue(p.isAlive() && what.test(read(log)), () -> "the run did not get there:\n" + read(log));
    }

    @Test
    void ctrlCStopsWithAReportAndSaysHowToResume() throws Exception {
        Path model = Files.writeString(tmp.resolve("slow.net"), SLOW);
        Path ckpt = tmp.resolve("slow.ckpt.safetensors"), report = tmp.resolve("r.html"), save = Files.write(tmp.resolve("w.safetensors"), OLD);
        Path log = tmp.resolve("train.log");
        Process p = start(log, "train", model, "--threads", 1, "--checkpoint", ckpt, "--checkpoint-every", 1, "--report", report, "--save", save);
        try {
            await(p, log, text -> text.contains("epoch 1: "));
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stopped within a minute");
        } finally {
            p.destroyForcibly().waitFor();
        }
        String out = read(log);
        assertEquals(130, p.exitValue(), out);
        assertTrue(out.contains("netc: interrupted (Ctrl-C) in epoch 2 after batch ") && out.contains("; the checkpoint " + ckpt + " holds epoch 1; "
                + "go on with: netc train " + model + " --resume --checkpoint " + ckpt + " --epochs 6; the report is in " + report), out);
        assertTrue(Files.readString(report).contains("interrupted (Ctrl-C) in epoch 2"));
        assertUnchanged(save, OLD);
        assertEquals("1", Safetensors.readMetadata(ckpt).get("netc.epoch"));
    }

    @Test
    void weightsThatCannotBeSavedAtTheEndGoElsewhereAndTheReportIsWritten() throws Exception {
        Path model = Files.writeString(tmp.resolve("slow.net"), SLOW.replace("epochs = 6", "epochs = 2"));
        Path save = tmp.resolve("w.safetensors"), report = tmp.resolve("r.html"), log = tmp.resolve("train.log");
        Process p = start(log, "train", model, "--threads", 1, "--report", report, "--save", save);
        try {
            await(p, log, text -> text.contains("epoch 1: "));
            // the target becomes a directory that holds a file: nothing can be moved over it
            Files.writeString(Files.createDirectories(save).resolve("in the way"), "x");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
        } finally {
            p.destroyForcibly().waitFor();
        }
        String out = read(log);
        assertEquals(1, p.exitValue(), out);
        Path rescued;
        try (var files = Files.list(tmp)) {
            rescued = files.filter(f -> f.getFileName().toString().matches("Slow-\\d+\\.safetensors")).findFirst().orElseThrow(() -> new AssertionError(out));
        }
        assertTrue(out.contains("netc: " + save + ": cannot write: ") && out.contains("; the weights were saved to " + rescued + " instead"), out);
        assertTrue(Safetensors.read(rescued).containsKey("dense1.weight"));
        assertTrue(out.contains("wrote report to " + report) && Files.readString(report).contains("Training finished"), out);
    }
}
