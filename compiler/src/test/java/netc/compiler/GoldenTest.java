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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden files for xor_mlp: the printed forward graph, the printed training graph after differentiation and
 * the passes, and the generated Java, which lenet and char_lstm have too. Run with -Dnetc.updateGolden=true to rewrite them, then review the diff.
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

    @ParameterizedTest
    @CsvSource({"xor_mlp, XorMLP", "lenet, LeNet", "char_lstm, CharLSTM"})
    void generatedCode(String model, String className) throws IOException {
        Graph g = NetCompiler.trainingGraph(NetCompiler.parse(Path.of("../models/" + model + ".net")), true);
        String java = NetCompiler.generate(g, JavaGenerator.Options.of("netc.models", className)).toString();
        assertGolden(className + ".java.txt", java);
    }

    /** The excerpt of the generated class in docs/architecture.md is the golden file's text, line for line, in order. */
    @Test
    void theArchitectureDocQuotesTheGeneratedCode() throws IOException {
        String doc = Files.readString(Path.of("../docs/architecture.md"));
        int at = doc.indexOf("An excerpt of `netc compile models/xor_mlp.net`");
        assertTrue(at >= 0, "the excerpt's heading");
        int from = doc.indexOf("```java\n", at) + "```java\n".length(), to = doc.indexOf("```", from);
        java.util.List<String> golden = Files.readAllLines(GOLDEN.resolve("XorMLP.java.txt"));
        int next = 0;
        for (String line : doc.substring(from, to).split("\n")) {
            if (line.strip().equals("...")) continue;
            int found = golden.subList(next, golden.size()).indexOf(line);
            assertTrue(found >= 0, "not in XorMLP.java.txt after line " + next + ": " + line);
            next += found + 1;
        }
    }
}
