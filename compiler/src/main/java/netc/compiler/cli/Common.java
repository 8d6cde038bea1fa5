package netc.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import netc.runtime.UserError;

/** Helpers shared by the commands. */
final class Common {
    private Common() {
    }

    static Path existingFile(Path p, String what) {
        if (!Files.exists(p)) throw new UserError(p + ": no such " + what);
        if (Files.isDirectory(p)) throw new UserError(p + ": is a directory, expected a " + what);
        return p;
    }

    /**
     * Checks, before any work is done, that {@code p} (given with {@code option}) can be written: its directory exists
     * and it is not a directory itself.
     */
    static Path outputFile(Path p, String option) {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new UserError(option + ": directory " + parent + " does not exist");
        if (Files.isDirectory(p)) throw new UserError(option + ": " + p + " is a directory, expected a file name");
        return p;
    }

    /** 1234567 as "1,234,567". */
    static String thousands(long n) {
        return String.format("%,d", n);
    }
}
