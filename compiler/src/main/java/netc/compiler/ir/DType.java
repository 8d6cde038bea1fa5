package netc.compiler.ir;

/** Element types of graph values: floating-point values, or integer class indices and tokens. */
public enum DType {
    FLOAT("f32"), INT("i32");

    private final String shortName;

    DType(String shortName) {
        this.shortName = shortName;
    }

    public String shortName() {
        return shortName;
    }
}
