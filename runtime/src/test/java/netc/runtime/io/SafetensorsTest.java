package netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import netc.runtime.Tensor;
import netc.runtime.UserError;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file from a header's JSON text and a data block, laid out as the format says. */
    static byte[] raw(String header, byte[] data) {
        return raw(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] raw(byte[] h, byte[] data) {
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    private static LinkedHashMap<String, Tensor> sample() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.of(new int[] {2, 3}, new float[] {1.5f, -2f, 0f, 3.25f, Float.MIN_VALUE, -0f}));
        m.put("labels", Tensor.ofInts(new int[] {4}, new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}));
        m.put("scalar", Tensor.of(new int[] {}, new float[] {42f}));
        m.put("empty", Tensor.of(new int[] {0, 3}, new float[0]));
        m.put("ünïcode name", Tensor.ofInts(new int[] {1, 1}, new int[] {7}));
        return m;
    }

    static void assertSame(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (String k : expected.keySet()) {
            Tensor e = expected.get(k);
            Tensor a = actual.get(k);
            assertArrayEquals(e.shape(), a.shape(), k);
            assertEquals(e.isInt(), a.isInt(), k);
            if (e.isInt()) assertArrayEquals(e.ints(), a.ints(), k);
            else assertArrayEquals(e.floats(), a.floats(), k);
        }
    }

    @Test
    void roundTripsFloatAndIntTensorsInOrder() {
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, sample());
        assertSame(sample(), Safetensors.read(f));
        assertEquals(Map.of(), Safetensors.readMetadata(f));
    }

    @Test
    void roundTripsLargeTensorsAcrossChunks() {
        Random r = new Random(1);
        float[] big = new float[700_000];  // 2.8 MB: several read and write chunks
        for (int i = 0; i < big.length; i++) big[i] = (float) r.nextGaussian();
        int[] ints = new int[300_001];
        for (int i = 0; i < ints.length; i++) ints[i] = r.nextInt();
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("big", Tensor.of(new int[] {700, 1000}, big));
        m.put("ints", Tensor.ofInts(new int[] {ints.length}, ints));
        Path f = dir.resolve("big.safetensors");
        Safetensors.write(f, m);
        assertSame(m, Safetensors.read(f));
    }

    @Test
    void roundTripsMetadata() {
        Path f = dir.resolve("m.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("epoch", "3");
        Safetensors.write(f, sample(), meta);
        assertEquals(meta, Safetensors.readMetadata(f));
        assertSame(sample(), Safetensors.read(f));
    }

    @Test
    void writesTheExactSafetensorsLayout() throws IOException {
        Path f = dir.resolve("x.safetensors");
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", Tensor.of(new int[] {2}, new float[] {1f, -2f}));
        m.put("y", Tensor.ofInts(new int[] {1}, new int[] {-3}));
        Safetensors.write(f, m);
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] data = le(16, b -> b.putFloat(1f).putFloat(-2f).putLong(-3));
        assertArrayEquals(raw(padded, data), Files.readAllBytes(f));
    }

    @Test
    void readsEveryDtype() throws IOException {
        String h = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[16,28]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[28,32]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[32,40]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[40,44]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[44,46]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[46,48]},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[48,64]}}";
        byte[] data = le(64, b -> b.putDouble(0.1).putDouble(0.0)
                .putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF)
                .putShort((short) 0x0001).putShort((short) 0xFC00).putShort((short) 0x3555)
                .putShort((short) 0x3FC0).putShort((short) 0xC2F7)
                .putInt(-5).putInt(123456789).putShort((short) -300).putShort((short) 300)
                .put((byte) -1).put((byte) 127).put((byte) 255).put((byte) 1)
                .putLong(Integer.MIN_VALUE).putLong(Integer.MAX_VALUE));
        Path f = dir.resolve("dtypes.safetensors");
        Files.write(f, raw(h, data));
        Map<String, Tensor> t = Safetensors.read(f);
        assertEquals(List.of("f64", "f16", "bf16", "i32", "i16", "i8", "u8", "i64"), List.copyOf(t.keySet()));
        assertArrayEquals(new float[] {0.1f, 0f}, t.get("f64").floats());
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.NEGATIVE_INFINITY, 0.33325195f},
                t.get("f16").floats());
        assertArrayEquals(new float[] {1.5f, -123.5f}, t.get("bf16").floats());
        assertArrayEquals(new int[] {-5, 123456789}, t.get("i32").ints());
        assertArrayEquals(new int[] {-300, 300}, t.get("i16").ints());
        assertArrayEquals(new int[] {-1, 127}, t.get("i8").ints());
        assertArrayEquals(new int[] {255, 1}, t.get("u8").ints());
        assertTrue(t.get("i64").isInt());
        assertArrayEquals(new int[] {1, 2}, t.get("i64").shape());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}, t.get("i64").ints());
        assertEquals(Map.of("k", "v"), Safetensors.readMetadata(f));
    }

    @Test
    void rejectsI64ValuesOutsideTheIntRange() throws IOException {
        Path f = dir.resolve("big.safetensors");
        Files.write(f, raw("{\"y\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
                le(16, b -> b.putLong(1).putLong(1L << 40))));
        UserError e = assertThrows(UserError.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'y'")
                && e.getMessage().contains("1099511627776"), e.getMessage());
    }

    @Test
    void reportsEachKindOfCorruptionAsOneLineUserError() throws IOException {
        String ok = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] data = new byte[8];
        record Case(String expected, byte[] bytes) {
        }
        List<Case> cases = new java.util.ArrayList<>();
        cases.add(new Case("too short", new byte[] {1, 2, 3}));
        cases.add(new Case("header says", le(16, b -> b.putLong(1000))));
        cases.add(new Case("header says", le(16, b -> b.putLong(-1))));
        cases.add(new Case("not valid JSON", raw("{\"t\":", data)));
        cases.add(new Case("not valid JSON: malformed JSON at line 1 column 56", raw(ok + "{}", data)));
        cases.add(new Case("not valid JSON", raw("{t:{}}", data)));
        cases.add(new Case("not a JSON object", raw("[1,2]", data)));
        cases.add(new Case("not valid UTF-8", raw(new byte[] {'{', '"', (byte) 0xFF, '"', ':', '1', '}'}, data)));
        cases.add(new Case("lacks \"dtype\"", raw("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data)));
        cases.add(new Case("lacks \"shape\"", raw("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", data)));
        cases.add(new Case("lacks \"data_offsets\"", raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", data)));
        cases.add(new Case("unknown dtype 'Q4'", raw(ok.replace("F32", "Q4"), data)));
        cases.add(new Case("\"dtype\" is not a string", raw(ok.replace("\"F32\"", "32"), data)));
        cases.add(new Case("\"shape\" is not an array", raw(ok.replace("[2]", "[-2]"), data)));
        cases.add(new Case("\"shape\" is not an array", raw(ok.replace("[2]", "[2.5]"), data)));
        cases.add(new Case("\"shape\" is not an array", raw(ok.replace("[2]", "[\"2\"]"), data)));
        cases.add(new Case("\"shape\" is not an array", raw(ok.replace("[2]", "2"), data)));
        cases.add(new Case("more elements than a tensor", raw(ok.replace("[2]", "[100000,100000,100000]"), data)));
        cases.add(new Case("\"data_offsets\" is not an array of 2", raw(ok.replace("[0,8]", "[0,8,9]"), data)));
        cases.add(new Case("\"data_offsets\" is not an array of 2", raw(ok.replace("[0,8]", "[0,99999999999999999999]"), data)));
        cases.add(new Case("lie outside", raw(ok.replace("[0,8]", "[0,16]"), data)));
        cases.add(new Case("lie outside", raw(ok.replace("[0,8]", "[8,0]"), data)));
        cases.add(new Case("hold 4 bytes", raw(ok.replace("[0,8]", "[4,8]"), data)));
        cases.add(new Case("header entry is not a JSON object", raw("{\"t\":3}", data)));
        cases.add(new Case("safetensors header names 't' twice", raw(ok.replace("}}", "},\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"), data)));
        cases.add(new Case("tensors 't' [0, 8] and 'u' [4, 8] overlap in the data block",
                raw(ok.replace("}}", "},\"u\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"), data)));
        for (Case c : cases) {
            Path f = dir.resolve("bad.safetensors");
            Files.write(f, c.bytes());
            UserError e = assertThrows(UserError.class, () -> Safetensors.read(f), c.expected());
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains(c.expected())
                    && !e.getMessage().contains("\n"), c.expected() + " -> " + e.getMessage());
        }
    }

    @Test
    void namesTheTensorInEntryErrors() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, raw("{\"weights.fc\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        UserError e = assertThrows(UserError.class, () -> Safetensors.read(f));
        assertEquals(f + ": tensor 'weights.fc': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12",
                e.getMessage());
    }

    @Test
    void readsAStreamAsItReadsAFile() throws IOException {
        Path f = dir.resolve("big.safetensors");
        LinkedHashMap<String, Tensor> m = sample();
        m.put("big", Tensor.of(new int[] {300_000}, new float[300_000]));  // more than one read chunk
        Safetensors.write(f, m);
        assertSame(m, Safetensors.read(Files.newInputStream(f), "res.safetensors"));

        byte[] bytes = Files.readAllBytes(f);
        for (int len : new int[] {0, 7, 8, 100, bytes.length - 1}) {
            Path cut = dir.resolve("cut.safetensors");
            Files.write(cut, java.util.Arrays.copyOf(bytes, len));
            UserError fromFile = assertThrows(UserError.class, () -> Safetensors.read(cut));
            UserError fromStream = assertThrows(UserError.class, () -> Safetensors.read(new java.io.ByteArrayInputStream(java.util.Arrays.copyOf(bytes, len)), cut.toString()));
            assertEquals(fromFile.getMessage(), fromStream.getMessage(), "truncated to " + len);
        }
        UserError e = assertThrows(UserError.class, () -> Safetensors.read(null, "Model.safetensors"));
        assertEquals("Model.safetensors: not found", e.getMessage(), "a resource that is not there");
    }

    @Test
    void missingFileIsAUserError() {
        Path f = dir.resolve("nope.safetensors");
        UserError e = assertThrows(UserError.class, () -> Safetensors.read(f));
        assertEquals(f + ": cannot read: no such file or directory", e.getMessage());
    }

    @Test
    void everyTruncationFailsAndRandomCorruptionNeverEscapesAsAnotherException() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, sample());
        byte[] bytes = Files.readAllBytes(good);
        Path f = dir.resolve("mangled.safetensors");
        for (int len = 0; len < bytes.length; len++) {
            Files.write(f, java.util.Arrays.copyOf(bytes, len));
            assertThrows(UserError.class, () -> Safetensors.read(f), "truncated to " + len);
        }
        Random r = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] b = bytes.clone();
            for (int k = r.nextInt(3) + 1; k > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            Files.write(f, b);
            readExpectingOnlyUserError(f);
        }
    }

    static void readExpectingOnlyUserError(Path f) {
        try {
            Safetensors.read(f);
        } catch (UserError e) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        } catch (Throwable t) {
            fail("not a UserError: " + t, t);
        }
    }

    @Test
    void failedWriteLeavesTheTargetIntact() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        Safetensors.write(f, sample());
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> throwing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, Tensor>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public Iterator<Entry<String, Tensor>> iterator() {
                        Iterator<Entry<String, Tensor>> it = sample().entrySet().iterator();
                        return new Iterator<>() {
                            int n;

                            public boolean hasNext() {
                                return true;
                            }

                            public Entry<String, Tensor> next() {
                                if (++n == 3) throw new IllegalStateException("boom");
                                return it.next();
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return 5;
                    }
                };
            }
        };
        assertThrows(IllegalStateException.class, () -> Safetensors.write(f, throwing));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f), listDir());
    }

    @Test
    void failedMoveDeletesTheTemporaryFile() throws IOException {
        Path target = dir.resolve("occupied.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside"), "x");  // a non-empty directory cannot be replaced
        UserError e = assertThrows(UserError.class, () -> Safetensors.write(target, sample()));
        assertTrue(e.getMessage().startsWith(target + ": cannot write"), e.getMessage());
        assertEquals(List.of(target), listDir());
        assertEquals("x", Files.readString(target.resolve("inside")));
    }

    @Test
    void writeIntoMissingDirectoryIsAUserError() {
        Path f = dir.resolve("no/such/dir/w.safetensors");
        UserError e = assertThrows(UserError.class, () -> Safetensors.write(f, sample()));
        assertTrue(e.getMessage().startsWith(f + ": cannot write"), e.getMessage());
    }

    @Test
    void tensorNamedLikeTheMetadataIsRejected() {
        Path f = dir.resolve("w.safetensors");
        Map<String, Tensor> m = Map.of("__metadata__", Tensor.of(new int[] {1}, new float[] {1}));
        assertThrows(UserError.class, () -> Safetensors.write(f, m));
        assertFalse(Files.exists(f));
    }

    @Test
    void overwritesAnExistingFile() {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, sample());
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("only", Tensor.of(new int[] {1}, new float[] {9}));
        Safetensors.write(f, m);
        assertSame(m, Safetensors.read(f));
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
