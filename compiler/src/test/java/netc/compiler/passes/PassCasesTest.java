package netc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Printer;
import netc.compiler.ir.Verifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The passes as "this graph in, this graph out", one case per file of {@code src/test/resources/passes}:
 * <pre>
 * // what the case shows (comment lines)
 * // run: differentiate, fold, dce
 *  param A: [2]
 *  loss = ...
 * // before
 * graph T { ... }
 * // after
 * graph T { ... }
 * </pre>
 * The model body (inside {@code model T { }}) is parsed; its printed graph must be the {@code before} text, if the
 * file has one; the steps of {@code run} (pass names, {@code differentiate}, or {@code training} for the whole
 * pipeline with differentiation) then run in order, each result verified; the printed result must be the
 * {@code after} text. Run with -Dnetc.updateGolden=true to rewrite the texts from what the passes give, then review
 * the diff.
 */
class PassCasesTest {
    static final Path CASES = Path.of("src/test/resources/passes");

    static Stream<Path> cases() throws IOException {
        return Files.list(CASES).filter(p -> p.toString().endsWith(".txt")).sorted();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void passGivesTheExpectedGraph(Path file) throws IOException {
        List<String> header = new ArrayList<>(), body = new ArrayList<>(), before = new ArrayList<>(), after = new ArrayList<>();
        List<String> section = header;
        boolean hasBefore = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            hasBefore |= line.equals("// before");
            if (line.equals("// before")) section = before;
            else if (line.equals("// after")) section = after;
            else if (section == header && !line.startsWith("//")) (section = body).add(line);
            else section.add(line);
        }
        String run = header.stream().filter(l -> l.startsWith("// run: ")).findFirst()
                .orElseThrow(() -> new AssertionError(file + " has no '// run: PASS, ...' line")).substring("// run: ".length());
        Graph g = NetCompiler.parse("t.net", "model T {\n" + String.join("\n", body) + "\n}\n");
        String in = Printer.print(g);
        for (String step : run.split(",\\s*")) {
            g = switch (step) {
                case "differentiate" -> Autodiff.differentiate(g);
                case "training" -> NetCompiler.trainingGraph(g, true);
                default -> Pipeline.named(step).run(g);
            };
            Verifier.verify(g, step);
        }
        String out = Printer.print(g);
        if (Boolean.getBoolean("netc.updateGolden")) {
            StringBuilder sb = new StringBuilder();
            for (String l : header) sb.append(l).append('\n');
            for (String l : body) sb.append(l).append('\n');
            if (hasBefore) sb.append("// before\n").append(in);
            sb.append("// after\n").append(out);
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
            return;
        }
        if (hasBefore) assertEquals(String.join("\n", before) + "\n", in, file + ": the graph before");
        assertEquals(String.join("\n", after) + "\n", out, file + ": the graph after " + run);
    }
}
