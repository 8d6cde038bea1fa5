package netc.compiler.frontend;

import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
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
            if (Files.isDirectory(path)) throw new UserError(path + ": is a directory, expected a .net file");
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UserError(path + ": no such file");
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
        // the first byte that is not UTF-8 text: a NUL (binary data) or a malformed sequence
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        int bad = r.isError() ? in.position() : -1;
        for (int i = 0; i < bytes.length && (bad < 0 || i < bad); i++) {
            if (bytes[i] == 0) {
                bad = i;
                break;
            }
        }
        if (bad < 0) {
            String text = out.flip().toString();
            return of(path.toString(), text.startsWith("\uFEFF") ? text.substring(1) : text);
        }
        String what = bytes[bad] == 0 ? "binary data" : "invalid UTF-8";
        // locate the byte by line and column (in characters), and show the text up to it
        String before = new String(bytes, 0, bad, StandardCharsets.UTF_8);
        String after = new String(bytes, bad, Math.min(bytes.length - bad, 200), StandardCharsets.UTF_8);
        int nl = after.indexOf('\n');
        SourceText shown = of(path.toString(), before + (nl < 0 ? after : after.substring(0, nl)));
        String lastLine = before.substring(before.lastIndexOf('\n') + 1);
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
        int col = lastLine.codePointCount(0, lastLine.length()) + 1;
        throw new CompileError(List.of(new Diagnostic(new Span(path.toString(), line, col, 1),
                String.format("not a .net text file: %s (byte 0x%02x at offset %d); models are UTF-8 text", what, bytes[bad] & 0xff, bad))), shown);
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
