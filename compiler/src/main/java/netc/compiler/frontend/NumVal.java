package netc.compiler.frontend;

/** A compile-time number in an expression (a literal or a {@code const}); becomes a constant node when used with tensors. */
record NumVal(double value, boolean integral) {
}
