package netc.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import netc.compiler.Cli;
import netc.compiler.ir.Dot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names a user chose (layers, models, outputs) go into DOT, SVG, HTML and JSON escaped: a hostile name stays text and
 * never becomes markup, a link or an attribute. A property over random strings for each escaping, and the whole
 * path through Graphviz for a name made to inject a link.
 */
class HostileNamesTest {
    @TempDir
    Path tmp;

    /** A name that ends the DOT string and adds a link of its own, and one with markup. */
    static final String LINK = "x\\\", URL=\\\"javascript:alert(document.domain)\\\", label=\\\"click me";
    static final String MARKUP = "<script>alert(1)</script>&amp;'\\\\";

    static final String MODEL = """
            model Hostile {
              input x: float[batch, 2]
              input y: int[batch]
              h = dense(x, 4, name="%s")
              logits = dense(relu(h), 2, name="%s")
              output p = softmax(logits)
              loss = cross_entropy(logits, y)
              train {
                epochs = 1
                data = "xor"
              }
            }
            """.formatted(LINK, MARKUP);

    /** Strings of the characters that matter to DOT, XML and HTML, and some others. */
    static String random(SplittableRandom r) {
        String alphabet = "\"\\<>&'; =\n\t\r\u0000\u007fabcNGEL#/:é😀";
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(12); i > 0; i--) sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        return sb.toString();
    }

    @Test
    void dotEscapingKeepsAnyStringInsideItsQuotes() {
        SplittableRandom r = new SplittableRandom(13);
        for (int i = 0; i < 20_000; i++) {
            String s = random(r), e = Dot.escape(s);
            // no line break, no control character, every quote escaped and every backslash paired
            assertFalse(e.chars().anyMatch(Character::isISOControl), e);
            for (int k = 0; k < e.length(); k++) {
                if (e.charAt(k) == '\\') {
                    k++;
                    assertTrue(k < e.length() && "\\\"n".indexOf(e.charAt(k)) >= 0, () -> "lone backslash in " + e);
                } else {
                    assertTrue(e.charAt(k) != '"', () -> "bare quote in " + e);
                }
            }
        }
    }

    @Test
    void htmlEscapingLeavesNoMarkup() {
        SplittableRandom r = new SplittableRandom(17);
        Pattern entity = Pattern.compile("&(amp|lt|gt|quot|#39);");
        for (int i = 0; i < 20_000; i++) {
            String s = random(r), e = Html.escape(s);
            assertTrue(e.chars().noneMatch(c -> c == '<' || c == '>' || c == '"' || c == '\''), e);
            assertEquals(-1, entity.matcher(e).replaceAll("").indexOf('&'), e);
            String back = e.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
            assertEquals(s, back);
        }
    }

    @Test
    void aNameMadeToInjectALinkStaysTextInTheGraphAndTheReport() throws IOException {
        Path model = Files.writeString(tmp.resolve("hostile.net"), MODEL);
        Path svg = tmp.resolve("g.svg"), dot = tmp.resolve("g.dot"), report = tmp.resolve("r.html");
        Cli g = Cli.run("graph", model, "-o", svg);
        assertEquals(0, g.status(), g.err());
        Cli d = Cli.run("graph", model, "-o", dot);
        assertEquals(0, d.status(), d.err());
        Cli t = Cli.run("train", model, "--report", report, "--json");
        assertEquals(0, t.status(), t.err());
        for (Path p : new Path[] {svg, report}) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            assertFalse(text.contains("<a ") || text.contains("href") || text.contains("<script"), p + " holds markup from a name");
            assertTrue(text.contains("javascript:alert(document.domain)"), p + " shows the name as text");
        }
        String dotText = Files.readString(dot, StandardCharsets.UTF_8);
        assertFalse(Pattern.compile("[^\\\\]\", URL=").matcher(dotText).find(), dotText);
        assertTrue(t.lastLine().startsWith("{\"epochs\":1"), t.lastLine());
    }
}
