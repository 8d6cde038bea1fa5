package netc.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.data.Idx;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the IDX reader through the Fashion-MNIST source: the input is split into an images file and a labels file,
 * each written gzipped or as raw bytes under the gzip file name (a corrupt gzip stream), and loaded as
 * {@code fashion-mnist:DIR}. Any pair of files loads, or is refused with a one-line UserError naming the file or
 * directory; each file on its own reads as an IDX tensor of bytes, the same gzipped or not, or is refused.
 *
 * <p>Input layout: byte 0 holds flags (bit 0: gzip the images, bit 1: gzip the labels), bytes 1-3 the images
 * file's length (big-endian), then the images file, then the labels file.
 */
class IdxFuzzTest {
    @TempDir
    static Path dir;

    private static final List<InputSpec> INPUTS = List.of(new InputSpec("x", false, new int[] {784}), new InputSpec("y", true, new int[0]));

    static Stream<Named<byte[]>> seeds() {
        byte[] images = Seeds.idx(2, 28, 28), labels = Seeds.idx(2);
        return Stream.of(
                Named.of("two images, gzipped", input(3, images, labels)),
                Named.of("two images, raw bytes", input(0, images, labels)),
                Named.of("one image, images gzipped", input(1, Seeds.idx(1, 28, 28), Seeds.idx(1))));
    }

    static byte[] input(int flags, byte[] images, byte[] labels) {
        return ByteBuffer.allocate(4 + images.length + labels.length).put((byte) flags)
                .put((byte) (images.length >> 16)).put((byte) (images.length >> 8)).put((byte) images.length)
                .put(images).put(labels).array();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void anyIdxFilesAreLoadedOrRefusedWithAUserError(byte[] input) throws IOException {
        int flags = input.length > 0 ? input[0] : 0;
        int split = input.length >= 4 ? ((input[1] & 0xFF) << 16 | (input[2] & 0xFF) << 8 | (input[3] & 0xFF)) : 0;
        int from = Math.min(4, input.length), mid = Math.min(input.length, from + split);
        byte[] images = Arrays.copyOfRange(input, from, mid), labels = Arrays.copyOfRange(input, mid, input.length);
        Path data = Files.createDirectories(dir.resolve("fashion"));
        Files.write(data.resolve("train-images-idx3-ubyte.gz"), (flags & 1) != 0 ? Seeds.gzip(images) : images);
        Files.write(data.resolve("train-labels-idx1-ubyte.gz"), (flags & 2) != 0 ? Seeds.gzip(labels) : labels);

        DataSet set = Faults.readOrRefuse(data, () -> DataSources.load("fashion-mnist:" + data, INPUTS, false));
        if (set != null) {
            int n = set.size();
            assertArrayEquals(new int[] {n, 784}, set.column("x").shape());
            for (float v : set.column("x").floats()) assertTrue(v >= 0 && v <= 1, "pixel " + v);
            for (int c : set.column("y").ints()) assertTrue(c >= 0 && c < 10, "class " + c);
        }
        // each file alone: the raw bytes and their gzipped form read the same (raw bytes that start like gzip are gunzipped)
        Path raw = dir.resolve("file-idx-ubyte"), gz = dir.resolve("file-idx-ubyte.gz");
        for (byte[] file : List.of(images, labels)) {
            Files.write(raw, file);
            Files.write(gz, Seeds.gzip(file));
            Tensor plain = Faults.readOrRefuse(raw, () -> Idx.read(raw));
            Tensor unzipped = Faults.readOrRefuse(gz, () -> Idx.read(gz));
            boolean gzipMagic = file.length >= 2 && (file[0] & 0xFF) == 0x1f && (file[1] & 0xFF) == 0x8b;
            if (gzipMagic) continue;
            assertEquals(plain == null, unzipped == null, "the gzipped file reads like the raw one");
            if (plain == null) continue;
            assertArrayEquals(plain.shape(), unzipped.shape());
            assertArrayEquals(plain.ints(), unzipped.ints());
            assertEquals(Tensor.numel(plain.shape()), plain.size());
            for (int v : plain.ints()) assertTrue(v >= 0 && v <= 255, "byte " + v);
        }
    }
}
