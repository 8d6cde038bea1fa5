package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.codegen.JavaGenerator;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Printer;
import netc.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;

/**
 * Golden files for xor_mlp: the printed forward graph, the printed training graph after differentiation and
 * the passes, and the generated Java. Run with -Dnetc.updateGolden=true to rewrite them, then review the diff.
 */
class GoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final Path MODEL = Path.of("../models/xor_mlp.net");

    static void assertGolden(String file, String actual) throws IOException {
        Path p = GOLDEN.resolve(file);
        if (Boolean.getBoolean("netc.updateGolden")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(p, actual);
        }
        assertTrue(Files.exists(p), "missing golden file " + p + "; run with -Dnetc.updateGolden=true");
        assertEquals(Files.readString(p), actual, "output differs from " + p);
    }

    @Test
    void forwardGraph() throws IOException {
        Graph g = NetCompiler.parse(MODEL);
        assertEquals(java.util.List.of(), Verifier.check(g));
        assertGolden("xor_mlp.forward.txt", Printer.print(g));
    }

    @Test
    void backwardGraph() throws IOException {
        Graph g = Autodiff.differentiate(NetCompiler.parse(MODEL));
        assertEquals(java.util.List.of(), Verifier.check(g));
        assertGolden("xor_mlp.backward.txt", Printer.print(g));
    }

    @Test
    void optimizedTrainingGraph() throws IOException {
        assertGolden("xor_mlp.optimized.txt", Printer.print(NetCompiler.trainingGraph(NetCompiler.parse(MODEL), true)));
    }

    @Test
    void generatedCode() throws IOException {
        Graph g = NetCompiler.trainingGraph(NetCompiler.parse(MODEL), true);
        String java = NetCompiler.generate(g, JavaGenerator.Options.of("netc.models", "XorMLP")).toString();
        assertGolden("XorMLP.java.txt", java);
    }
}
