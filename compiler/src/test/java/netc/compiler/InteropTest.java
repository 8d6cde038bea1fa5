package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch interoperability, with the fixtures torch_interop.py made: a state dict saved by PyTorch loads by name
 * (layers) or through {@code netc convert} (explicit params) and predicts what PyTorch predicted; the files netc
 * writes have the layout PyTorch's files have; and, where PyTorch is installed, PyTorch loads netc's weights.
 */
class InteropTest {
    @TempDir
    Path tmp;

    static final Path DIR = FixturesTest.OWN;
    static final String TO_NETC = "fc1.weight=W1^T,fc1.bias=b1,fc2.weight=W2^T,fc2.bias=b2";
    static final String TO_TORCH = "W1=fc1.weight^T,b1=fc1.bias,W2=fc2.weight^T,b2=fc2.bias";

    static Path f(String name) {
        return DIR.resolve(name);
    }

    /** netc's predictions with these weights on the fixture's inputs, written to {@code out}. */
    static Map<String, Tensor> predict(String name, Path weights, Path out) {
        Cli r = Cli.run("run", f(name + ".net"), "--weights", weights, "--inputs", f(name + ".inputs.safetensors"), "--out", out);
        assertEquals(0, r.status(), r.err());
        return Safetensors.read(out);
    }

    @Test
    void aSequentialStateDictLoadsByNameAndPredictsAsInPyTorch() {
        Map<String, Tensor> state = Safetensors.read(f("torch_seq.state.safetensors"));
        assertEquals(Set.of("0.weight", "0.bias", "3.weight", "3.bias"), state.keySet(), "nn.Sequential's names: module indices");
        FixturesTest.assertClose(Safetensors.read(f("torch_seq.probs.safetensors")),
                predict("torch_seq", f("torch_seq.state.safetensors"), tmp.resolve("got.safetensors")));
    }

    @Test
    void aBatchNormStateDictWithoutNumBatchesTrackedLoadsAsPyTorchLoadsIt() {
        Map<String, Tensor> full = Safetensors.read(f("bn_eval.weights.safetensors")), stripped = new java.util.LinkedHashMap<>(full);
        assertTrue(stripped.keySet().removeIf(k -> k.endsWith(".num_batches_tracked")), full.keySet().toString());
        Path w = tmp.resolve("stripped.safetensors");
        Safetensors.write(w, stripped);
        Map<String, Tensor> expected = predict("bn_eval", f("bn_eval.weights.safetensors"), tmp.resolve("full.out.safetensors"));
        Map<String, Tensor> got = predict("bn_eval", w, tmp.resolve("stripped.out.safetensors"));
        expected.forEach((k, t) -> assertArrayEquals(t.floats(), got.get(k).floats(), k));
    }

    @Test
    void explicitParamsTakeAStateDictThroughConvert() {
        Path w = tmp.resolve("w.safetensors"), back = tmp.resolve("back.safetensors");
        Cli c = Cli.run("convert", f("torch_mlp.state.safetensors"), "-o", w, "--map", TO_NETC, "--model", f("torch_mlp.net"));
        assertEquals(0, c.status(), c.err());
        assertEquals("wrote 4 tensors to " + w + " (the parameters of torch_mlp.net)", c.out().strip());
        Map<String, Tensor> torch = Safetensors.read(f("torch_mlp.state.safetensors")), netc = Safetensors.read(w);
        // fc1.weight is [16, 4] (out, in); W1 is [4, 16] (in, out): element (i, j) of one is (j, i) of the other
        assertArrayEquals(new int[] {4, 16}, netc.get("W1").shape());
        assertEquals(torch.get("fc1.weight").floats()[2 * 4 + 3], netc.get("W1").floats()[3 * 16 + 2]);
        FixturesTest.assertClose(Safetensors.read(f("torch_mlp.probs.safetensors")), predict("torch_mlp", w, tmp.resolve("got.safetensors")));
        // and back: the same tensors, bit for bit, under PyTorch's names
        assertEquals(0, Cli.run("convert", w, "-o", back, "--map", TO_TORCH).status());
        Map<String, Tensor> again = Safetensors.read(back);
        assertEquals(torch.keySet(), again.keySet());
        torch.forEach((k, t) -> {
            assertArrayEquals(t.shape(), again.get(k).shape(), k);
            assertArrayEquals(t.floats(), again.get(k).floats(), k);
        });
    }

    @Test
    void convertErrorsAreOneLine() {
        Path in = f("torch_mlp.state.safetensors"), out = tmp.resolve("w.safetensors");
        Cli missing = Cli.run("convert", in, "-o", out, "--map", "fc3.weight=W3");
        assertEquals(1, missing.status());
        assertEquals("netc: --map fc3.weight=W3: " + in + " has no tensor 'fc3.weight'; it has fc1.weight, fc1.bias, fc2.weight, fc2.bias",
                missing.err().strip());
        Cli vector = Cli.run("convert", in, "-o", out, "--map", "fc1.bias=b1^T");
        assertEquals("netc: --map fc1.bias=...^T: only 2-D tensors transpose, 'fc1.bias' has shape [16]", vector.err().strip());
        Cli syntax = Cli.run("convert", in, "-o", out, "--map", "fc1.weight");
        assertEquals("netc: --map fc1.weight: expected SRC=DST or SRC=DST^T, e.g. fc1.weight=W1^T", syntax.err().strip());
        Cli unfit = Cli.run("convert", in, "-o", out, "--map", "fc1.weight=W1^T,fc1.bias=b1", "--model", f("torch_mlp.net"));
        assertEquals(1, unfit.status());
        assertEquals("netc: " + out + ": missing parameters W2, b2; the file has W1, b1, fc2.bias, fc2.weight", unfit.err().strip());
        assertTrue(!Files.exists(out), "nothing is written when the result does not fit the model");
    }

    /** A safetensors file's header and data, checked against what the format (and so PyTorch's loader) requires. */
    record Layout(JsonObject header, byte[] data) {
        static Layout of(Path p) throws Exception {
            byte[] b = Files.readAllBytes(p);
            long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertTrue(n > 0 && 8 + n <= b.length, p + ": header length " + n);
            assertEquals(0, n % 8, p + ": the header is padded to 8 bytes, so the data is aligned");
            String text = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(text.startsWith("{"), p + ": the header starts with '{'");
            assertEquals(text.strip().length(), text.stripTrailing().length(), "padding only after the JSON");
            JsonObject h = JsonParser.parseString(text).getAsJsonObject();
            h.remove("__metadata__");
            byte[] data = Arrays.copyOfRange(b, 8 + (int) n, b.length);
            // the byte ranges tile the data exactly: no gap, no overlap, nothing after the last
            List<long[]> ranges = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : h.entrySet()) {
                var offs = e.getValue().getAsJsonObject().getAsJsonArray("data_offsets");
                ranges.add(new long[] {offs.get(0).getAsLong(), offs.get(1).getAsLong()});
            }
            ranges.sort(Comparator.comparingLong(r -> r[0]));
            long at = 0;
            for (long[] r : ranges) {
                assertEquals(at, r[0], p + ": contiguous data");
                at = r[1];
            }
            assertEquals(data.length, at, p + ": the last tensor ends the file");
            return new Layout(h, data);
        }

        byte[] bytes(String name) {
            var offs = header.getAsJsonObject(name).getAsJsonArray("data_offsets");
            return Arrays.copyOfRange(data, offs.get(0).getAsInt(), offs.get(1).getAsInt());
        }
    }

    @Test
    void weightsNetcSavesHaveTheLayoutPyTorchWrites() throws Exception {
        Model m = NetCompiler.compile(f("torch_seq.net")).newModel();
        m.loadWeights(f("torch_seq.state.safetensors"));
        Path saved = tmp.resolve("saved.safetensors");
        m.saveWeights(saved);
        Layout torch = Layout.of(f("torch_seq.state.safetensors")), netc = Layout.of(saved);
        assertEquals(torch.header().keySet(), netc.header().keySet());
        for (String k : torch.header().keySet()) {
            JsonObject a = torch.header().getAsJsonObject(k), b = netc.header().getAsJsonObject(k);
            assertEquals(a.get("dtype"), b.get("dtype"), k);
            assertEquals(a.get("shape"), b.get("shape"), k);
            assertArrayEquals(torch.bytes(k), netc.bytes(k), k + ": the same little-endian bytes");
        }
    }

    @Test
    void pyTorchLoadsTheWeightsNetcTrained() throws Exception {
        String python = null;
        for (String p : List.of("python3", "/usr/bin/python3")) {
            if (python == null && run(List.of(p, "-c", "import torch"), 120, null) == 0) python = p;
        }
        assumeTrue(python != null, "PyTorch is not installed");
        // a few training steps in netc, so the weights PyTorch loads are netc's own
        for (String name : List.of("torch_seq", "torch_mlp")) {
            Path init = f(name + ".state.safetensors"), trained = tmp.resolve(name + ".trained.safetensors");
            if (name.equals("torch_mlp")) {
                init = tmp.resolve("mlp.init.safetensors");
                assertEquals(0, Cli.run("convert", f(name + ".state.safetensors"), "-o", init, "--map", TO_NETC).status());
            }
            Cli t = Cli.run("train", f(name + ".net"), "--init", init, "--data", f(name + ".inputs.safetensors"), "--epochs", 3, "--save", trained);
            assertEquals(0, t.status(), t.err());
            predict(name, trained, tmp.resolve(name + ".got.safetensors"));
            Path forTorch = tmp.resolve(name + ".netc.safetensors");
            if (name.equals("torch_mlp")) assertEquals(0, Cli.run("convert", trained, "-o", forTorch, "--map", TO_TORCH).status());
            else Files.copy(trained, forTorch);
        }
        Path log = tmp.resolve("python.log");
        int status = run(List.of(python, DIR.resolve("torch_interop.py").toString(), "check", tmp.toString()), 300, log);
        String out = Files.readString(log);
        assertEquals(0, status, out);
        assertTrue(out.contains("torch_seq: PyTorch with netc's weights vs netc") && out.contains("torch_mlp: PyTorch with netc's weights vs netc"), out);
    }

    static int run(List<String> cmd, int seconds, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(log != null ? ProcessBuilder.Redirect.to(log.toFile()) : ProcessBuilder.Redirect.DISCARD);
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            return -1;
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -2;
        }
        return p.exitValue();
    }
}
