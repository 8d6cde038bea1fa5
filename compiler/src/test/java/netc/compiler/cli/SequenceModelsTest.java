package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import netc.compiler.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model over a symbolic sequence length, from the command line: the train block's {@code seq = N}, training and sampling. */
class SequenceModelsTest {
    @TempDir
    static Path tmp;

    /** A one-block causal transformer small enough to train in seconds. */
    static final String TINY_GPT = """
            model TinyGPT {
              const d = 16
              input tok:  int[batch, seq]
              input next: int[batch, seq]
              param pos: [32, d] = normal(0, 0.02)
              h = embedding(tok, 96, d, name="emb") + pos[0:seq]
              a = h + self_attention(layer_norm(h, name="ln1"), heads=2, causal=true, name="att")
              b = a + dense(gelu(dense(layer_norm(a, name="ln2"), 4 * d, name="fc")), d, name="proj")
              logits = dense(layer_norm(b, name="ln_f"), 96, name="head")
              output probs = softmax(logits)
              loss = cross_entropy(logits, next)
              train {
                SEQ
                optimizer = adam(lr=1e-2)
                batch = 16
                epochs = 2
                seed = 7
                metrics = [accuracy]
                data = "text:rhyme.txt"
              }
            }
            """;

    static Path text;

    @BeforeAll
    static void data() throws IOException {
        text = Files.writeString(tmp.resolve("rhyme.txt"), "the cat sat on the mat and the dog sat on the log.\n".repeat(60));
    }

    static Path model(String name, String seqLine) throws IOException {
        return Files.writeString(tmp.resolve(name), TINY_GPT.replace("SEQ", seqLine));
    }

    @Test
    void theTrainBlockSetsTheSequenceLengthAndSamplingUsesTheTextSoFar() throws IOException {
        Path m = model("gpt.net", "seq = 12");
        Path w = tmp.resolve("gpt.safetensors");
        Cli r = Cli.run("train", m, "--json", "--save", w, "--threads", 1);
        assertEquals(0, r.status(), r.err());
        JsonObject j = KerasHabitsTest.json(r);
        double loss = j.get("test_loss").getAsDouble();
        // a uniform guess costs ln 96 = 4.56 nats a character; this text repeats one line, which two epochs learn well
        assertTrue(loss < 1.5, "test loss " + loss);
        assertTrue(j.get("test_accuracy").getAsDouble() > 0.6, j.toString());
        Cli e = Cli.run("evaluate", m, "--weights", w, "--json");
        assertEquals(0, e.status(), e.err());
        assertEquals(loss, KerasHabitsTest.json(e).get("loss").getAsDouble(), 1e-6);

        // the prompt is shorter than the trained window, and the text grows past it: both lengths run on one class
        Cli s = Cli.run("sample", m, "--weights", w, "--prompt", "the c", "--length", 40, "--temperature", 0);
        assertEquals(0, s.status(), s.err());
        // greedy: the window learnt the line's words (after "sat on the " both "mat" and "log" were seen)
        assertTrue(s.out().startsWith("the cat sat on the "), s.out());
        assertEquals("the c".length() + 40 + 1, s.out().length(), "the prompt, 40 characters and a new line");
    }

    @Test
    void aSequenceLengthIsNeededAndCheckedForData() throws IOException {
        Path none = model("none.net", "");
        assertRefused(Cli.run("train", none),
                none + ": the data needs a value of the symbolic dimension 'seq'; set it in the train block, such as seq = 64");
        Path typo = model("typo.net", "seqq = 12");
        Cli check = Cli.run("check", typo);
        assertEquals(1, check.status());
        assertTrue(check.err().contains("unknown training setting 'seqq' (did you mean 'seq'?)"), check.err());
        Path zero = model("zero.net", "seq = 0");
        Cli z = Cli.run("check", zero);
        assertEquals(1, z.status());
        assertTrue(z.err().contains(zero + ":13:11: error: seq must be a positive integer, got 0"), z.err());
    }

    @Test
    void compileStatsShowTheTransformersKernels() throws IOException {
        Path m = model("stats.net", "seq = 12");
        Cli r = Cli.run("compile", m, "--stats", "-o", tmp.resolve("src"));
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        // three layer norms, each one kernel forward and a kernel for x's gradient and one for the parameters' backward
        assertEquals(3, count(out, ": mean, variance, normalisation, scale and shift in one pass over each row"), out);
        assertEquals(3, count(out, ": the row statistics again, then the gradient in x in one pass over each row"), out);
        assertEquals(3, count(out, ": the gradients of weight and bias together in one pass over the rows"), out);
        assertEquals(1, count(out, "= attention_softmax("), out);
        assertTrue(out.contains(": scale, causal mask and softmax in one pass over each row"), out);
        assertTrue(out.contains("mul($0, gelu_slope($1))"), "gelu's gradient is one pass: " + out);
        assertTrue(out.matches("(?s).*\\nin place: (%\\d+ over %\\d+, ){5,}.*"), "values written over others: " + out);
        assertTrue(out.matches("(?s).*\\nmemory at batch 16: [\\d,]+ bytes planned .*\\((\\d|[1-4]\\d)%\\)\\n.*"), out);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
