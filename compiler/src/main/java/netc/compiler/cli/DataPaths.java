package netc.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import netc.runtime.data.DataSources;

/** Data sources named in a model's train block are relative to the model file. */
final class DataPaths {
    private DataPaths() {
    }

    /**
     * The spec with its file part resolved against {@code dir} when it is relative and exists there; unchanged
     * otherwise (built-in sources, absolute paths, paths relative to the working directory).
     */
    static String relativeTo(String spec, Path dir) {
        if (spec == null || dir == null) return spec;
        String file = DataSources.fileOf(spec);
        if (file == null) return spec;
        try {
            Path p = Path.of(file);
            if (p.isAbsolute() || !Files.exists(dir.resolve(p))) return spec;
            return DataSources.withFile(spec, dir.resolve(p).normalize().toString());
        } catch (java.nio.file.InvalidPathException e) {
            return spec;
        }
    }
}
