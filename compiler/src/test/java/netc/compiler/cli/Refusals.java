package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import netc.compiler.Cli;

/** What the bad-input tests check of a refused command, and the broken files they feed it. */
final class Refusals {
    private Refusals() {
    }

    /**
     * Exit status 1 and one line on standard error, with no stack trace or internal error, holding every word; the
     * first word is usually the file, so that the message says where the fault is.
     */
    static void assertRefused(Cli r, String... words) {
        String err = r.err().strip();
        assertEquals(1, r.status(), () -> "exit status; stderr:\n" + r.err());
        assertEquals(1, err.lines().count(), () -> "one line:\n" + err);
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("internal error"), err);
        assertTrue(err.startsWith("netc: ") || err.startsWith("/"), err);
        for (String w : words) assertTrue(err.contains(w), () -> "expected '" + w + "' in:\n" + err);
    }

    /** A safetensors file from its header's JSON text and its data block. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data).array();
    }

    /** A copy of safetensors file {@code from} at {@code to}, its header edited by {@code edit}, its data kept. */
    static Path editHeader(Path from, Path to, Consumer<JsonObject> edit) throws IOException {
        byte[] b = Files.readAllBytes(from);
        int n = (int) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(b, 8, n, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(header);
        Files.write(to, safetensors(header.toString(), Arrays.copyOfRange(b, 8 + n, b.length)));
        return to;
    }

    /** {@code file} holds exactly {@code bytes}: a refused command left it as it was. */
    static void assertUnchanged(Path file, byte[] bytes) throws IOException {
        assertArrayEquals(bytes, Files.readAllBytes(file), file + " was changed");
    }
}
