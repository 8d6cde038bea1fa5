package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The stages of the compiler depend only on the stages before them; the graph IR on nothing above it. */
class ArchitectureTest {
    static final Path SOURCES = Path.of("src/main/java/netc/compiler");
    static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?netc\\.compiler\\.(\\w+)\\.|netc\\.compiler\\.(\\w+)\\.[A-Z]");

    /** Each package and the packages of netc.compiler it may use: code generation asks ops for their kernels, never for ops by name. */
    static final Map<String, List<String>> ALLOWED = Map.of(
            "ir", List.of(),
            "codegen", List.of("ir"),
            "autodiff", List.of("ir", "ops"),
            "passes", List.of("ir", "ops", "autodiff"));

    @Test
    void theGraphIrAndTheStagesImportOnlyTheStagesBeforeThem() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : ALLOWED.entrySet()) {
            try (Stream<Path> files = Files.list(SOURCES.resolve(e.getKey()))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = IMPORT.matcher(Files.readString(f));
                    while (m.find()) {
                        String used = m.group(1) != null ? m.group(1) : m.group(2);
                        if (!used.equals(e.getKey()) && !e.getValue().contains(used)) wrong.add(f.getFileName() + " uses " + used);
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void theFacetsOfAnOpLiveWithTheStagesThatUseThem() {
        assertTrue(netc.compiler.autodiff.Differentiable.class.isInterface());
        assertTrue(netc.compiler.codegen.Kernel.class.isInterface());
        // an op lacks the facets it does not have: parameters have no kernel, constants no gradient
        assertTrue(!(netc.compiler.ops.Ops.PARAM instanceof netc.compiler.codegen.Kernel));
        assertTrue(!(netc.compiler.ops.Ops.CONST instanceof netc.compiler.autodiff.Differentiable));
        assertTrue(netc.compiler.ops.Ops.TANH instanceof netc.compiler.autodiff.Differentiable);
    }
}
