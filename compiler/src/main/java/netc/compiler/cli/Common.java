package netc.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import netc.compiler.ir.TrainConfig;
import netc.runtime.Model;
import netc.runtime.UserError;

/** Helpers shared by the commands. */
final class Common {
    private Common() {
    }

    /**
     * Binds the model's symbolic dimensions other than the batch to the train block's values ({@code seq = 64}), which
     * the data read from files and synthetic data take; one without a value is refused.
     */
    static void bindDims(Path model, Model m, TrainConfig cfg) {
        if (!cfg.dims().isEmpty()) m.setDims(cfg.dims());
        List<String> unbound = m.unboundDims();
        if (!unbound.isEmpty()) {
            String d = unbound.get(0);
            throw new UserError(model + ": the data needs a value of the symbolic dimension '" + d + "'; set it in the train block, such as "
                    + d + " = 64");
        }
    }

    static Path existingFile(Path p, String what) {
        if (!Files.exists(p)) throw new UserError(p + ": no such " + what);
        if (Files.isDirectory(p)) throw new UserError(p + ": is a directory, expected a " + what);
        // a pipe or a device would block the read, or never end
        if (!Files.isRegularFile(p)) throw new UserError(p + ": not a regular file, expected a " + what);
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
        if (parent != null) {
            // files are written beside their target, then moved over it: try that now rather than after hours of work
            try {
                Files.delete(Files.createTempFile(parent, "." + p.getFileName() + ".", ".tmp"));
            } catch (java.io.IOException e) {
                throw new UserError(option + ": cannot write in " + parent + ": " + netc.runtime.io.IoErrors.describe(e));
            }
        }
        return p;
    }

    /**
     * Deletes the temporary files an earlier run killed while writing {@code target} left beside it
     * ({@code .NAME.HEX.tmp}, which a finished write moves over the target): no run writes the same target at once.
     */
    static void removeStaleTemporaries(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) return;
        java.util.regex.Pattern stale = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote("." + target.getFileName()) + "\\.[0-9a-f]{1,16}\\.tmp");
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (stale.matcher(f.getFileName().toString()).matches()) Files.deleteIfExists(f);
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // left for the next run: they take space, not correctness
        }
    }

    /**
     * Checks, before any work is done, that directory {@code p} (given with {@code option}) exists or can be made:
     * neither it nor any of its parents is a file.
     */
    static Path outputDirectory(Path p, String option) {
        for (Path q = p.toAbsolutePath(); q != null; q = q.getParent()) {
            if (Files.isDirectory(q)) return p;
            if (Files.exists(q)) throw new UserError(option + ": " + q + " is a file, expected a directory");
        }
        return p;
    }

    /**
     * The {@code --json} line of figures: a value that is not a finite number (a loss of NaN) is left out, as JSON has
     * no NaN, and so is a null.
     */
    static String jsonLine(java.util.Map<String, Object> figures) {
        java.util.Map<String, Object> finite = new java.util.LinkedHashMap<>(figures);
        finite.values().removeIf(v -> v == null || v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f));
        return new com.google.gson.Gson().toJson(finite);
    }

    /**
     * Sets the worker threads from {@code --threads}: all cores by default; more than the cores is slower (they take
     * turns on the cores and wait for each other at every product), so a larger count is lowered to the cores with a
     * warning.
     */
    static void setThreads(Integer requested, java.io.PrintWriter err) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested != null && (requested < 1 || requested > 1024)) throw new UserError("--threads must be between 1 and 1024, got " + requested);
        if (requested != null && requested > cores) {
            err.println("netc: warning: --threads " + requested + " is more than the " + cores + " cores of this machine; using " + cores);
        }
        netc.runtime.kernels.Parallel.setThreads(requested == null ? cores : Math.min(requested, cores));
    }

    /** 1234567 as "1,234,567". */
    static String thousands(long n) {
        return String.format("%,d", n);
    }

    /**
     * Refuses tensors that hold NaN or an infinity, naming {@code source} and the tensor ({@code what}: "tensor",
     * "input").
     */
    static void requireFinite(Object source, java.util.Map<String, netc.runtime.Tensor> tensors, String what) {
        for (java.util.Map.Entry<String, netc.runtime.Tensor> e : tensors.entrySet()) {
            String bad = e.getValue().firstNonFinite();
            if (bad != null) throw new UserError(source + ": " + what + " '" + e.getKey() + "' holds " + bad + "; inputs must be finite numbers");
        }
    }
}
