package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.Cli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command and option is described where a user looks: {@code netc help COMMAND} gives each option a
 * description, and the synopsis at the top of docs/cli.md lists every command with all of its options.
 */
class HelpAndDocsTest {
    static final Path CLI_MD = Path.of("../docs/cli.md");

    static Map<String, CommandLine> commands() {
        Map<String, CommandLine> m = new LinkedHashMap<>(new CommandLine(new Main()).getSubcommands());
        m.remove("help");
        return m;
    }

    @Test
    void helpDescribesEveryOption() {
        List<String> bare = new ArrayList<>();
        commands().forEach((name, cl) -> {
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                if (!o.usageHelp() && !o.versionHelp() && String.join("", o.description()).isBlank()) bare.add(name + " " + o.longestName());
            }
            Cli help = Cli.run("help", name);
            assertEquals(0, help.status(), help.err());
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                assertTrue(help.out().contains(o.longestName()), name + ": " + o.longestName() + " in\n" + help.out());
            }
        });
        assertEquals(List.of(), bare, "options without a description");
    }

    @Test
    void theReadmesPomIsTheQuickstartSampleThatTheBuildCompiles() throws IOException {
        String readme = Files.readString(Path.of("../README.md")), pom = Files.readString(Path.of("../samples/quickstart/pom.xml"));
        assertTrue(readme.contains("```xml\n" + pom + "```"), "README.md shows samples/quickstart/pom.xml word for word");
        assertTrue(Files.readString(Path.of("../pom.xml")).contains("<module>samples/quickstart</module>"), "and the build compiles it");
        assertTrue(!pom.contains("<parent>"), "from nothing but itself");
    }

    @Test
    void theSynopsisListsEveryCommandAndOption() throws IOException {
        String md = Files.readString(CLI_MD);
        int start = md.indexOf("```\n") + 4;
        String synopsis = md.substring(start, md.indexOf("```", start));
        List<String> missing = new ArrayList<>();
        commands().forEach((name, cl) -> {
            // the command's entries: each of its lines with the continuation lines below
            StringBuilder entries = new StringBuilder();
            for (int at = synopsis.indexOf("netc " + name + " "); at >= 0; at = synopsis.indexOf("\nnetc " + name + " ", at + 1)) {
                int next = synopsis.indexOf("\nnetc ", at + 1);
                entries.append(synopsis, at, next < 0 ? synopsis.length() : next);
            }
            String entry = entries.toString();
            if (entry.isEmpty()) {
                missing.add("netc " + name);
                return;
            }
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                if (!entry.contains(o.longestName()) && !entry.contains(o.shortestName())) missing.add("netc " + name + " " + o.longestName());
            }
        });
        assertEquals(List.of(), missing, "not in the synopsis of docs/cli.md");
    }
}
