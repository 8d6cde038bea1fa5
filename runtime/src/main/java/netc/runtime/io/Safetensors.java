package netc.runtime.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, byte for byte
 * compatible with PyTorch's {@code safetensors.torch.save_file} and {@code load_file}: an 8-byte little-endian
 * header length N, N bytes of JSON header mapping each tensor name to its dtype, shape and byte range, then the
 * tensors' little-endian data.
 *
 * <p>Every fault in a file read (truncation, a bad header, an unknown dtype, offsets that do not fit) is a
 * one-line {@link UserError} naming the file and, where there is one, the tensor.
 */
public final class Safetensors {
    /** Bytes moved per read or write call when streaming tensor data. */
    private static final int CHUNK = 1 << 20;

    private Safetensors() {
    }

    /**
     * Reads every tensor of a safetensors file, in the order of the file's header. Floating dtypes (F32, F64,
     * F16, BF16) become float tensors, integer dtypes (I64, I32, I16, I8, U8, BOOL) int tensors.
     *
     * @throws UserError if the file cannot be read or is not a valid safetensors file
     */
    public static LinkedHashMap<String, Tensor> read(Path file) {
        String f = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ReadSource.of(ch), f);
        } catch (IOException e) {
            throw new UserError(f + ": cannot read: " + IoErrors.describe(e), e);
        }
    }

    /**
     * Reads every tensor of a safetensors stream, such as a classpath resource, named {@code source} in messages; the
     * stream is read to its end and closed. A null stream (a resource that is not there) is an error naming it.
     *
     * @throws UserError if the stream cannot be read or does not hold a valid safetensors file
     */
    public static LinkedHashMap<String, Tensor> read(InputStream in, String source) {
        if (in == null) throw new UserError(source + ": not found");
        try (in) {
            return read(ReadSource.of(in.readAllBytes()), source);
        } catch (IOException e) {
            throw new UserError(source + ": cannot read: " + IoErrors.describe(e), e);
        }
    }

    private static LinkedHashMap<String, Tensor> read(ReadSource ch, String f) throws IOException {
        SafetensorsHeader header = SafetensorsHeader.read(ch, f);
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (SafetensorsHeader.Entry e : header.entries()) {
            tensors.put(e.name(), readTensor(ch, header.dataStart() + e.begin(), e, buf, f));
        }
        return tensors;
    }

    /**
     * Reads the string metadata ({@code __metadata__}) of a safetensors file; empty when it has none.
     *
     * @throws UserError if the file cannot be read, its header is invalid, or the metadata is not a string map
     */
    public static Map<String, String> readMetadata(Path file) {
        String f = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafetensorsHeader.read(ReadSource.of(ch), f).metadata(f);
        } catch (IOException e) {
            throw new UserError(f + ": cannot read: " + IoErrors.describe(e), e);
        }
    }

    /** Writes {@code tensors} to {@code file} without metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors}, in the map's order, to {@code file}: float tensors as F32, int tensors as I64, and
     * {@code metadata} (when not empty) as the header's {@code __metadata__}. The write is atomic: the data goes
     * to a temporary file in the same directory, is forced to disk, and is then moved over {@code file}; on any
     * failure the temporary file is deleted and an existing {@code file} is left as it was.
     *
     * @throws UserError if the file cannot be written, or a tensor is named {@code __metadata__}
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        String f = file.toString();
        List<Map.Entry<String, Tensor>> list = new ArrayList<>(tensors.entrySet());
        byte[] header = header(list, metadata, f);
        AtomicFile.write(file, ch -> {
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> e : list) writeTensor(ch, e.getValue(), buf);
        });
    }

    private static Tensor readTensor(ReadSource ch, long pos, SafetensorsHeader.Entry e, ByteBuffer buf, String f)
            throws IOException {
        Dtype dt = e.dtype();
        int count = (int) Tensor.numel(e.shape());
        float[] floats = dt.isInt ? null : new float[count];
        int[] ints = dt.isInt ? new int[count] : null;
        int perChunk = CHUNK / dt.size;
        for (int done = 0; done < count; ) {
            int n = Math.min(count - done, perChunk);
            buf.clear().limit(n * dt.size);
            long at = pos + (long) done * dt.size;
            while (buf.hasRemaining()) {
                if (ch.read(buf, at + buf.position()) < 0) {
                    throw new UserError(f + ": tensor " + IoErrors.quote(e.name()) + ": file ended at byte " + (at + buf.position()));
                }
            }
            buf.flip();
            if (dt.isInt) {
                dt.decodeInts(buf, ints, done, n, f + ": tensor '" + e.name() + "'");
            } else {
                dt.decodeFloats(buf, floats, done, n);
            }
            done += n;
        }
        return dt.isInt ? Tensor.ofInts(e.shape(), ints) : Tensor.of(e.shape(), floats);
    }

    /** The 8-byte length and the JSON header, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<Map.Entry<String, Tensor>> tensors, Map<String, String> metadata, String f) {
        JsonObject json = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            json.add(SafetensorsHeader.METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors) {
            if (e.getKey().equals(SafetensorsHeader.METADATA)) {
                throw new UserError(f + ": cannot write a tensor named " + SafetensorsHeader.METADATA);
            }
            Tensor t = e.getValue();
            long bytes = (long) t.size() * (t.isInt() ? Long.BYTES : Float.BYTES);
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.isInt() ? "I64" : "F32");
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            json.add(e.getKey(), entry);
            offset += bytes;
        }
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) & ~7;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(text);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }

    private static void writeTensor(FileChannel ch, Tensor t, ByteBuffer buf) throws IOException {
        if (t.isInt()) {
            int[] ints = t.ints();
            for (int done = 0; done < ints.length; ) {
                int n = Math.min(ints.length - done, CHUNK / Long.BYTES);
                buf.clear();
                for (int k = 0; k < n; k++) buf.putLong(ints[done + k]);
                writeFully(ch, buf.flip());
                done += n;
            }
        } else {
            float[] floats = t.floats();
            for (int done = 0; done < floats.length; ) {
                int n = Math.min(floats.length - done, CHUNK / Float.BYTES);
                buf.clear();
                buf.asFloatBuffer().put(floats, done, n);
                writeFully(ch, buf.limit(n * Float.BYTES));
                done += n;
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        AtomicFile.writeFully(ch, buf);
    }
}
