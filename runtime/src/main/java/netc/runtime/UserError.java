package netc.runtime;

/**
 * An error caused by the user's input (a model, a data file, a weight file, a flag).
 * The command line prints its message on one line and exits with status 1, without a stack trace.
 * Messages name the place of the fault: a file, and where it makes sense a line, a tensor or a byte offset.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
