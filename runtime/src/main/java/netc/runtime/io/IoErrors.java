package netc.runtime.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns I/O exceptions into the short one-line reasons that {@link netc.runtime.UserError} messages end with. */
public final class IoErrors {
    private IoErrors() {
    }

    /** A one-line reason for {@code e}, such as "no such file or directory" or "permission denied". */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof DirectoryNotEmptyException) return "is a non-empty directory";
        if (e instanceof CharacterCodingException) return "not valid UTF-8 text";
        if (e instanceof EOFException) return "unexpected end of file";
        if (e instanceof FileSystemException fse && fse.getReason() != null) return oneLine(fse.getReason());
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : oneLine(m);
    }

    /** The first line of {@code text}, trimmed: messages from libraries may carry hints on further lines. */
    public static String oneLine(String text) {
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }

    /** {@code text} in single quotes, {@linkplain #escape escaped}. */
    public static String quote(String text) {
        return "'" + escape(text) + "'";
    }

    /**
     * {@code text} with its line breaks and other control characters written as Java escapes (a backslash and
     * {@code n}, or {@code u} and four hex digits), so that text read from a file cannot break a message's line.
     */
    public static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) sb.append(String.format("\\u%04x", c));
                    else sb.appendCodePoint(c);
                }
            }
        });
        return sb.toString();
    }
}
