package netc.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Data sources named in a model's train block are relative to the model file. */
final class DataPaths {
    private static final String[] PREFIXES = {"text:", "csv:", "fashion-mnist:"};

    private DataPaths() {
    }

    /**
     * The spec with its file part resolved against {@code dir} when it is relative and exists there; unchanged
     * otherwise (built-in sources, absolute paths, paths relative to the working directory).
     */
    static String relativeTo(String spec, Path dir) {
        if (spec == null || dir == null) return spec;
        String prefix = "";
        for (String p : PREFIXES) if (spec.startsWith(p)) prefix = p;
        if (prefix.isEmpty() && !spec.endsWith(".safetensors")) return spec;
        String rest = spec.substring(prefix.length());
        int q = rest.indexOf('?');
        String file = q < 0 ? rest : rest.substring(0, q), query = q < 0 ? "" : rest.substring(q);
        try {
            Path p = Path.of(file);
            if (p.isAbsolute() || !Files.exists(dir.resolve(p))) return spec;
            return prefix + dir.resolve(p).normalize() + query;
        } catch (java.nio.file.InvalidPathException e) {
            return spec;
        }
    }
}
