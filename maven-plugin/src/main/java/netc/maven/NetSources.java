package netc.maven;

import com.squareup.javapoet.JavaFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.runtime.UserError;

/**
 * Writes the Java source of every {@code .net} file under a directory, as {@code netc compile} does, and skips a
 * model whose generated source is newer than its {@code .net} file and than the compiler itself.
 *
 * <p>A small stamp file per model, under the state directory, records the package and the Java file written, so
 * that a model is regenerated when the package changes, and its old source is deleted when the model is renamed
 * or its {@code .net} file removed.
 */
final class NetSources {
    /** What a run did: the Java files written, the models skipped as up to date, and each failing file's message. */
    record Outcome(List<Path> written, List<Path> upToDate, List<String> errors) {
    }

    /** A stamp's contents: the package and the generated file, relative to the output directory. */
    private record Stamp(String pkg, String java) {
        static Stamp read(Path file) {
            try {
                List<String> lines = Files.readAllLines(file);
                return lines.size() == 2 ? new Stamp(lines.get(0), lines.get(1)) : null;
            } catch (IOException e) {
                return null;
            }
        }

        void write(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            Files.writeString(file, pkg + "\n" + java + "\n");
        }
    }

    private final Path sourceDir, outputDir, stateDir;
    private final String pkg;
    private final long toolModified;

    /**
     * @param toolModified the last-modified time (ms) of the compiler's jars: sources older than it are regenerated
     */
    NetSources(Path sourceDir, Path outputDir, Path stateDir, String pkg, long toolModified) {
        this.sourceDir = sourceDir;
        this.outputDir = outputDir;
        this.stateDir = stateDir;
        this.pkg = pkg;
        this.toolModified = toolModified;
    }

    Outcome generate() throws IOException {
        List<Path> written = new ArrayList<>(), upToDate = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, Path> owners = new HashMap<>();  // generated file -> the .net file it came from
        for (Path net : find(sourceDir, ".net")) {
            Path stampFile = stampOf(net);
            Stamp stamp = Files.exists(stampFile) ? Stamp.read(stampFile) : null;
            if (isUpToDate(net, stamp)) {
                if (claim(owners, stamp.java(), net, errors)) upToDate.add(net);
                continue;
            }
            try {
                JavaFile java = NetCompiler.source(NetCompiler.trainingGraph(NetCompiler.parse(net), false), pkg);
                Stamp now = new Stamp(pkg, relative(java));
                if (!claim(owners, now.java(), net, errors)) continue;
                if (stamp != null && !stamp.java().equals(now.java())) Files.deleteIfExists(outputDir.resolve(stamp.java()));
                written.add(java.writeToPath(outputDir));
                now.write(stampFile);
            } catch (UserError e) {
                Files.deleteIfExists(stampFile);
                errors.add(e.getMessage());
            }
        }
        removeOrphans(owners);
        return new Outcome(written, upToDate, errors);
    }

    /** Records that {@code net} generates {@code java}; false, with an error, when an earlier model file already does. */
    private static boolean claim(Map<String, Path> owners, String java, Path net, List<String> errors) {
        Path previous = owners.putIfAbsent(java, net);
        if (previous == null) return true;
        String cls = java.substring(java.lastIndexOf('/') + 1, java.length() - ".java".length());
        errors.add(net + ": model " + cls + " is already defined by " + previous + "; model names must differ");
        return false;
    }

    /** Whether the stamp matches the package and its Java file is newer than the model and the compiler. */
    private boolean isUpToDate(Path net, Stamp stamp) throws IOException {
        if (stamp == null || !stamp.pkg().equals(pkg)) return false;
        Path java = outputDir.resolve(stamp.java());
        if (!Files.exists(java)) return false;
        long generated = Files.getLastModifiedTime(java).toMillis();
        return generated > Files.getLastModifiedTime(net).toMillis() && generated > toolModified;
    }

    /** Deletes the stamps, and the Java files no live model writes, of models whose {@code .net} file is gone. */
    private void removeOrphans(Map<String, Path> owners) throws IOException {
        if (!Files.isDirectory(stateDir)) return;
        for (Path stampFile : find(stateDir, ".net.stamp")) {
            String rel = stateDir.relativize(stampFile).toString();
            if (Files.exists(sourceDir.resolve(rel.substring(0, rel.length() - ".stamp".length())))) continue;
            Stamp stamp = Stamp.read(stampFile);
            if (stamp != null && !owners.containsKey(stamp.java())) Files.deleteIfExists(outputDir.resolve(stamp.java()));
            Files.delete(stampFile);
        }
    }

    private Path stampOf(Path net) {
        return stateDir.resolve(sourceDir.relativize(net) + ".stamp");
    }

    /** The generated file's path under the output directory, with '/' separators. */
    private static String relative(JavaFile java) {
        String dir = java.packageName.isEmpty() ? "" : java.packageName.replace('.', '/') + "/";
        return dir + java.typeSpec.name + ".java";
    }

    /** The regular files under {@code dir} whose names end with {@code suffix}, sorted. */
    static List<Path> find(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
