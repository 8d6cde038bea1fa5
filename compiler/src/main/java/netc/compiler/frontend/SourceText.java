package netc.compiler.frontend;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import netc.compiler.ir.Span;
import netc.runtime.UserError;

/** The text of a {@code .net} file, with its name for messages. Binary or non-UTF-8 files are refused. */
public record SourceText(String file, String text, List<String> lines) {
    public static SourceText of(String file, String text) {
        return new SourceText(file, text, List.of(text.split("\r?\n", -1)));
    }

    public static SourceText read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UserError(path + ": no such file");
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) throw new UserError(path + ":1:1: error: not a .net text file (binary data at byte " + i + ")");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return of(path.toString(), text);
        } catch (CharacterCodingException e) {
            throw new UserError(path + ":1:1: error: not a .net text file (invalid UTF-8)");
        }
    }

    public String line(int n) {
        return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
    }

    /** The source text under a span (on its first line). */
    public String text(Span s) {
        String l = line(s.line());
        int from = Math.max(0, Math.min(l.length(), s.col() - 1));
        return l.substring(from, Math.min(l.length(), from + s.length()));
    }
}
