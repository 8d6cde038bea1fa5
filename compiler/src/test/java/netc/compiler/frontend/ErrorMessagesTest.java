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

    // ---- one case per kind of error: the model's body after HEAD, the place (line:col), key words ----

    static Stream<Arguments> errors() {
        return Stream.of(
                // syntax
                Arguments.of("syntax: operator without operand", "  h = x @ @ x\n}\n", "5:11", new String[] {"unexpected '@'", "expected an expression"}),
                Arguments.of("syntax: unclosed parenthesis", "  h = relu(x\n  loss = mean(h)\n}\n", "5:11", new String[] {"unclosed '('", "')'"}),
                Arguments.of("syntax: stray brace", "  h = relu(x)\n}\n}\n", "7:1", new String[] {"unexpected '}'", "no open '{'"}),
                Arguments.of("syntax: unclosed model", "  h = relu(x)\n", "1:9", new String[] {"unclosed '{'", "'}'"}),
                Arguments.of("syntax: two statements on a line", "  h = x  k = x\n}\n", "5:10", new String[] {"unexpected name 'k'", "end of line"}),
                Arguments.of("syntax: string where a dimension goes", "  param W: [\"a\", 3]\n}\n", "5:13", new String[] {"unexpected string \"a\""}),
                Arguments.of("syntax: unterminated string", "  param W: [3, 3] = constant(\"a)\n}\n", "5:30", new String[] {"unterminated string"}),
                Arguments.of("syntax: non-ASCII name", "  hé = relu(x)\n}\n", "5:4", new String[] {"unexpected character 'é'", "ASCII"}),
                Arguments.of("syntax: reserved word as a name", "  int = 3\n}\n", "5:3", new String[] {"'int' is a reserved word"}),
                Arguments.of("syntax: second model on the same line", "} model N {\n}\n", "5:3", new String[] {"unexpected 'model'"}),
                Arguments.of("syntax: second model", "}\nmodel N {\n}\n", "6:7", new String[] {"one model per file", "'N'"}),
                // shapes
                Arguments.of("shape: matmul inner dimensions", "  param W1: [700, 256]\n  h = x @ W1\n}\n", "6:7",
                        new String[] {"x @ W1: [batch, 784] @ [700, 256]: inner dimensions 784 and 700 differ"}),
                Arguments.of("shape: broadcast", "  param b: [5]\n  h = x + b\n}\n", "6:7", new String[] {"[batch, 784]", "[5]", "broadcast"}),
                Arguments.of("shape: loss target", "  param W: [784, 2]\n  loss = mse(x @ W, t)\n}\n", "6:10", new String[] {"mse", "[batch, 2]", "[batch, 1]"}),
                Arguments.of("shape: class indices", "  loss = cross_entropy(x, t)\n}\n", "5:10", new String[] {"cross_entropy", "[batch, 1]", "[batch, 784]"}),
                Arguments.of("shape: zero dimension", "  param W: [0, 3]\n}\n", "5:13", new String[] {"positive", "0"}),
                Arguments.of("shape: huge dimension", "  param W: [99999999999]\n}\n", "5:13", new String[] {"99999999999", "too large"}),
                Arguments.of("shape: huge parameter", "  param W: [100000, 100000]\n}\n", "5:9", new String[] {"'W'", "10,000,000,000 elements"}),
                Arguments.of("shape: unknown dimension name", "  input z: float[batch, n]\n}\n", "5:25", new String[] {"'n'", "not a known constant"}),
                Arguments.of("shape: fractional constant dimension", "  const n = 2.5\n  param W: [n]\n}\n", "6:13", new String[] {"'n'", "not an integer"}),
                // names
                Arguments.of("names: unknown with suggestion", "  param W3: [784, 10]\n  h = x @ W4\n}\n", "6:11", new String[] {"unknown name 'W4'", "did you mean 'W3'?"}),
                Arguments.of("names: unknown function with suggestion", "  h = relux(x)\n}\n", "5:7", new String[] {"unknown function 'relux'", "did you mean 'relu'?"}),
                Arguments.of("names: a maths name", "  h = ln(x)\n}\n", "5:7", new String[] {"unknown function 'ln'", "did you mean 'log'?"}),
                Arguments.of("names: a PyTorch name", "  h = mse_loss(x, x)\n}\n", "5:7", new String[] {"unknown function 'mse_loss'", "did you mean 'mse'?"}),
                Arguments.of("names: a module prefix", "  h = np.exp(x)\n}\n", "5:7",
                        new String[] {"unknown function 'np.exp'", "did you mean 'exp'? netc's functions take no module prefix"}),
                Arguments.of("names: a module prefix and a PyTorch name", "  h = torch.nn.functional.max_pool2d(x, 2)\n}\n", "5:7",
                        new String[] {"did you mean 'maxpool'? netc's functions take no module prefix"}),
                Arguments.of("names: used before definition", "  h = g + 1\n  g = x * 2\n}\n", "5:7", new String[] {"'g'", "before its definition at line 6"}),
                Arguments.of("names: reassignment", "  h = x * 2\n  h = x * 3\n}\n", "6:3", new String[] {"'h' is already defined at line 5"}),
                Arguments.of("names: function used as a value", "  h = relu\n}\n", "5:7", new String[] {"'relu' is a function"}),
                Arguments.of("names: recursive def", "  def f(a) = f(a) + 1\n  h = f(x)\n}\n", "5:14", new String[] {"'f' calls itself", "recursive"}),
                Arguments.of("names: def parameter twice", "  def f(a, a) = a\n}\n", "5:7", new String[] {"'f'", "two parameters named 'a'"}),
                // loss
                Arguments.of("loss: not a scalar", "  loss = x\n}\n", "5:10", new String[] {"scalar", "[batch, 784]", "mean(...)"}),
                Arguments.of("loss: defined twice", "  loss = mean(x)\n  loss = sum(x)\n}\n", "6:3", new String[] {"loss is already defined at line 5"}),
                Arguments.of("loss: a number", "  loss = 3\n}\n", "5:10", new String[] {"loss must depend on the model"}),
                // train block
                Arguments.of("train: unknown optimizer", "  loss = mean(x)\n  train { optimizer = adma(lr=1) }\n}\n", "6:23", new String[] {"unknown optimizer 'adma'", "did you mean 'adam'?"}),
                Arguments.of("train: negative batch", "  loss = mean(x)\n  train { batch = -1 }\n}\n", "6:19", new String[] {"batch", "positive", "-1"}),
                Arguments.of("train: fractional epochs", "  loss = mean(x)\n  train { epochs = 1.5 }\n}\n", "6:20", new String[] {"epochs", "integer"}),
                Arguments.of("train: unknown setting", "  loss = mean(x)\n  train { epoch = 3 }\n}\n", "6:11", new String[] {"unknown training setting 'epoch'", "did you mean 'epochs'?"}),
                Arguments.of("train: optimizer argument", "  loss = mean(x)\n  train { optimizer = sgd(lr=\"fast\") }\n}\n", "6:27", new String[] {"'lr' must be a number"}),
                Arguments.of("train: unknown metric", "  loss = mean(x)\n  train { metrics = [acuracy] }\n}\n", "6:22", new String[] {"unknown metric 'acuracy'", "did you mean 'accuracy'?"}),
                Arguments.of("train: two blocks", "  loss = mean(x)\n  train { batch = 2 }\n  train { epochs = 2 }\n}\n", "7:3", new String[] {"one train block"}),
                // built-ins
                Arguments.of("args: missing units", "  h = dense(x)\n}\n", "5:7", new String[] {"dense needs argument 'units'"}),
                Arguments.of("args: unknown named argument", "  h = dense(x, 10, foo=1)\n}\n", "5:20", new String[] {"dense has no argument 'foo'"}),
                Arguments.of("args: empty layer name", "  h = dense(x, 10, name=\"\")\n}\n", "5:20", new String[] {"a layer name may not be empty"}),
                Arguments.of("args: layer name with a tab", "  h = dense(x, 10, name=\"a\tb\")\n}\n", "5:20", new String[] {"may not hold control characters"}),
                Arguments.of("args: too many positional", "  h = relu(x, 2)\n}\n", "5:15", new String[] {"relu takes at most 1 positional argument"}),
                Arguments.of("args: given twice", "  h = relu(x, x=x)\n}\n", "5:15", new String[] {"argument 'x' given twice"}),
                Arguments.of("args: string for a number", "  h = dropout(x, \"a\")\n}\n", "5:18", new String[] {"'p' must be a number"}),
                Arguments.of("args: dropout out of range", "  h = dropout(x, 1.5)\n}\n", "5:18", new String[] {"dropout probability", "1.5"}),
                Arguments.of("index: a backward slice that selects nothing", "  h = x[:, 1:4:-1]\n}\n", "5:12", new String[] {"empty slice of dimension 1"}),
                Arguments.of("args: pad of odd length", "  h = pad(x, [1, 2, 3])\n}\n", "5:14", new String[] {"pad takes [left, right] or [left, right, top, bottom]"}),
                Arguments.of("args: softmax axis out of range", "  h = softmax(x, axis=2)\n}\n", "5:18", new String[] {"softmax: axis 2 is out of range for shape [batch, 784]"}),
                Arguments.of("args: reduction axis out of range", "  h = sum(x, axis=5)\n}\n", "5:14", new String[] {"axis 5 is out of range", "[batch, 784]"}),
                Arguments.of("args: units beyond an int", "  h = dense(x, 3000000000)\n}\n", "5:16", new String[] {"3000000000"}),
                Arguments.of("args: reshape to a bad size", "  h = reshape(x, [-1, 0])\n}\n", "5:18", new String[] {"reshape", "positive"}),
                // initializers
                Arguments.of("init: unknown with suggestion", "  param W: [3, 3] = hee\n}\n", "5:21", new String[] {"unknown initializer 'hee'", "did you mean 'he'?"}),
                Arguments.of("init: another library's name", "  param W: [3, 3] = glorot\n}\n", "5:21", new String[] {"unknown initializer 'glorot'", "did you mean 'xavier'?"}),
                Arguments.of("init: negative std", "  param W: [3, 3] = normal(0, -1)\n}\n", "5:31", new String[] {"std", "-1"}),
                // indexing
                Arguments.of("index: out of range", "  h = x[:, 784]\n}\n", "5:12", new String[] {"index 784 is out of range", "size 784"}),
                Arguments.of("index: too many", "  h = x[0, 1, 2]\n}\n", "5:7", new String[] {"too many indices", "[batch, 784]"}),
                Arguments.of("index: not an integer", "  h = x[:, 1.5]\n}\n", "5:12", new String[] {"integers"}),
                Arguments.of("index: symbolic dimension", "  h = x[1]\n}\n", "5:9", new String[] {"symbolic dimension 'batch'"}),
                Arguments.of("index: zero step", "  h = x[:, ::0]\n}\n", "5:14", new String[] {"a slice step cannot be zero"}),
                Arguments.of("index: empty slice", "  h = x[:, 5:2]\n}\n", "5:12", new String[] {"empty slice"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void eachKindOfErrorIsLocated(String what, String body, String where, String[] words) throws IOException {
        Path p = write("m.net", HEAD + body);
        assertError(check(p), p, where, words);
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
