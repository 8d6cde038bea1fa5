package netc.runtime.io;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * The validated header of a safetensors file: its tensor entries in header order, each checked against the size of
 * the data block, the raw {@code __metadata__}, and where the data block starts.
 */
record SafetensorsHeader(List<Entry> entries, JsonElement rawMetadata, long dataStart) {
    /** The header key holding the file's string metadata rather than a tensor. */
    static final String METADATA = "__metadata__";

    /** The largest element count of a Java array, and so of a {@link Tensor}. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final Pattern NON_NEGATIVE_INTEGER = Pattern.compile("\\d{1,19}");
    /** Gson's advice to programmers in its syntax error messages, not for users' eyes. */
    private static final Pattern GSON_HINT = Pattern.compile("Use JsonReader\\.\\w+\\([^)]*\\) to accept ");
    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

    /** One tensor's header entry; {@code begin} and {@code end} are relative to the data block. */
    record Entry(String name, Dtype dtype, int[] shape, long begin, long end) {
    }

    /** Reads and validates the header of the safetensors file read from {@code ch}, named {@code f} in messages. */
    static SafetensorsHeader read(ReadSource ch, String f) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new UserError(f + ": not a safetensors file: " + size + " bytes, too short for the 8-byte header length");
        }
        long n = readBytes(ch, 0, 8, f).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > size - 8) {
            throw new UserError(f + ": truncated safetensors file: header says " + Long.toUnsignedString(n)
                    + " bytes, file has " + (size - 8) + " after the 8-byte length");
        }
        if (n > MAX_ELEMENTS) throw new UserError(f + ": safetensors header of " + n + " bytes is too large");
        JsonObject json = parseJson(readBytes(ch, 8, (int) n, f), f);
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            if (!e.getKey().equals(METADATA)) entries.add(entry(e.getKey(), e.getValue(), dataSize, f));
        }
        // the format gives each tensor bytes of its own
        List<Entry> byStart = new ArrayList<>(entries);
        byStart.removeIf(e -> e.begin() == e.end());
        byStart.sort(java.util.Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < byStart.size(); i++) {
            Entry a = byStart.get(i - 1), b = byStart.get(i);
            if (b.begin() < a.end()) {
                throw new UserError(f + ": tensors " + IoErrors.quote(a.name()) + " [" + a.begin() + ", " + a.end() + "] and " + IoErrors.quote(b.name())
                        + " [" + b.begin() + ", " + b.end() + "] overlap in the data block");
            }
        }
        return new SafetensorsHeader(entries, json.get(METADATA), dataStart);
    }

    /** The {@code __metadata__} as a string map, empty when absent; a UserError naming {@code f} if malformed. */
    Map<String, String> metadata(String f) {
        Map<String, String> m = new LinkedHashMap<>();
        if (rawMetadata == null || rawMetadata.isJsonNull()) return m;
        if (!rawMetadata.isJsonObject()) throw new UserError(f + ": " + METADATA + " is not a JSON object");
        for (Map.Entry<String, JsonElement> e : rawMetadata.getAsJsonObject().entrySet()) {
            if (!(e.getValue() instanceof JsonPrimitive p) || !p.isString()) {
                throw new UserError(f + ": " + METADATA + " value of " + IoErrors.quote(e.getKey()) + " is not a string");
            }
            m.put(e.getKey(), p.getAsString());
        }
        return m;
    }

    private static ByteBuffer readBytes(ReadSource ch, long pos, int count, String f) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(count);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new UserError(f + ": truncated safetensors file: ended at byte " + (pos + buf.position()));
            }
        }
        return buf.flip();
    }

    private static JsonObject parseJson(ByteBuffer bytes, String f) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(f + ": safetensors header is not valid UTF-8");
        }
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            root = JSON.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new UserError(f + ": safetensors header is not valid JSON: text after the top-level object");
            }
            if (root != null && root.isJsonObject()) requireUniqueKeys(text, f);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError u) throw u;
            String why = e.getMessage() == null ? e.getClass().getSimpleName()
                    : GSON_HINT.matcher(IoErrors.oneLine(e.getMessage())).replaceFirst("");
            throw new UserError(f + ": safetensors header is not valid JSON: " + why, e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new UserError(f + ": safetensors header is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    /** Refuses a header whose top-level object names a tensor twice (a JSON object keeps only the last). */
    private static void requireUniqueKeys(String text, String f) throws IOException {
        JsonReader r = new JsonReader(new StringReader(text));
        java.util.Set<String> seen = new java.util.HashSet<>();
        r.beginObject();
        while (r.hasNext()) {
            String name = r.nextName();
            if (!seen.add(name)) throw new UserError(f + ": safetensors header names " + IoErrors.quote(name) + " twice");
            r.skipValue();
        }
    }

    private static Entry entry(String name, JsonElement value, long dataSize, String f) {
        String where = f + ": tensor " + IoErrors.quote(name);
        if (!value.isJsonObject()) throw new UserError(where + ": header entry is not a JSON object");
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = require(o, "dtype", where);
        if (!(dtypeJson instanceof JsonPrimitive p) || !p.isString()) {
            throw new UserError(where + ": \"dtype\" is not a string");
        }
        Dtype dtype = Dtype.byName(p.getAsString());
        if (dtype == null) {
            throw new UserError(where + ": unknown dtype '" + p.getAsString() + "' (supported: " + Dtype.supported() + ")");
        }
        long[] dims = integers(o, "shape", -1, where);
        int[] shape = new int[dims.length];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > MAX_ELEMENTS || (count *= dims[i]) > MAX_ELEMENTS) {
                throw new UserError(where + ": shape " + Arrays.toString(dims) + " has more elements than a tensor can hold");
            }
            shape[i] = (int) dims[i];
        }
        long[] offsets = integers(o, "data_offsets", 2, where);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new UserError(where + ": data_offsets [" + begin + ", " + end + "] lie outside the "
                    + dataSize + "-byte data block");
        }
        long need = count * dtype.size;
        if (end - begin != need) {
            throw new UserError(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes, but shape " + Tensor.shapeString(shape) + " of " + dtype + " needs " + need);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static JsonElement require(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null) throw new UserError(where + ": header entry lacks \"" + key + "\"");
        return e;
    }

    /** The array {@code key} of non-negative integers; {@code length} -1 for any length. */
    private static long[] integers(JsonObject o, String key, int length, String where) {
        JsonElement e = require(o, key, where);
        String bad = where + ": \"" + key + "\" is not an array of "
                + (length >= 0 ? length + " " : "") + "non-negative integers";
        if (!e.isJsonArray()) throw new UserError(bad);
        JsonArray a = e.getAsJsonArray();
        if (length >= 0 && a.size() != length) throw new UserError(bad);
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(a.get(i) instanceof JsonPrimitive p) || !p.isNumber()
                    || !NON_NEGATIVE_INTEGER.matcher(p.getAsString()).matches()) {
                throw new UserError(bad);
            }
            try {
                r[i] = Long.parseLong(p.getAsString());
            } catch (NumberFormatException x) {
                throw new UserError(bad);
            }
        }
        return r;
    }
}
