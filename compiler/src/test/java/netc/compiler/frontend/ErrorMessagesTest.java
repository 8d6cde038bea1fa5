package netc.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import netc.compiler.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user sees for a malformed model: exit status 1 and, for each error, {@code file:line:col: error: message},
 * the source line and a caret under the place; never a stack trace or an internal error. Runs the command line
 * in-process, as {@code netc check}.
 */
class ErrorMessagesTest {
    @TempDir
    Path tmp;

    /** The start of every test model: line 1 is {@code model M {}, lines 2 to 4 declare x, y and t. */
    static final String HEAD = """
            model M {
              input x: float[batch, 784]
              input y: int[batch]
              input t: float[batch, 1]
            """;

    record Run(int status, String out, String err) {
    }

    static Run netc(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    Run check(Path p) {
        return netc("check", p.toString());
    }

    private static final Pattern CARET = Pattern.compile("(?m)^ *\\^~*$");

    /** Output with no stack trace, no exception name and no internal error. */
    static void assertClean(Run r) {
        String all = r.out() + r.err();
        assertFalse(all.contains("Exception"), () -> "an exception reached the user:\n" + all);
        assertFalse(all.contains("\tat "), () -> "a stack trace reached the user:\n" + all);
        assertFalse(all.contains("internal error"), () -> "an internal error:\n" + all);
        assertFalse(all.contains("Error:") && !all.contains(": error:"), () -> "a Java error reached the user:\n" + all);
    }

    /** Exit 1 with a located error at {@code where} ("line:col") of {@code file} that names every key word. */
    static void assertError(Run r, Path file, String where, String... words) {
        assertClean(r);
        assertEquals(1, r.status(), () -> "exit status of a malformed model\n" + r.err());
        String place = file + ":" + where + ": error: ";
        assertTrue(r.err().contains(place), () -> "expected an error at " + place + "\n" + r.err());
        String line = r.err().lines().filter(l -> l.startsWith(place)).findFirst().orElseThrow();
        for (String w : words) assertTrue(line.contains(w), () -> "expected '" + w + "' in the message\n" + r.err());
        assertTrue(CARET.matcher(r.err()).find(), () -> "expected a caret line\n" + r.err());
        assertEquals("", r.out(), "nothing on standard output");
    }

    // ---- one case per kind of error, as data: src/test/resources/errors/*.net ----

    /** The error cases: each file is a model ending with the line {@code // expect: LINE:COL key words | more words}. */
    static Stream<Arguments> errors() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/errors"))) {
            return files.filter(f -> f.toString().endsWith(".net")).sorted().map(f -> Arguments.of(f.getFileName().toString(), f)).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void eachKindOfErrorIsLocated(String name, Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String expect = text.lines().filter(l -> l.startsWith("// expect: ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(name + " has no '// expect: LINE:COL words' line"));
        String[] parts = expect.substring("// expect: ".length()).split(" ", 2);
        Path p = write("m.net", text);
        assertError(check(p), p, parts[0], parts.length > 1 ? parts[1].split(" \\| ") : new String[0]);
    }

    @Test
    void severalErrorsInOneFileAreAllReported() throws IOException {
        Path p = write("m.net", HEAD + """
                  param W1: [784, 256]
                  h1 = x @ W2
                  h2 = relu(x) + zz
                  h3 = x @ W1
                  h3 = x
                  loss = x
                  train { batch = 0 }
                }
                """);
        Run r = check(p);
        assertError(r, p, "6:12", "unknown name 'W2'", "did you mean 'W1'?");
        assertError(r, p, "7:18", "unknown name 'zz'");
        assertError(r, p, "9:3", "'h3' is already defined");
        assertError(r, p, "10:10", "scalar");
        assertError(r, p, "11:19", "batch");
        assertTrue(r.err().strip().endsWith("5 errors"), r.err());
    }

    @Test
    void severalSyntaxErrorsAreReportedOnePerStatement() throws IOException {
        Path p = write("m.net", HEAD + """
                  a = x +* 2
                  b = relu(x,)
                  c = x 3
                  d = relu(x)
                  int = 3
                }
                """);
        Run r = check(p);
        assertError(r, p, "5:10", "unexpected '*'");
        assertError(r, p, "6:14", "unexpected ')'");
        assertError(r, p, "7:9", "unexpected number 3");
        assertError(r, p, "9:3", "'int'");
        assertTrue(r.err().strip().endsWith("4 errors"), r.err());
    }

    @Test
    void anErrorInsideADefNamesTheCall() throws IOException {
        Path p = write("m.net", HEAD + """
                  param W: [3, 3]
                  def block(a) = relu(a @ W)
                  h = block(x)
                }
                """);
        assertError(check(p), p, "6:23", "[batch, 784] @ [3, 3]", "called at line 7");
    }

    @Test
    void randomBinaryBytesAreRefusedWithAPlace() throws IOException {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Path p = tmp.resolve("junk.net");
        Files.write(p, junk);
        Run r = check(p);
        assertClean(r);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith(p + ":"), r.err());
        assertTrue(r.err().contains(": error: not a .net text file"), r.err());
        assertTrue(CARET.matcher(r.err()).find(), r.err());
    }

    @Test
    void binaryDataIsLocatedAtItsFirstNulByte() throws IOException {
        Path p = tmp.resolve("nul.net");
        Files.write(p, (HEAD + "  h = x\u0000\n}\n").getBytes(StandardCharsets.UTF_8));
        assertError(check(p), p, "5:8", "binary data", "0x00");
    }

    @Test
    void invalidUtf8IsLocatedAtItsFirstBadByte() throws IOException {
        byte[] head = (HEAD + "  // caf").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 3];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xe9; // Latin-1 é
        bytes[head.length + 1] = '\n';
        bytes[head.length + 2] = '}';
        Path p = tmp.resolve("latin1.net");
        Files.write(p, bytes);
        assertError(check(p), p, "5:9", "invalid UTF-8", "0xe9");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n\n", "// only a comment\n", "/* a block comment */"})
    void aFileWithoutAModelSaysSo(String text) throws IOException {
        Path p = write("empty.net", text);
        assertError(check(p), p, "1:1", "no model");
    }

    @Test
    void aFileThatIsNotThereIsOneLine() {
        Path p = tmp.resolve("nothere.net");
        Run r = check(p);
        assertClean(r);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("nothere.net") && r.err().contains("no such"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aDirectoryIsNotAModel() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("dir.net"));
        Run r = check(d);
        assertClean(r);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("directory"), r.err());
    }

    @Test
    void aVeryLongLineShowsAWindowAroundTheCaret() throws IOException {
        String sum = String.join(" + ", java.util.Collections.nCopies(3000, "x"));
        Path p = write("long.net", HEAD + "  h = " + sum + " + zz\n}\n");
        int col = ("  h = " + sum + " + ").length() + 1;
        Run r = check(p);
        assertError(r, p, "5:" + col, "unknown name 'zz'");
        for (String line : r.err().split("\n")) assertTrue(line.length() < 200, () -> "a line of " + line.length() + " characters");
    }

    @Test
    void deeplyNestedExpressionsDoNotCrash() throws IOException {
        String deep = "relu(".repeat(2000) + "x" + ")".repeat(2000);
        Path p = write("deep.net", HEAD + "  h = " + deep + "\n  loss = mean(h)\n}\n");
        Run r = check(p);
        assertClean(r);
        assertEquals(0, r.status(), r.err());
    }

    // ---- train and its flags ----

    @Test
    void trainWithoutALossSaysSo() throws IOException {
        Path p = write("noloss.net", HEAD + "  output h = relu(x)\n}\n");
        Run r = netc("train", p.toString(), "--data", "xor");
        assertClean(r);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("no loss"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of(new String[] {"--epochs", "0"}, "--epochs"),
                Arguments.of(new String[] {"--epochs", "-3"}, "--epochs"),
                Arguments.of(new String[] {"--batch", "0"}, "--batch"),
                Arguments.of(new String[] {"--lr", "0"}, "--lr"),
                Arguments.of(new String[] {"--lr", "-0.1"}, "--lr"),
                Arguments.of(new String[] {"--threads", "0"}, "--threads"),
                Arguments.of(new String[] {"--threads", "100000"}, "--threads"),
                Arguments.of(new String[] {"--epochs", "abc"}, "--epochs"),
                Arguments.of(new String[] {"--epochs", "99999999999"}, "--epochs"),
                Arguments.of(new String[] {"--lr", "fast"}, "--lr"),
                Arguments.of(new String[] {"--bogus"}, "--bogus"));
    }

    @ParameterizedTest
    @MethodSource("badFlags")
    void outOfRangeTrainFlagsAreOneLineErrors(String[] flags, String named) {
        List<String> args = new ArrayList<>(List.of("train", "../models/xor_mlp.net"));
        args.addAll(List.of(flags));
        Run r = netc(args.toArray(new String[0]));
        assertClean(r);
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(named), r.err());
        assertEquals("", r.out(), "nothing trained");
    }

    // ---- valid models pass ----

    static Stream<Path> exampleModels() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("../models"))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
            assertFalse(l.isEmpty(), "models/*.net");
            return l.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("exampleModels")
    void exampleModelsPassCheck(Path model) {
        Run r = check(model);
        assertClean(r);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("ok: "), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // CRLF line ends, a byte-order mark, non-ASCII in comments, the loss used by name
        "\uFEFF// ŷ = σ(x·W)\r\nmodel M {\r\n  input x: float[batch, 3]\r\n  param W: [3, 1]\r\n  loss = mean(x @ W)\r\n  output g = grad(loss, W)\r\n}\r\n",
        // continuation lines, pipes, layers, defs, constants, slices
        """
        def block(a) = a |> dense(8) |> relu
        model N {
          const hidden = 4
          input x: float[batch, 6]
          input y: int[batch]
          param W: [hidden, 3] = normal(0, 0.1)
          h = x[:, 1:5] |> block
          z = dense(h, hidden, name="proj") +
              1
          logits = relu(z) @ W
          output p = softmax(logits)
          loss = cross_entropy(logits, y) + 0.01 * l2(W)
          train {
            optimizer = sgd(lr=0.1, momentum=0.9)
            batch = 8
            epochs = 2
            metrics = [accuracy]
          }
        }
        """,
        // a sum of thousands of terms on one line
        "model L {\n  input x: float[batch, 2]\n  loss = mean(X)\n}\n"})
    void validModelsPassCheck(String text) throws IOException {
        String model = text.replace("mean(X)", "mean(" + String.join(" + ", java.util.Collections.nCopies(4000, "x")) + ")");
        Run r = check(write("ok.net", model));
        assertClean(r);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("ok: "), r.out());
    }

    // ---- fuzz: mutated example models are accepted or refused, never crash ----

    private static final String PUNCTUATION = "()[]{}:,=+-*/@^|>.\"#;!~`\\$%&?<'";

    /** One random edit: delete a token-ish span, duplicate a line, swap two characters or insert punctuation. */
    static String mutate(String s, Random r) {
        if (s.isEmpty()) return "model";
        switch (r.nextInt(4)) {
            case 0 -> {
                int i = r.nextInt(s.length());
                int j = i;
                if (Character.isLetterOrDigit(s.charAt(i))) {
                    while (j < s.length() && Character.isLetterOrDigit(s.charAt(j))) j++;
                } else {
                    j = Math.min(s.length(), i + 1 + r.nextInt(12));
                }
                return s.substring(0, i) + s.substring(j);
            }
            case 1 -> {
                List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
                int i = r.nextInt(lines.size());
                lines.add(r.nextInt(lines.size() + 1), lines.get(i));
                return String.join("\n", lines);
            }
            case 2 -> {
                char[] c = s.toCharArray();
                int i = r.nextInt(c.length), j = r.nextInt(c.length);
                char t = c[i];
                c[i] = c[j];
                c[j] = t;
                return new String(c);
            }
            default -> {
                int i = r.nextInt(s.length() + 1);
                return s.substring(0, i) + PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())) + s.substring(i);
            }
        }
    }

    @Test
    void mutatedModelsNeverCrashTheCompiler() throws IOException {
        List<Path> models = exampleModels().toList();
        // 150 mutants per model, or at least 40 when a slow or busy machine has used up the time share
        int perModel = 150, atLeast = 40, accepted = 0, refused = 0;
        long share = 8_000_000_000L / models.size();
        Path p = tmp.resolve("mutant.net");
        for (int m = 0; m < models.size(); m++) {
            String original = Files.readString(models.get(m));
            Random r = new Random(1000 + m);
            long start = System.nanoTime();
            for (int i = 0; i < perModel && (i < atLeast || System.nanoTime() - start < share); i++) {
                String text = original;
                for (int k = 1 + r.nextInt(3); k > 0; k--) text = mutate(text, r);
                Files.writeString(p, text);
                Run run = check(p);
                String all = run.out() + run.err();
                boolean bad = run.status() != 0 && run.status() != 1 || all.contains("Exception") || all.contains("\tat ")
                        || all.contains("internal error") || run.status() == 1 && !CARET.matcher(run.err()).find();
                if (bad) fail("mutant " + i + " of " + models.get(m) + " gave exit " + run.status() + ":\n" + all + "\n--- the mutant:\n" + text);
                if (run.status() == 0) accepted++;
                else refused++;
            }
        }
        assertTrue(refused > accepted, "most mutants are malformed: " + refused + " refused, " + accepted + " accepted");
    }
}
