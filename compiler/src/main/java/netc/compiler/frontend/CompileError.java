package netc.compiler.frontend;

import java.util.List;
import netc.runtime.UserError;

/**
 * Errors in a model: each as {@code file:line:col: error: message}, followed by the source line and a caret
 * under the place.
 */
public final class CompileError extends UserError {
    private final List<Diagnostic> diagnostics;

    public CompileError(List<Diagnostic> diagnostics, SourceText source) {
        super(format(diagnostics, source));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** At most this many errors are shown; the count says how many there are. */
    private static final int MAX_SHOWN = 50;

    /** Source lines longer than this are shown as a window around the caret. */
    private static final int WIDTH = 100;

    static String format(List<Diagnostic> ds, SourceText source) {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : ds.subList(0, Math.min(ds.size(), MAX_SHOWN))) {
            if (sb.length() > 0) sb.append('\n');
            sb.append(d.span()).append(": error: ").append(d.message());
            if (source != null && d.span().line() >= 1 && d.span().line() <= source.lines().size()) {
                sb.append('\n').append(excerpt(source.line(d.span().line()), d.span().col(), d.span().length()));
            }
        }
        if (ds.size() > MAX_SHOWN) sb.append('\n').append("(and ").append(ds.size() - MAX_SHOWN).append(" more)");
        if (ds.size() > 1) sb.append('\n').append(ds.size()).append(" errors");
        return sb.toString();
    }

    /**
     * The source line (indented, control characters shown as '?', a window of it when long) and under it a
     * caret at {@code col} (1-based, in code points) with '~' under the rest of the span.
     */
    static String excerpt(String line, int col, int length) {
        int[] cps = line.codePoints().map(c -> c == '\t' ? ' ' : Character.isISOControl(c) || c == 0xFFFD ? '?' : c).toArray();
        int at = Math.max(0, Math.min(col - 1, cps.length));
        int len = Math.max(1, Math.min(length, cps.length - at));
        int from = 0, to = cps.length;
        if (cps.length > WIDTH) {
            from = Math.max(0, Math.min(at - WIDTH / 3, cps.length - WIDTH));
            to = Math.min(cps.length, from + WIDTH);
            len = Math.max(1, Math.min(len, to - at));
        }
        StringBuilder sb = new StringBuilder("    ");
        if (from > 0) sb.append("...");
        sb.append(new String(cps, from, to - from));
        if (to < cps.length) sb.append("...");
        sb.append('\n').append("    ").append(" ".repeat(at - from + (from > 0 ? 3 : 0)));
        sb.append('^').append("~".repeat(len - 1));
        return sb.toString();
    }
}
