package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.ListTokenSource;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenSource;
import netc.grammar.NetLexer;

/**
 * Keeps only the newlines that end a statement. A line continues inside brackets, after a binary operator,
 * {@code |>}, {@code ,}, {@code =} or {@code :}, and when the next line starts with {@code |>} or a binary
 * operator other than {@code -} (which would read as a negation).
 */
final class NewlineFilter {
    private static final Set<String> CONTINUES_AFTER = Set.of("+", "-", "*", "/", "@", "^", "|>", ",", "=", ":", "(", "[");
    private static final Set<String> CONTINUES_BEFORE = Set.of("|>", "+", "*", "/", "@", "^", ")", "]");

    private NewlineFilter() {
    }

    static TokenSource filter(NetLexer lexer) {
        return filter(tokens(lexer));
    }

    /** Every token of the lexer, ending with EOF. */
    static List<Token> tokens(NetLexer lexer) {
        List<Token> all = new ArrayList<>();
        for (Token t = lexer.nextToken(); ; t = lexer.nextToken()) {
            all.add(t);
            if (t.getType() == Token.EOF) break;
        }
        return all;
    }

    static TokenSource filter(List<Token> all) {
        List<Token> kept = new ArrayList<>();
        int depth = 0;
        for (int i = 0; i < all.size(); i++) {
            Token t = all.get(i);
            if (t.getType() != NetLexer.NL) {
                String s = op(t);
                if (s.equals("(") || s.equals("[")) depth++;
                if ((s.equals(")") || s.equals("]")) && depth > 0) depth--;
                kept.add(t);
                continue;
            }
            if (depth > 0) continue;
            Token prev = kept.isEmpty() ? null : kept.get(kept.size() - 1);
            if (prev == null || prev.getType() == NetLexer.NL || CONTINUES_AFTER.contains(op(prev))) continue;
            Token next = null;
            for (int j = i + 1; j < all.size(); j++) {
                if (all.get(j).getType() != NetLexer.NL) {
                    next = all.get(j);
                    break;
                }
            }
            if (next != null && CONTINUES_BEFORE.contains(op(next))) continue;
            kept.add(t);
        }
        return new ListTokenSource(kept);
    }

    /** The token's text when it is an operator or punctuation, else "". */
    private static String op(Token t) {
        int type = t.getType();
        if (type == NetLexer.STRING || type == NetLexer.ID || type == NetLexer.INT || type == NetLexer.FLOAT
                || type == Token.EOF) {
            return "";
        }
        return t.getText();
    }
}
