package netc.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import netc.runtime.UserError;

/** The contract the fuzz tests check: a reader returns a result or refuses its input with a one-line, located UserError. */
final class Faults {
    private Faults() {
    }

    /**
     * The result of {@code read}, or null when it refused its input with a {@link UserError} of one line that
     * names {@code where} (a file or a directory). Any other throwable is a finding and propagates.
     */
    static <T> T readOrRefuse(Object where, Supplier<T> read) {
        try {
            return read.get();
        } catch (UserError e) {
            String m = e.getMessage();
            assertFalse(m == null || m.isBlank(), "an empty message");
            assertFalse(m.contains("\n"), () -> "a message of several lines: " + m);
            assertTrue(m.contains(where.toString()), () -> "the message does not name " + where + ": " + m);
            return null;
        }
    }
}
