package netc.compiler.ir;

/**
 * One dimension of a shape: a known size, or a symbol such as {@code batch} bound when data arrives.
 */
public record Dim(int size, String symbol) {
    public static Dim of(int size) {
        return new Dim(size, null);
    }

    public static Dim sym(String name) {
        return new Dim(-1, name);
    }

    public boolean isSymbolic() {
        return symbol != null;
    }

    public boolean isOne() {
        return symbol == null && size == 1;
    }

    /** A Java expression for this dimension in generated code. */
    public String javaExpr() {
        return symbol != null ? "n_" + symbol : Integer.toString(size);
    }

    @Override
    public String toString() {
        return symbol != null ? symbol : Integer.toString(size);
    }
}
