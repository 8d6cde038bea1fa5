package netc.compiler.frontend;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * "Did you mean" suggestions: the names students bring from maths, numpy and PyTorch first ({@code ln}: log,
 * {@code torch.relu}: relu), then the nearest known name by edit distance (an adjacent transposition counts as one
 * edit).
 */
final class Names {
    private Names() {
    }

    /**
     * The known name nearest to {@code name}, or null when none is close enough to suggest; at equal distances the
     * alphabetically first, so that the answer does not depend on the order of {@code known}.
     */
    static String nearest(String name, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name.toLowerCase(), k.toLowerCase());
            if (d < bestD || (d == bestD && k.compareTo(best) < 0)) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(1, Math.min(3, name.length() / 2)) ? best : null;
    }

    /** What netc calls the functions that other notations name otherwise (keys in lower case). */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("ln", "log"), Map.entry("exp2", "pow"),
            Map.entry("power", "pow"), Map.entry("absolute", "abs"), Map.entry("negative", "neg"), Map.entry("logistic", "sigmoid"),
            Map.entry("expit", "sigmoid"), Map.entry("logsoftmax", "log_softmax"), Map.entry("linear", "dense"),
            Map.entry("fc", "dense"), Map.entry("mm", "matmul"), Map.entry("bmm", "matmul"), Map.entry("dot", "matmul"),
            Map.entry("reduce_mean", "mean"), Map.entry("reduce_sum", "sum"), Map.entry("average", "mean"),
            Map.entry("view", "reshape"), Map.entry("cat", "concat"), Map.entry("concatenate", "concat"),
            Map.entry("batch_norm", "batchnorm"), Map.entry("batchnorm1d", "batchnorm"), Map.entry("batchnorm2d", "batchnorm"),
            Map.entry("max_pool2d", "maxpool"), Map.entry("max_pool1d", "maxpool"), Map.entry("maxpool2d", "maxpool"),
            Map.entry("avg_pool2d", "avgpool"), Map.entry("avg_pool1d", "avgpool"), Map.entry("avgpool2d", "avgpool"),
            Map.entry("crossentropyloss", "cross_entropy"), Map.entry("cross_entropy_loss", "cross_entropy"),
            Map.entry("nll_loss", "nll"), Map.entry("mse_loss", "mse"), Map.entry("mseloss", "mse"), Map.entry("l1_loss", "mae"),
            Map.entry("binary_cross_entropy", "bce"), Map.entry("bceloss", "bce"),
            Map.entry("binary_cross_entropy_with_logits", "bce_logits"), Map.entry("bcewithlogitsloss", "bce_logits"),
            Map.entry("smooth_l1_loss", "huber"), Map.entry("huber_loss", "huber"), Map.entry("heaviside", "step"));

    /** Module prefixes of other notations, which netc's functions do not take. */
    private static final Set<String> MODULES = Set.of("np", "numpy", "torch", "F", "nn", "torch.nn", "torch.nn.functional", "tf", "tf.nn", "math");

    /** " (did you mean 'x'?)" or "". */
    static String suggestion(String name, Collection<String> known) {
        int dot = name.lastIndexOf('.');
        if (dot > 0 && MODULES.contains(name.substring(0, dot))) {
            String bare = name.substring(dot + 1), n = known.contains(bare) ? bare : alias(bare, known);
            if (n == null) n = nearest(bare, known);
            return n == null ? " (netc's functions take no module prefix)" : " (did you mean '" + n + "'? netc's functions take no module prefix)";
        }
        String n = alias(name, known);
        if (n == null) n = nearest(name, known);
        return n == null ? "" : " (did you mean '" + n + "'?)";
    }

    private static String alias(String name, Collection<String> known) {
        String a = ALIASES.get(name.toLowerCase());
        return a != null && known.contains(a) ? a : null;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i][j - 1] + 1, d[i - 1][j] + 1), d[i - 1][j - 1] + c);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
