package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertRefused;
import static netc.compiler.cli.Refusals.assertUnchanged;
import static netc.compiler.cli.Refusals.safetensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import netc.compiler.Cli;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Truncated and corrupt data files, and data that does not fit the model, through the command line: each is refused
 * with one line naming the file and the place (line, tensor, sample), exit status 1, and the weights file that
 * {@code --save} (or {@code run --out}) names is left byte for byte as it was.
 */
class BadDataTest {
    @TempDir
    Path tmp;

    /** Three classes of 2-D points. */
    static final String POINTS = """
            model Points {
              input x: float[batch, 2]
              input y: int[batch]
              logits = dense(x, 3)
              output p = softmax(logits)
              loss = cross_entropy(logits, y)
              train { epochs = 1 }
            }
            """;

    /** Ten classes of 28×28 images, for Fashion-MNIST's files. */
    static final String IMAGES = POINTS.replace("Points", "Images").replace("[batch, 2]", "[batch, 784]").replace("dense(x, 3)", "dense(x, 10)");

    static final byte[] OLD_WEIGHTS = "weights of an earlier run".getBytes(StandardCharsets.UTF_8);

    /** Runs the command line while {@code kept} holds an earlier file, and checks that the command left it as it was. */
    static Cli runKeeping(Path kept, Object... args) throws IOException {
        Files.write(kept, OLD_WEIGHTS);
        Cli r = Cli.run(args);
        assertUnchanged(kept, OLD_WEIGHTS);
        return r;
    }

    /** Trains {@code model} on {@code data} with {@code --save W} for an existing W. */
    Cli trainSaving(String model, String data) throws IOException {
        Path w = tmp.resolve("w.safetensors");
        return runKeeping(w, "train", Files.writeString(tmp.resolve("m.net"), model), "--data", data, "--save", w);
    }

    // ---- IDX files: fashion-mnist:DIR ----

    /** An IDX file of unsigned bytes with these dimensions and {@code type}. */
    static byte[] idx(int type, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + n).put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < n; i++) b.put((byte) (i % 10));
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    static final byte[] IMAGES_4 = idx(8, 4, 28, 28), LABELS_4 = idx(8, 4);

    static Stream<Arguments> brokenIdx() throws IOException {
        byte[] gz = gzip(IMAGES_4);
        byte[] corrupt = gz.clone();
        Arrays.fill(corrupt, 20, 40, (byte) 0x55);
        byte[] magic = IMAGES_4.clone();
        magic[0] = 1;
        byte[] labels = LABELS_4.clone();
        labels[labels.length - 1] = 12;
        String images = "train-images-idx3-ubyte.gz: ";
        return Stream.of(
                Arguments.of("truncated header", gzip(Arrays.copyOf(IMAGES_4, 10)), LABELS_4,
                        images + "truncated IDX file: the header declares 3 dimensions, the file ends inside them"),
                Arguments.of("truncated data", gzip(Arrays.copyOf(IMAGES_4, 500)), LABELS_4,
                        images + "truncated IDX file: the header declares [4, 28, 28] = 3136 bytes of data, the file has 484"),
                Arguments.of("data past the end", gzip(Arrays.copyOf(IMAGES_4, IMAGES_4.length + 3)), LABELS_4,
                        images + "corrupt IDX file: data continues past the 3136 bytes"),
                Arguments.of("wrong magic", gzip(magic), LABELS_4, images + "not an IDX file: it does not start with two zero bytes"),
                Arguments.of("float data", gzip(idx(0x0D, 4, 28, 28)), LABELS_4, images + "IDX data type 0x0D is not supported"),
                Arguments.of("not gzip", IMAGES_4, LABELS_4, images + "cannot read IDX file: Not in GZIP format"),
                Arguments.of("corrupt gzip", corrupt, LABELS_4, images + "cannot read IDX file: "),
                Arguments.of("truncated gzip", Arrays.copyOf(gz, gz.length / 2), LABELS_4, images + "cannot read IDX file: unexpected end of file"),
                Arguments.of("label out of range", gzip(IMAGES_4), gzip(labels), "train-labels-idx1-ubyte.gz: label 3 is 12, outside the classes 0..9"),
                Arguments.of("fewer labels than images", gzip(IMAGES_4), gzip(idx(8, 3)), "train-labels-idx1-ubyte.gz labels [3]: they do not match"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenIdx")
    void brokenIdxFilesAreRefused(String what, byte[] images, byte[] labels, String message) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), images);
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), labels.length == LABELS_4.length ? gzip(labels) : labels);
        assertRefused(trainSaving(IMAGES, "fashion-mnist:" + dir), dir.toString(), message);
    }

    // ---- CSV files ----

    static Stream<Arguments> brokenCsv() {
        return Stream.of(
                Arguments.of("ragged rows", "a,b,label\n1,2,0\n3,4\n", ":3: expected 3 columns, found 2"),
                Arguments.of("not a number", "a,b,label\n1,2,0\n3,four,1\n", ":3: column 1 ('b'): 'four' is not a finite number"),
                Arguments.of("empty cell", "1,2,0\n3,,1\n", ":2: column 1: empty cell"),
                Arguments.of("infinity", "1,2,0\n3,1e39,1\n", ":2: column 1: '1e39' is not a finite number"),
                Arguments.of("decimal comma in quotes", "a,b,label\n1,\"0,5\",0\n", ":2: column 1 ('b'): '0,5' is not a finite number"),
                Arguments.of("unterminated quote", "1,2,0\n3,\"4,1\n", ":2: expected 3 columns, found 2"),
                Arguments.of("empty file", "", ": no data rows"),
                Arguments.of("header only", "a,b,label\n", ": no data rows"),
                Arguments.of("invalid UTF-8", "1,2,0\n\u00ff\n", ": cannot read CSV file: not valid UTF-8 text"),
                Arguments.of("label out of range", "1,2,0\n3,4,7\n", ": input 'y': sample 1 holds class 7, but the model has 3 classes (0..2)"),
                Arguments.of("negative label", "1,2,-1\n", ": input 'y': sample 0 holds class -1"),
                Arguments.of("fractional label", "1,2,0.5\n", ": label input 'y': value 0.5 at index 0 is not an integer"),
                Arguments.of("a feature too many", "1,2,3,0\n", ": model input 'x' takes 2 values per sample (shape [2]), the data has 3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCsv")
    void brokenCsvFilesAreRefusedWithTheLine(String what, String text, String message) throws IOException {
        Path f = tmp.resolve("data.csv");
        // written as ISO-8859-1 so that U+00FF becomes the lone byte 0xFF, which is not UTF-8
        Files.write(f, text.getBytes(StandardCharsets.ISO_8859_1));
        assertRefused(trainSaving(POINTS, "csv:" + f), f + message);
    }

    // ---- safetensors files: as --data, and as run --inputs ----

    static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    /** Broken safetensors files and what their message says after the file name. */
    static Stream<Arguments> brokenSafetensors() {
        String labels = "\"y\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[16,32]}";
        byte[] data = le(32, b -> b.putFloat(1).putFloat(2).putFloat(3).putFloat(4).putLong(0).putLong(1));
        return Stream.of(
                Arguments.of("too short", "abc".getBytes(StandardCharsets.US_ASCII), "not a safetensors file: 3 bytes, too short for the 8-byte header length"),
                Arguments.of("truncated header", Arrays.copyOf(safetensors("{\"x\":{}}      ", new byte[0]), 12),
                        "truncated safetensors file: header says 14 bytes, file has 4 after the 8-byte length"),
                Arguments.of("bad JSON", safetensors("{\"x\": {\"dtype\": \"F32\", ", new byte[0]), "safetensors header is not valid JSON"),
                Arguments.of("offsets beyond the file", safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," + labels + "}", Arrays.copyOf(data, 24)),
                        "tensor 'y': data_offsets [16, 32] lie outside the 24-byte data block"),
                Arguments.of("unknown dtype", safetensors("{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,16]}," + labels + "}", data),
                        "tensor 'x': unknown dtype 'F8_E4M3'"),
                Arguments.of("size mismatch", safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}," + labels + "}", data),
                        "tensor 'x': data_offsets [0, 16] hold 16 bytes, but shape [2, 3] of F32 needs 24"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenSafetensors")
    void brokenSafetensorsDataIsRefused(String what, byte[] file, String message) throws IOException {
        Path f = tmp.resolve("data.safetensors");
        Files.write(f, file);
        assertRefused(trainSaving(POINTS, f.toString()), f + ": " + message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenSafetensors")
    void brokenRunInputsAreRefusedAndTheOutputKept(String what, byte[] file, String message) throws IOException {
        Path f = tmp.resolve("in.safetensors");
        Files.write(f, file);
        assertRefused(runKeepingOut(f), f + ": " + message);
    }

    /** {@code netc run} of POINTS on {@code inputs} with an existing {@code --out}. */
    Cli runKeepingOut(Path inputs) throws IOException {
        Path out = tmp.resolve("out.safetensors");
        return runKeeping(out, "run", Files.writeString(tmp.resolve("points.net"), POINTS), "--inputs", inputs, "--out", out);
    }

    // ---- tensors that do not fit the model ----

    static Tensor floats(int[] shape, float... v) {
        return Tensor.of(shape, v);
    }

    static Stream<Arguments> misfits() {
        Tensor x = floats(new int[] {2, 2}, 1, 2, 3, 4), y = Tensor.ofInts(new int[] {2}, new int[] {0, 2});
        return Stream.of(
                Arguments.of("a feature too many", Map.of("x", floats(new int[] {2, 3}, 1, 2, 3, 4, 5, 6), "y", y),
                        "input 'x' has shape [2, 3], the model expects [batch, 2]",
                        "tensor 'x' has shape [2, 3], model input 'x' needs [n, 2]"),
                Arguments.of("fractional class", Map.of("x", x, "y", floats(new int[] {2}, 0, 0.5f)),
                        "input 'y' holds class indices, got 0.5", "tensor 'y' for int input: value 0.5 at index 1 is not an integer"),
                Arguments.of("class out of range", Map.of("x", x, "y", Tensor.ofInts(new int[] {2}, new int[] {0, 5})),
                        "input 'y': sample 1 holds class 5, but the model has 3 classes (0..2)",
                        "input 'y': sample 1 holds class 5, but the model has 3 classes (0..2)"),
                Arguments.of("label missing", Map.of("x", x), "missing input 'y'; got x", "no tensor for model input y; the file has: x"),
                Arguments.of("batch sizes differ", Map.of("x", x, "y", Tensor.ofInts(new int[] {3}, new int[] {0, 1, 2})),
                        "inputs disagree on the batch size: 2 and 3", "columns differ in sample count: 'x' has 2, 'y' has 3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("misfits")
    void tensorsThatDoNotFitTheModelAreRefused(String what, Map<String, Tensor> tensors, String asInputs, String asData) throws IOException {
        Path f = tmp.resolve("misfit.safetensors");
        Safetensors.write(f, new LinkedHashMap<>(tensors));
        assertRefused(runKeepingOut(f), f + ": " + asInputs);
        assertRefused(trainSaving(POINTS, f.toString()), f + ": " + asData);
    }
}
