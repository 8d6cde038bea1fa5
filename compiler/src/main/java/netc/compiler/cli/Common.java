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

    /** 1234567 as "1,234,567". */
    static String thousands(long n) {
        return String.format("%,d", n);
    }
}
