package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertRefused;
import static netc.compiler.cli.Refusals.assertUnchanged;
import static netc.compiler.cli.Refusals.editHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import netc.compiler.Cli;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Weight files and checkpoints with missing, extra or mis-shaped tensors, and checkpoints whose optimizer state or
 * metadata does not fit, for {@code run --weights}, {@code sample --weights}, {@code train --init} and
 * {@code train --resume}: one line naming the file and the tensor, exit status 1, and the files on disk untouched.
 */
class BadWeightsTest {
    @TempDir
    Path tmp;

    /** POINTS trained with Adam: parameters logits.weight [3, 2] and logits.bias [3], and two Adam arrays each. */
    static final String POINTS = BadDataTest.POINTS.replace("train { epochs = 1 }", "train {\n    optimizer = adam(lr=0.1)\n    epochs = 2\n  }");

    /** A character model small enough to compile fast: parameters emb.weight, head.weight, head.bias. */
    static final String CHARS = """
            model TinyChars {
              input tok: int[batch, 4]
              input next: int[batch, 4]
              e = embedding(tok, 96, 3, name="emb")
              logits = dense(e, 96, name="head")
              output probs = softmax(logits)
              loss = cross_entropy(logits, next)
            }
            """;

    static final byte[] KEEP = "a file a refused command must not touch".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    Path points, chars, keep;

    @BeforeEach
    void models() throws IOException {
        points = Files.writeString(tmp.resolve("points.net"), POINTS);
        chars = Files.writeString(tmp.resolve("chars.net"), CHARS);
        keep = Files.write(tmp.resolve("keep.safetensors"), KEEP);
    }

    /** Valid weights for {@code model}, initialised with a seed. */
    Path weights(Path model, String name) throws IOException {
        Model m = NetCompiler.compile(model).newModel();
        m.initParams(7);
        Path w = tmp.resolve(name);
        m.saveWeights(w);
        return w;
    }

    static Consumer<JsonObject> remove(String tensor) {
        return h -> h.remove(tensor);
    }

    static Consumer<JsonObject> reshape(String tensor, int... shape) {
        return h -> {
            JsonArray a = new JsonArray();
            for (int d : shape) a.add(d);
            h.getAsJsonObject(tensor).add("shape", a);
        };
    }

    /** A tensor {@code name} of no values (its bytes may not overlap another's: the format forbids it). */
    static Consumer<JsonObject> extra(String name) {
        return h -> h.add(name, com.google.gson.JsonParser.parseString("{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}"));
    }

    /** Tensor {@code name} cut to its first {@code n} float values. */
    static Consumer<JsonObject> shrink(String name, int n) {
        return h -> {
            JsonObject t = h.getAsJsonObject(name);
            long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
            t.add("shape", com.google.gson.JsonParser.parseString("[" + n + "]"));
            t.add("data_offsets", com.google.gson.JsonParser.parseString("[" + begin + "," + (begin + 4L * n) + "]"));
        };
    }

    /** Defects of a weights file of POINTS and of CHARS, and what the message says after the file name. */
    static Stream<Arguments> defects() {
        return Stream.of(
                Arguments.of("missing tensor", remove("logits.bias"), remove("head.bias"),
                        "missing parameter logits.bias; the file has logits.weight", "missing parameter head.bias; the file has emb.weight, head.weight"),
                Arguments.of("extra tensor", extra("logit.bias"), extra("heads.bias"),
                        "tensor logit.bias not in the model; its parameters are logits.weight, logits.bias",
                        "tensor heads.bias not in the model; its parameters are emb.weight, head.weight, head.bias"),
                Arguments.of("transposed tensor", reshape("logits.weight", 2, 3), reshape("head.weight", 3, 96),
                        "tensor 'logits.weight' has shape [2, 3], the model's parameter has [3, 2]",
                        "tensor 'head.weight' has shape [3, 96], the model's parameter has [96, 3]"),
                Arguments.of("wrong size", reshape("logits.bias", 4), reshape("head.bias", 95),
                        "tensor 'logits.bias': data_offsets [24, 36] hold 12 bytes, but shape [4] of F32 needs 16",
                        "tensor 'head.bias': data_offsets"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defects")
    void runSampleAndInitRefuseWeightsThatDoNotFit(String what, Consumer<JsonObject> pointsDefect, Consumer<JsonObject> charsDefect,
                                                  String pointsMessage, String charsMessage) throws IOException {
        Path bad = editHeader(weights(points, "good.safetensors"), tmp.resolve("bad.safetensors"), pointsDefect);
        Path in = tmp.resolve("in.safetensors");
        netc.runtime.io.Safetensors.write(in, java.util.Map.of("x", netc.runtime.Tensor.of(new int[] {1, 2}, new float[] {1, 2}),
                "y", netc.runtime.Tensor.ofInts(new int[] {1}, new int[] {0})));
        assertRefused(Cli.run("run", points, "--weights", bad, "--inputs", in, "--out", keep), bad + ": " + pointsMessage);
        assertRefused(Cli.run("train", points, "--data", "xor", "--init", bad, "--save", keep), bad + ": " + pointsMessage);
        Path badChars = editHeader(weights(chars, "good-chars.safetensors"), tmp.resolve("bad-chars.safetensors"), charsDefect);
        assertRefused(Cli.run("sample", chars, "--weights", badChars, "--length", 5), badChars + ": " + charsMessage);
        assertUnchanged(keep, KEEP);
    }

    @Test
    void theSameWeightsUnbrokenAreAccepted() throws IOException {
        Path good = weights(chars, "good-chars.safetensors");
        Cli r = Cli.run("sample", chars, "--weights", good, "--length", 5, "--prompt", "ab");
        assertEquals(0, r.status(), r.err());
        assertEquals(2 + 5, r.out().strip().length(), r.out());
    }

    // ---- checkpoints ----

    /** A checkpoint of POINTS after 2 epochs of Adam on xor. */
    Path checkpoint() {
        Path ckpt = tmp.resolve("points.ckpt.safetensors");
        Cli r = Cli.run("train", points, "--data", "xor", "--checkpoint", ckpt, "--checkpoint-every", 1);
        assertEquals(0, r.status(), r.err());
        return ckpt;
    }

    static Consumer<JsonObject> metadata(String key, String value) {
        return h -> h.getAsJsonObject("__metadata__").addProperty(key, value);
    }

    static Stream<Arguments> brokenCheckpoints() {
        return Stream.of(
                Arguments.of("missing weight", remove("logits.bias"), "missing parameter logits.bias; the file has logits.weight"),
                Arguments.of("transposed weight", reshape("logits.weight", 2, 3), "tensor 'logits.weight' has shape [2, 3], the model's parameter has [3, 2]"),
                Arguments.of("extra tensor", extra("bias"), "tensor bias not in the model"),
                Arguments.of("state of the wrong size", shrink("optimizer.0.0", 3),
                        "tensor 'optimizer.0.0' holds 3 values, parameter 'logits.weight' has 6"),
                Arguments.of("state of no parameter", extra("optimizer.2.0"), "tensor 'optimizer.2.0' is not optimizer state of Points"),
                Arguments.of("state with a gap", remove("optimizer.0.0"), "optimizer state of parameter 'logits.weight' is incomplete"),
                Arguments.of("step count of no values", reshape("optimizer.steps", 0), "tensor 'optimizer.steps'"),
                Arguments.of("negative epoch", metadata("netc.epoch", "-3"), "bad epoch '-3' in its metadata"),
                Arguments.of("another model", metadata("netc.model", "Lines"), "a checkpoint of model Lines, not Points"),
                Arguments.of("another optimizer", metadata("netc.optimizer", "sgd"), "written while training with sgd, but Points now trains with adam"),
                Arguments.of("plain weights", remove("__metadata__"), "not a netc checkpoint (no netc.epoch in its metadata)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCheckpoints")
    void resumeRefusesACheckpointThatDoesNotFitAndKeepsIt(String what, Consumer<JsonObject> defect, String message) throws IOException {
        Path bad = editHeader(checkpoint(), tmp.resolve("bad.ckpt.safetensors"), defect);
        byte[] before = Files.readAllBytes(bad);
        Cli r = Cli.run("train", points, "--data", "xor", "--epochs", 4, "--checkpoint", bad, "--checkpoint-every", 1, "--resume", "--save", keep);
        assertRefused(r, bad + ": " + message);
        assertUnchanged(bad, before);
        assertUnchanged(keep, KEEP);
    }

    @Test
    void optimizerStateWithTooFewArraysIsAUserError() throws IOException {
        // consistent for each parameter, so only the optimizer can tell: Adam keeps two arrays, the file has one
        Path bad = editHeader(checkpoint(), tmp.resolve("bad.ckpt.safetensors"), remove("optimizer.0.1").andThen(remove("optimizer.1.1")));
        Cli r = Cli.run("train", points, "--data", "xor", "--epochs", 4, "--checkpoint", bad, "--resume");
        assertRefused(r, "the optimizer state restored for parameter 0 is 1 array of 6 values, but Adam keeps 2 of 6");
    }
}
