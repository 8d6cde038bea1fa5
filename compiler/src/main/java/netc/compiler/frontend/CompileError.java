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

    static String format(List<Diagnostic> ds, SourceText source) {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : ds) {
            if (sb.length() > 0) sb.append('\n');
            sb.append(d.span()).append(": error: ").append(d.message());
            String line = source == null ? "" : source.line(d.span().line());
            if (!line.isEmpty()) {
                sb.append('\n').append("    ").append(line.replace('\t', ' ')).append('\n').append("    ");
                int col = Math.max(1, d.span().col());
                sb.append(" ".repeat(Math.min(col - 1, line.length())));
                int len = Math.max(1, Math.min(d.span().length(), line.length() - col + 1));
                sb.append('^').append("~".repeat(Math.max(0, len - 1)));
            }
        }
        if (ds.size() > 1) sb.append('\n').append(ds.size()).append(" errors");
        return sb.toString();
    }
}
