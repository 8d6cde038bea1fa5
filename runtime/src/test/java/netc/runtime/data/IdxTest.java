package netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import netc.runtime.Tensor;
import netc.runtime.UserError;

class IdxTest {
    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with the given dimensions, its values 0, 1, ... (mod 256). */
    static byte[] idx(int... dims) {
        long n = 1;
        for (int d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + (int) n);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < n; i++) b.put((byte) (i * 37 + 200));
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private static void assertValues(Tensor t, int... dims) {
        assertTrue(t.isInt());
        assertArrayEquals(dims, t.shape());
        for (int i = 0; i < t.size(); i++) {
            if (t.ints()[i] != ((i * 37 + 200) & 0xFF)) fail("value " + i + " is " + t.ints()[i]);
        }
    }

    @Test
    void readsRawAndGzippedFiles() throws IOException {
        byte[] raw = idx(2, 3, 4);
        Path plain = dir.resolve("a-idx3-ubyte");
        Files.write(plain, raw);
        assertValues(Idx.read(plain), 2, 3, 4);
        Path gz = dir.resolve("a-idx3-ubyte.gz");
        Files.write(gz, gzip(raw));
        assertValues(Idx.read(gz), 2, 3, 4);
        Path gzWithoutSuffix = dir.resolve("b-idx3-ubyte");  // recognised by its magic bytes
        Files.write(gzWithoutSuffix, gzip(raw));
        assertValues(Idx.read(gzWithoutSuffix), 2, 3, 4);
    }

    @Test
    void valuesAreUnsigned() throws IOException {
        Path f = dir.resolve("v");
        Files.write(f, idx(300));
        int[] v = Idx.read(f).ints();
        assertTrue(Arrays.stream(v).allMatch(x -> x >= 0 && x <= 255));
        assertTrue(Arrays.stream(v).anyMatch(x -> x > 127));
    }

    @Test
    void rejectsCorruptFilesWithOneLineMessages() throws IOException {
        byte[] good = idx(2, 3);
        Object[][] cases = {
            {new byte[] {0, 0}, "truncated IDX file"},
            {mutate(good, 0, 1), "not an IDX file"},
            {mutate(good, 2, 0x0D), "IDX data type 0x0D is not supported"},
            {mutate(good, 3, 0), "0 dimensions"},
            {mutate(good, 3, 9), "the file ends inside them"},
            {mutate(good, 4, 0x80), "corrupt IDX header: dimension 0"},
            {mutate(good, 4, 0x40), "too many values"},
            {Arrays.copyOf(good, good.length - 1), "header declares [2, 3] = 6 bytes of data, the file has 5"},
            {Arrays.copyOf(good, good.length + 1), "data continues past"},
        };
        for (Object[] c : cases) {
            Path f = dir.resolve("bad-idx");
            Files.write(f, (byte[]) c[0]);
            UserError e = assertThrows(UserError.class, () -> Idx.read(f), (String) c[1]);
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains((String) c[1])
                    && !e.getMessage().contains("\n"), c[1] + " -> " + e.getMessage());
        }
    }

    @Test
    void rejectsBrokenGzipAndMissingFiles() throws IOException {
        Path f = dir.resolve("x.gz");
        Files.write(f, idx(3));  // not gzip at all, despite its name
        assertThrows(UserError.class, () -> Idx.read(f));
        UserError e = assertThrows(UserError.class, () -> Idx.read(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void truncationAndBitFlipsGiveOnlyUserErrors() throws IOException {
        byte[] raw = idx(3, 5, 7);
        for (byte[] good : new byte[][] {raw, gzip(raw)}) {
            Path f = dir.resolve(good == raw ? "fuzz-idx" : "fuzz-idx.gz");
            for (int len = 0; len < good.length; len++) {
                Files.write(f, Arrays.copyOf(good, len));
                assertThrows(UserError.class, () -> Idx.read(f), "truncated to " + len);
            }
            Random r = new Random(7);
            for (int i = 0; i < 1000; i++) {
                byte[] b = good.clone();
                for (int k = r.nextInt(3) + 1; k > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                Files.write(f, b);
                try {
                    Idx.read(f);
                } catch (UserError e) {
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                } catch (Throwable t) {
                    fail("not a UserError: " + t, t);
                }
            }
        }
    }

    private static byte[] mutate(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }
}
