package netc.runtime.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.IoErrors;

/**
 * {@code text:FILE}: next-character prediction on a text file. Each sample is a window of the context length (the
 * first input, int[N]) and either the character that follows it (a second input int) or the window shifted by one
 * character (a second input int[N]: a target at every position). Characters are indices of
 * {@link CharVocab}. The text is cut in chunks of {@value #CHUNK} characters; every tenth chunk is held out as the
 * test split, so both splits come from the whole text.
 */
final class TextSource {
    static final String PREFIX = "text:";
    static final int CHUNK = 200;

    private TextSource() {
    }

    static DataSet load(Path file, List<InputSpec> inputs, boolean test) {
        String name = PREFIX + file;
        int context = inputs.size() == 2 && inputs.get(0).sampleShape().length == 1 ? inputs.get(0).sampleShape()[0] : -1;
        if (context < 1 || !inputs.get(0).isInt() || !inputs.get(1).isInt()
                || (inputs.get(1).sampleSize() != 1 && inputs.get(1).sampleSize() != context)) {
            throw new UserError(name + ": needs a model with two int inputs: a context window int[batch, N] and the next character"
                    + " int[batch] or the next N characters int[batch, N]");
        }
        int targets = inputs.get(1).sampleSize();
        int[] text = split(read(file), test);
        int n = text.length - context;
        if (n <= 0) throw new UserError(name + ": the " + (test ? "test" : "training") + " text has " + text.length + " characters, fewer than the context of " + context);
        int[] windows = new int[n * context], next = new int[n * targets];
        for (int i = 0; i < n; i++) {
            System.arraycopy(text, i, windows, i * context, context);
            System.arraycopy(text, i + context + 1 - targets, next, i * targets, targets);
        }
        Map<String, Tensor> cols = new LinkedHashMap<>();
        cols.put(inputs.get(0).name(), Tensor.ofInts(new int[] {n, context}, windows));
        cols.put(inputs.get(1).name(), Tensor.ofInts(targets == 1 ? new int[] {n} : new int[] {n, targets}, next));
        return new DataSet(name, cols);
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError(PREFIX + file + ": " + IoErrors.describe(e));
        }
    }

    /** The training (9 of every 10 chunks) or test (every tenth chunk) characters. */
    static int[] split(String text, boolean test) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0, start = 0; start < text.length(); c++, start += CHUNK) {
            if ((c % 10 == 9) == test) sb.append(text, start, Math.min(text.length(), start + CHUNK));
        }
        return CharVocab.encode(sb);
    }

    /**
     * The unigram baseline: the cross-entropy (nats per character) of the test characters under the training text's
     * character frequencies (add-one smoothed). A language model should do much better.
     */
    static double unigramBaseline(Path file) {
        String text = read(file);
        int[] train = split(text, false), test = split(text, true);
        double[] counts = new double[CharVocab.SIZE];
        java.util.Arrays.fill(counts, 1);
        for (int c : train) counts[c]++;
        double total = train.length + CharVocab.SIZE;
        double loss = 0;
        for (int c : test) loss -= Math.log(counts[c] / total);
        return loss / Math.max(1, test.length);
    }
}
