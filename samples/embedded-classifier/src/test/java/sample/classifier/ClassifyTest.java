package sample.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import netc.compiler.cli.Main;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded classifier predicts what {@code netc run} computes from the same weights and images: weights from
 * {@code netc train --save} on generated data, images in an IDX file written here (no Fashion-MNIST download).
 */
class ClassifyTest {
    static final Path MODEL = Path.of("src/main/net/fashion_mlp.net");
    static final int N = 12;

    @TempDir
    Path tmp;

    @Test
    void predictionsEqualNetcRunOnTheSameWeights() throws IOException {
        Path weights = tmp.resolve("fashion.safetensors");
        netc("train", MODEL, "--data", "random:512,784,10", "--epochs", "2", "--batch", "64", "--save", weights);

        byte[] pixels = images();
        Path idx = tmp.resolve("images-idx3-ubyte.gz");
        writeIdx(idx, pixels);
        int[] all = new int[N];
        for (int i = 0; i < N; i++) all[i] = i;
        float[][] embedded = Classify.classify(weights, idx, all);

        float[] x = new float[N * Classify.PIXELS];
        for (int i = 0; i < x.length; i++) x[i] = (pixels[i] & 0xFF) / 255f;
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("x", Tensor.of(new int[] {N, Classify.PIXELS}, x));
        inputs.put("y", Tensor.ofInts(new int[] {N}, new int[N]));
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(in, inputs);
        netc("run", MODEL, "--weights", weights, "--inputs", in, "--out", out);
        Tensor probs = Safetensors.read(out).get("probs");
        assertArrayEquals(new int[] {N, 10}, probs.shape());

        float[] p = probs.floats();
        for (int i = 0; i < N; i++) {
            float[] row = java.util.Arrays.copyOfRange(p, i * 10, i * 10 + 10);
            assertArrayEquals(row, embedded[i], 0f, "image " + i + ": the same arithmetic, javac and netc's in-memory class");
            float sum = 0;
            for (float v : row) sum += v;
            assertEquals(1f, sum, 1e-5f);
        }
        assertNotEquals(embedded[0][0], embedded[1][0], "different images, different probabilities");

        // the command line prints the class netc run's probabilities pick
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status = Classify.run(new String[] {weights.toString(), idx.toString(), "3", "7"}, new PrintStream(printed, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        StringBuilder expected = new StringBuilder();
        for (int i : new int[] {3, 7}) {
            float[] row = java.util.Arrays.copyOfRange(p, i * 10, i * 10 + 10);
            int c = Classify.argmax(row);
            expected.append(String.format("image %d: %s (%.1f%%)%n", i, Classify.CLASSES[c], 100 * row[c]));
        }
        assertEquals(expected.toString(), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badArgumentsAreOneLineErrors() throws IOException {
        Path weights = tmp.resolve("w.safetensors");
        netc("train", MODEL, "--data", "random:64,784,10", "--epochs", "1", "--save", weights);
        Path idx = tmp.resolve("images.idx.gz");
        writeIdx(idx, images());
        assertEquals("classify: image 12 is out of range: " + idx + " holds 12 images\n", errors(weights.toString(), idx.toString(), "12"));
        assertEquals("classify: 'two' is not an image index (0, 1, 2, ...)\n", errors(weights.toString(), idx.toString(), "two"));
        String missing = errors(tmp.resolve("none.safetensors").toString(), idx.toString());
        assertTrue(missing.startsWith("classify: " + tmp.resolve("none.safetensors")) && missing.indexOf('\n') == missing.length() - 1, missing);
    }

    private static String errors(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, Classify.run(args, new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8)));
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Runs the netc command line in this JVM; fails with its messages when it does not succeed. */
    static void netc(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) a[i] = String.valueOf(args[i]);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.execute(a, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, status, "netc " + String.join(" ", a) + ":\n" + out + err);
    }

    /** N synthetic 28×28 images: a bright rectangle of a different size and place in each. */
    static byte[] images() {
        byte[] px = new byte[N * Classify.PIXELS];
        for (int i = 0; i < N; i++) {
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    boolean inside = r >= 2 + i && r < 12 + i && c >= 4 + (i * 5) % 11 && c < 18 + i % 7;
                    px[i * Classify.PIXELS + r * 28 + c] = (byte) (inside ? 200 + i * 4 : (r * 7 + c * 3 + i) % 40);
                }
            }
        }
        return px;
    }

    /** Writes an IDX file of unsigned bytes [N, 28, 28], gzipped. */
    static void writeIdx(Path file, byte[] pixels) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(0x00000803);
            out.writeInt(N);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
    }
}
