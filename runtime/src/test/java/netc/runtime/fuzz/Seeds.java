package netc.runtime.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Small valid files of each format the fuzz tests start from. */
final class Seeds {
    private Seeds() {
    }

    /** A safetensors file with a tensor of each dtype the reader knows, and metadata. */
    static byte[] everyDtype() {
        String h = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[20,24]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[24,32]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[32,36]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[36,38]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[38,39]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[39,40]},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[40,56]}}";
        byte[] head = h.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + head.length + 56).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(head.length).put(head);
        b.putDouble(0.1).putDouble(-2).putShort((short) 0x3C00).putShort((short) 0x7BFF).putShort((short) 0x3FC0)
                .putShort((short) 0xC2F7).putInt(-5).putInt(123456789).putShort((short) -300).putShort((short) 300)
                .put((byte) -1).put((byte) 127).put((byte) 255).put((byte) 1).putLong(-7).putLong(9);
        return b.array();
    }

    /** An IDX file of unsigned bytes with these dimensions, its values 0, 1, 2, ... (mod 256). */
    static byte[] idx(int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + n);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < n; i++) b.put((byte) i);
        return b.array();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
