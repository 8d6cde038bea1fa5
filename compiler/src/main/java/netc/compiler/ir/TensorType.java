package netc.compiler.ir;

/** The static type of a graph value: its shape and element type. */
public record TensorType(Shape shape, DType dtype) {
    public static TensorType f(Shape s) {
        return new TensorType(s, DType.FLOAT);
    }

    @Override
    public String toString() {
        return dtype.shortName() + shape;
    }
}
