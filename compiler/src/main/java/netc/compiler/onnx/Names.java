package netc.compiler.onnx;

import java.util.HashSet;
import java.util.Set;

/**
 * ONNX names as {@code .net} identifiers, by one rule: every character outside {@code [A-Za-z0-9_]} becomes {@code _},
 * and a name that then starts with a digit, is empty or is a keyword gets a leading {@code _} ({@code input.1} →
 * {@code input_1}, {@code 0} → {@code _0}, {@code input} → {@code _input}). Two ONNX names that meet in one
 * identifier are told apart by a suffix {@code _2}, {@code _3}, ... on the later one.
 */
final class Names {
    /** The keywords of the language (and its two boolean values), which cannot name a value. */
    static final Set<String> KEYWORDS = Set.of("model", "input", "param", "const", "output", "loss", "def", "train", "float",
            "int", "true", "false");

    private final Set<String> taken = new HashSet<>();

    /** The identifier of an ONNX name by the rule, before any suffix. */
    static String sanitise(String onnx) {
        StringBuilder b = new StringBuilder(onnx.length() + 1);
        for (int i = 0; i < onnx.length(); i++) {
            char c = onnx.charAt(i);
            b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        String s = b.toString();
        if (s.isEmpty() || Character.isDigit(s.charAt(0)) || KEYWORDS.contains(s)) s = "_" + s;
        return s;
    }

    /** A new identifier for {@code onnx}: the sanitised name, with a suffix if another value has it already. */
    String fresh(String onnx) {
        return claim(sanitise(onnx));
    }

    /** {@code base}, or {@code base_2}, {@code base_3}, ... whichever is free first; taken from then on. */
    String claim(String base) {
        String s = base;
        for (int n = 2; !taken.add(s); n++) s = base + "_" + n;
        return s;
    }
}
