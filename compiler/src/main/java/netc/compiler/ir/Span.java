package netc.compiler.ir;

/**
 * A place in a {@code .net} source: the file, a 1-based line and column, and the length of the text.
 * Every graph node keeps the span it came from so errors and generated statements can name it.
 */
public record Span(String file, int line, int col, int length) {
    public static final Span NONE = new Span("<generated>", 0, 0, 0);

    @Override
    public String toString() {
        return file + ":" + line + ":" + col;
    }
}
