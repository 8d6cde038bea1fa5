package netc.compiler.frontend;

/** A compile-time number in an expression (a literal or a {@code const}); becomes a constant node when used with tensors. */
record NumVal(double value, boolean integral) {
    /** The value as an int, or null when it is not an integer or does not fit in one. */
    Integer asInt() {
        return integral && value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? Integer.valueOf((int) value) : null;
    }

    /** The value as written in a message: 3, 0.5, 3000000000. */
    String show() {
        return integral && Math.abs(value) < 1e18 ? Long.toString((long) value) : Double.toString(value);
    }
}
