package netc.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.data.DataSources;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the safetensors reader: any file is read into tensors that write back and read again unchanged, or is
 * refused with a one-line {@link netc.runtime.UserError} naming the file; nothing else escapes. The same bytes also
 * go through the safetensors data source. Seeds: small valid files of every dtype, with metadata, and an empty file.
 */
class SafetensorsFuzzTest {
    @TempDir
    static Path dir;

    /** A model with a float input of 3 values per sample and an int label, as the data source binds them. */
    private static final List<InputSpec> INPUTS = List.of(new InputSpec("x", false, new int[] {3}), new InputSpec("y", true, new int[0]));

    static Stream<Named<byte[]>> seeds() throws IOException {
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("x", Tensor.of(new int[] {2, 3}, new float[] {0, 1, 2, 3.5f, -4, 5}));
        data.put("y", Tensor.ofInts(new int[] {2}, new int[] {1, 0}));
        Map<String, Tensor> odd = new LinkedHashMap<>();
        odd.put("scalar", Tensor.of(new int[0], new float[] {7}));
        odd.put("empty", Tensor.of(new int[] {0, 4}, new float[0]));
        return Stream.of(
                Named.of("data", bytes(data, Map.of())),
                Named.of("metadata", bytes(odd, Map.of("netc.epoch", "3", "format", "pt"))),
                Named.of("every dtype", Seeds.everyDtype()));
    }

    private static byte[] bytes(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Path f = dir.resolve("seed.safetensors");
        Safetensors.write(f, tensors, metadata);
        return Files.readAllBytes(f);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void anyFileIsReadOrRefusedWithAUserError(byte[] bytes) throws IOException {
        Path f = dir.resolve("fuzz.safetensors");
        Files.write(f, bytes);
        Map<String, Tensor> read = Faults.readOrRefuse(f, () -> Safetensors.read(f));
        Faults.readOrRefuse(f, () -> Safetensors.readMetadata(f));
        Faults.readOrRefuse(f, () -> DataSources.load(f.toString(), INPUTS, false));
        if (read == null) return;
        // what was read writes back and reads again the same
        Path copy = dir.resolve("copy.safetensors");
        Safetensors.write(copy, read);
        Map<String, Tensor> again = Safetensors.read(copy);
        assertEquals(List.copyOf(read.keySet()), List.copyOf(again.keySet()));
        for (String k : read.keySet()) {
            Tensor a = read.get(k), b = again.get(k);
            assertArrayEquals(a.shape(), b.shape(), k);
            assertEquals(Tensor.numel(a.shape()), a.size(), k);
            if (a.isInt()) assertArrayEquals(a.ints(), b.ints(), k);
            else assertArrayEquals(a.floats(), b.floats(), k);
        }
    }
}
