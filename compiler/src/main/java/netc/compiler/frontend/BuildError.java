package netc.compiler.frontend;

import netc.compiler.ir.Span;

/** An error found while building the graph, at a place in the source; collected as a {@link Diagnostic}. */
final class BuildError extends RuntimeException {
    final Span span;

    BuildError(Span span, String message) {
        super(message, null, false, false);
        this.span = span;
    }
}
