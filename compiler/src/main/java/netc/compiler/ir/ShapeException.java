package netc.compiler.ir;

/** Thrown by an op's shape rule when its inputs do not fit; the front end turns it into a located error. */
public class ShapeException extends RuntimeException {
    public ShapeException(String message) {
        super(message);
    }
}
