package netc.compiler.frontend;

import netc.compiler.ir.Span;

/** One located error message. */
public record Diagnostic(Span span, String message) {
}
