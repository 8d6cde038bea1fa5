package netc.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.frontend.CompileError;
import netc.compiler.frontend.Diagnostic;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Verifier;
import netc.runtime.UserError;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the whole front end: any file is either a model whose forward graph, differentiated and optimised with
 * the verifier after every pass, is valid, or is refused with a {@link CompileError} whose every error is located
 * in the file (or another one-line {@link UserError} naming it). Any other exception, an internal error of the
 * command line, is a finding. Seeds: the example models and the PyTorch fixtures' models (shared and this module's).
 */
class FrontEndFuzzTest {
    @TempDir
    static Path dir;

    static Stream<Named<byte[]>> seeds() throws IOException {
        Path shared = Path.of(System.getProperty("netc.shared", "../../shared"), "fixtures");
        return Stream.of(models(Path.of("../models")), models(shared), models(Path.of("src/test/resources/fixtures"))).flatMap(m -> m);
    }

    /** The {@code .net} files of a folder, read now; none when the folder (the optional fixtures) is not there. */
    private static Stream<Named<byte[]>> models(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return Stream.empty();
        List<Named<byte[]>> seeds = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".net")).sorted().toList()) {
                seeds.add(Named.of(p.getFileName().toString(), Files.readAllBytes(p)));
            }
        }
        return seeds.stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "60s")
    void anyFileIsAVerifiedGraphOrLocatedErrors(byte[] bytes) throws IOException {
        Path f = dir.resolve("fuzz.net");
        Files.write(f, bytes);
        Graph forward;
        try {
            forward = NetCompiler.parse(f);
        } catch (CompileError e) {
            assertFalse(e.diagnostics().isEmpty(), "a compile error without errors");
            for (Diagnostic d : e.diagnostics()) {
                assertEquals(f.toString(), d.span().file(), d.message());
                assertTrue(d.span().line() >= 1 && d.span().col() >= 1, () -> "not located: " + d);
                assertFalse(d.message().isBlank() || d.message().contains("\n"), () -> "message: " + d.message());
            }
            assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
            return;
        } catch (UserError e) {
            assertTrue(e.getMessage().contains(f.toString()) && !e.getMessage().contains("\n"), e.getMessage());
            return;
        }
        Graph trained = NetCompiler.trainingGraph(forward, true);
        assertEquals(List.of(), Verifier.check(trained));
        assertEquals(forward.params().size(), trained.params().size());
        for (String k : trained.grads().keySet()) assertTrue(trained.param(k).trainable(), "a gradient of " + k);
    }
}
