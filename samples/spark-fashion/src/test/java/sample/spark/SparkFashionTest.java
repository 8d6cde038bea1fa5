package sample.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample as its README runs it, in local[2] on Fashion-MNIST: two epochs reach 85% on the test images, and the
 * scores of all 10,000 equal {@code netc run}'s on the same weights.
 */
class SparkFashionTest {
    static final Path MODEL = Path.of("../../models/fashion_mlp.net");

    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
        JsonObject json() {
            String[] lines = out.strip().split("\n");
            return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        }
    }

    static Run run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < a.length; i++) a[i] = args[i].toString();
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = SparkFashion.run(a, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void trainsToTheAccuracyOfNetcTrainAndScoresAsNetcRunDoes() {
        assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is installed");
        Path w = tmp.resolve("W.safetensors"), s = tmp.resolve("S.safetensors");
        Run train = run("train", "--master", "local[2]", "--model", MODEL, "--epochs", 2, "--save", w, "--json");
        assertEquals(0, train.status(), train.err());
        JsonObject j = train.json();
        assertTrue(j.get("test_accuracy").getAsDouble() >= 0.85, train.out());
        assertEquals(2, j.get("workers").getAsInt());
        assertEquals(32, j.get("batch_per_worker").getAsInt(), "the train block's batch of 64 over two workers");

        Run score = run("score", "--master", "local[2]", "--model", MODEL, "--weights", w, "--data", "fashion-mnist", "--out", s, "--json");
        assertEquals(0, score.status(), score.err());
        assertEquals(10_000, score.json().get("samples").getAsInt());

        // netc run on the same weights and images
        NetCompiler.Compiled c = NetCompiler.compile(MODEL);
        Model m = c.newModel();
        DataSet test = DataSources.load("fashion-mnist", m.inputs(), true);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", test.column("x"));
        in.put("y", test.column("y"));
        Path inputs = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(inputs, in);
        StringWriter err = new StringWriter();
        int status = netc.compiler.cli.Main.execute(new String[] {"run", MODEL.toString(), "--weights", w.toString(), "--inputs", inputs.toString(),
                "--out", out.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, status, err.toString());
        Tensor want = Safetensors.read(out).get("probs"), got = Safetensors.read(s).get("probs");
        assertArrayEquals(new int[] {10_000, 10}, got.shape());
        assertArrayEquals(want.floats(), got.floats(), 1e-5f);
    }

    @Test
    void badInputIsOneLine() {
        Run r = run("score", "--master", "local[1]", "--model", MODEL, "--weights", tmp.resolve("none.safetensors"), "--data", "xor",
                "--out", tmp.resolve("s.csv"));
        assertEquals(1, r.status());
        assertEquals("spark-fashion: --out " + tmp.resolve("s.csv") + ": the name must end in .safetensors or .parquet\n", r.err());
        Run missing = run("train", "--master", "local[1]", "--model", tmp.resolve("nope.net"));
        assertEquals(1, missing.status());
        assertTrue(missing.err().startsWith("spark-fashion: " + tmp.resolve("nope.net") + ": cannot read"), missing.err());
    }
}
