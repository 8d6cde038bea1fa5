package netc.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.onnx.OnnxImporter;
import netc.runtime.UserError;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@code netc import}: any file is either an ONNX model whose import compiles as a {@code .net} model and takes
 * its weights, or is refused with one {@link UserError} line naming the file. Any other exception (a bug of the
 * reader or the importer) is a finding. Seeds: the PyTorch exports of the importer's tests.
 */
class OnnxFuzzTest {
    @TempDir
    static Path dir;

    static Stream<Named<byte[]>> seeds() throws IOException {
        List<Named<byte[]>> seeds = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/onnx"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList()) {
                seeds.add(Named.of(p.getFileName().toString(), Files.readAllBytes(p)));
            }
        }
        return seeds.stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void anyFileImportsAndCompilesOrIsOneLine(byte[] bytes) throws IOException {
        Path f = dir.resolve("fuzz.onnx");
        Files.write(f, bytes);
        OnnxImporter.Result r;
        try {
            r = OnnxImporter.importFile(f);
        } catch (UserError e) {
            assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return;
        }
        NetCompiler.compile("fuzz.net", r.source(), "float").newModel().loadState(r.weights(), "fuzz");
    }
}
