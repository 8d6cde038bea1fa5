package netc.maven;

import com.squareup.javapoet.JavaFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.onnx.OnnxImporter;
import netc.runtime.UserError;
import netc.runtime.io.AtomicFile;
import netc.runtime.io.Safetensors;

/**
 * Writes the Java source of every model file under the source directories, as {@code netc compile} does: {@code .net}
 * files compiled, {@code .onnx} files imported as {@code netc import} does and then compiled, their weights and
 * {@code .net} text written as resources beside the class ({@code Name.safetensors}, {@code Name.net}). A model whose
 * generated files are newer than its source file and than the compiler itself is skipped.
 *
 * <p>A small stamp file per model, under the state directory, records the package and the files written, so that a
 * model is regenerated when the package changes, and its old files are deleted when the model is renamed or its source
 * file removed.
 */
final class ModelSources {
    /** The model files the plugin reads: the suffix, and what one file generates. */
    enum Kind {
        NET(".net"), ONNX(".onnx");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    /** What a run did: the files written (Java sources and resources), the models skipped as up to date, and each failing file's message. */
    record Outcome(List<Path> written, List<Path> upToDate, List<String> errors) {
    }

    /** What one model file generates: its class, and resources to write beside it (file name → writer). */
    private record Generated(JavaFile java, Map<String, Consumer<Path>> resources) {
    }

    /** A stamp's contents: the package, the generated Java file (relative to the output directory), then the resources (relative to the resource directory). */
    private record Stamp(String pkg, String java, List<String> resources) {
        static Stamp read(Path file) {
            try {
                List<String> lines = Files.readAllLines(file);
                return lines.size() >= 2 ? new Stamp(lines.get(0), lines.get(1), lines.subList(2, lines.size())) : null;
            } catch (IOException e) {
                return null;
            }
        }

        void write(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            StringBuilder b = new StringBuilder(pkg + "\n" + java + "\n");
            for (String r : resources) b.append(r).append('\n');
            Files.writeString(file, b);
        }
    }

    private final Map<Kind, Path> sourceDirs;
    private final Path outputDir, resourceDir, stateDir;
    private final String pkg;
    private final long toolModified;

    /**
     * @param sourceDirs   where each kind of model file is found (a directory that does not exist holds none)
     * @param toolModified the last-modified time (ms) of the compiler's jars: files older than it are regenerated
     */
    ModelSources(Map<Kind, Path> sourceDirs, Path outputDir, Path resourceDir, Path stateDir, String pkg, long toolModified) {
        this.sourceDirs = sourceDirs;
        this.outputDir = outputDir;
        this.resourceDir = resourceDir;
        this.stateDir = stateDir;
        this.pkg = pkg;
        this.toolModified = toolModified;
    }

    Outcome generate() throws IOException {
        List<Path> written = new ArrayList<>(), upToDate = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, Path> owners = new HashMap<>();  // generated Java file -> the model file it came from
        for (Map.Entry<Kind, Path> k : sourceDirs.entrySet()) {
            if (!Files.isDirectory(k.getValue())) continue;
            for (Path model : find(k.getValue(), k.getKey().suffix)) {
                Path stampFile = stampOf(k.getValue(), model);
                Stamp stamp = Files.exists(stampFile) ? Stamp.read(stampFile) : null;
                if (isUpToDate(model, stamp)) {
                    if (claim(owners, stamp.java(), model, errors)) upToDate.add(model);
                    continue;
                }
                try {
                    Generated g = generate(k.getKey(), model);
                    String dir = packageDir(g.java());
                    Stamp now = new Stamp(pkg, dir + g.java().typeSpec.name + ".java", g.resources().keySet().stream().map(r -> dir + r).toList());
                    if (!claim(owners, now.java(), model, errors)) continue;
                    if (stamp != null) delete(stamp);
                    written.add(g.java().writeToPath(outputDir));
                    for (Map.Entry<String, Consumer<Path>> r : g.resources().entrySet()) {
                        Path to = resourceDir.resolve(dir + r.getKey());
                        Files.createDirectories(to.getParent());
                        r.getValue().accept(to);
                        written.add(to);
                    }
                    now.write(stampFile);
                } catch (UserError e) {
                    Files.deleteIfExists(stampFile);
                    errors.add(e.getMessage());
                }
            }
        }
        removeOrphans(owners);
        return new Outcome(written, upToDate, errors);
    }

    /** A {@code .net} file's class; an {@code .onnx} file's class from its import, with the weights and the imported text beside it. */
    private Generated generate(Kind kind, Path model) {
        if (kind == Kind.NET) return new Generated(NetCompiler.source(NetCompiler.trainingGraph(NetCompiler.parse(model), false), pkg), Map.of());
        OnnxImporter.Result r = OnnxImporter.importFile(model);
        JavaFile java = NetCompiler.source(NetCompiler.trainingGraph(NetCompiler.parse(r.name() + ".net", r.source()), false), pkg);
        String cls = java.typeSpec.name;
        Map<String, Consumer<Path>> resources = new LinkedHashMap<>();
        resources.put(cls + ".safetensors", p -> Safetensors.write(p, r.weights()));
        resources.put(cls + ".net", p -> AtomicFile.write(p, r.source().getBytes(StandardCharsets.UTF_8)));
        return new Generated(java, resources);
    }

    /** Records that {@code model} generates {@code java}; false, with an error, when an earlier model file already does. */
    private static boolean claim(Map<String, Path> owners, String java, Path model, List<String> errors) {
        Path previous = owners.putIfAbsent(java, model);
        if (previous == null) return true;
        String cls = java.substring(java.lastIndexOf('/') + 1, java.length() - ".java".length());
        errors.add(model + ": model " + cls + " is already defined by " + previous + "; model names must differ");
        return false;
    }

    /** Whether the stamp matches the package and its files exist and are newer than the model and the compiler. */
    private boolean isUpToDate(Path model, Stamp stamp) throws IOException {
        if (stamp == null || !stamp.pkg().equals(pkg)) return false;
        List<Path> files = new ArrayList<>(List.of(outputDir.resolve(stamp.java())));
        for (String r : stamp.resources()) files.add(resourceDir.resolve(r));
        long source = Math.max(Files.getLastModifiedTime(model).toMillis(), toolModified);
        for (Path f : files) if (!Files.exists(f) || Files.getLastModifiedTime(f).toMillis() <= source) return false;
        return true;
    }

    private void delete(Stamp stamp) throws IOException {
        Files.deleteIfExists(outputDir.resolve(stamp.java()));
        for (String r : stamp.resources()) Files.deleteIfExists(resourceDir.resolve(r));
    }

    /** Deletes the stamps, and the files no live model writes, of models whose source file is gone. */
    private void removeOrphans(Map<String, Path> owners) throws IOException {
        if (!Files.isDirectory(stateDir)) return;
        for (Kind kind : Kind.values()) {
            Path sourceDir = sourceDirs.get(kind);
            for (Path stampFile : find(stateDir, kind.suffix + ".stamp")) {
                String rel = stateDir.relativize(stampFile).toString();
                if (sourceDir != null && Files.exists(sourceDir.resolve(rel.substring(0, rel.length() - ".stamp".length())))) continue;
                Stamp stamp = Stamp.read(stampFile);
                if (stamp != null && !owners.containsKey(stamp.java())) delete(stamp);
                Files.delete(stampFile);
            }
        }
    }

    private Path stampOf(Path sourceDir, Path model) {
        return stateDir.resolve(sourceDir.relativize(model) + ".stamp");
    }

    /** The generated class's package as a directory, with '/' separators and a trailing '/' ("" for no package). */
    private static String packageDir(JavaFile java) {
        return java.packageName.isEmpty() ? "" : java.packageName.replace('.', '/') + "/";
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
