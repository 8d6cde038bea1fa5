package netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import netc.runtime.Tensor;

/** Files written by PyTorch's safetensors, in the shared fixtures folder (skipped where it is absent). */
class PyTorchFixturesTest {
    @TempDir
    Path tmp;
    private Path fixtures;

    @BeforeEach
    void findFixtures() {
        String shared = System.getProperty("netc.shared");
        Assumptions.assumeTrue(shared != null, "netc.shared not set");
        fixtures = Path.of(shared, "fixtures");
        Assumptions.assumeTrue(Files.isRegularFile(fixtures.resolve("mlp.weights.safetensors")), "no fixtures in " + fixtures);
    }

    /** The data block of a safetensors file, read independently of {@link Safetensors}. */
    private static ByteBuffer dataBlock(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        return b.position((int) (8 + n)).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void readsMlpWeights() throws IOException {
        Path f = fixtures.resolve("mlp.weights.safetensors");
        Map<String, Tensor> w = Safetensors.read(f);
        assertEquals(List.of("W1", "W2", "b1", "b2"), List.copyOf(w.keySet()));
        assertArrayEquals(new int[] {10, 16}, w.get("W1").shape());
        assertArrayEquals(new int[] {16}, w.get("b1").shape());
        assertArrayEquals(new int[] {16, 4}, w.get("W2").shape());
        assertArrayEquals(new int[] {4}, w.get("b2").shape());
        assertFalse(w.get("W1").isInt());
        // offsets from the header: W1 [0, 640), W2 [640, 896), b1 [896, 960), b2 [960, 976)
        ByteBuffer data = dataBlock(f);
        assertEquals(data.getFloat(0), w.get("W1").floats()[0]);
        assertEquals(data.getFloat((3 * 16 + 5) * 4), w.get("W1").floats()[3 * 16 + 5]);
        assertEquals(data.getFloat(640 + (15 * 4 + 3) * 4), w.get("W2").floats()[63]);
        assertEquals(data.getFloat(896 + 2 * 4), w.get("b1").floats()[2]);
        assertEquals(data.getFloat(960 + 3 * 4), w.get("b2").floats()[3]);
        assertTrue(w.get("W1").floats()[0] != 0f);
    }

    @Test
    void readsMlpInputsWithI64Labels() throws IOException {
        Path f = fixtures.resolve("mlp.inputs.safetensors");
        Map<String, Tensor> in = Safetensors.read(f);
        Tensor x = in.get("x");
        Tensor y = in.get("y");
        assertArrayEquals(new int[] {5, 10}, x.shape());
        assertArrayEquals(new int[] {5}, y.shape());
        assertTrue(y.isInt());
        assertFalse(x.isInt());
        // y is I64 at [0, 40), x F32 at [40, 240)
        ByteBuffer data = dataBlock(f);
        for (int i = 0; i < 5; i++) {
            assertEquals(data.getLong(8 * i), y.ints()[i]);
            assertTrue(y.ints()[i] >= 0 && y.ints()[i] < 4);
        }
        assertEquals(data.getFloat(40), x.floats()[0]);
        assertEquals(data.getFloat(40 + 49 * 4), x.floats()[49]);
    }

    /** Rewriting what we read gives PyTorch's bytes back: the header text, padding and layout match exactly. */
    @Test
    void rewritingEveryFixtureReproducesItsBytes() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(fixtures)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        for (Path f : files) {
            Path copy = tmp.resolve(f.getFileName());
            Safetensors.write(copy, Safetensors.read(f));
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(copy), f.toString());
        }
    }
}
