package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ListTokenSource;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.tree.ParseTree;
import netc.compiler.frontend.Ast.*;
import netc.compiler.ir.Span;
import netc.grammar.NetLexer;
import netc.grammar.NetParser;

/** Parses {@code .net} text into the AST, collecting every syntax error with its place. */
public final class Parser {
    private final SourceText source;
    private final List<Diagnostic> errors = new ArrayList<>();

    private Parser(SourceText source) {
        this.source = source;
    }

    /** The file's AST; throws {@link CompileError} listing the syntax errors. */
    public static Ast.File parse(SourceText source) {
        return new Parser(source).run();
    }

    private Ast.File run() {
        NetLexer lexer = new NetLexer(CharStreams.fromString(source.text(), source.file()));
        lexer.removeErrorListeners();
        List<Token> tokens = NewlineFilter.tokens(lexer);
        if (tokens.stream().allMatch(t -> t.getType() == NetLexer.NL || t.getType() == Token.EOF)) {
            throw new CompileError(List.of(new Diagnostic(new Span(source.file(), 1, 1, 1),
                    "the file has no model; expected 'model Name { ... }'")), source);
        }
        // an unbalanced bracket derails the parser: it is reported instead of the syntax errors it causes
        Located bracket = brackets(tokens);
        List<Located> syntax = new ArrayList<>();
        CommonTokenStream stream = new CommonTokenStream(NewlineFilter.filter(tokens));
        NetParser p = parser(stream, syntax, tokens);
        NetParser.FileContext tree;
        try {
            tree = p.file();
            if (!syntax.isEmpty()) {
                // ANTLR's recovery reports the first error well and loses its footing after it; parse again,
                // leniently, to report one error for each statement that does not parse
                List<Located> first = new ArrayList<>(syntax);
                syntax.clear();
                CommonTokenStream again = new CommonTokenStream(NewlineFilter.filter(copies(tokens)));
                NetParser.FileLenientContext lenient = parser(again, syntax, tokens).fileLenient();
                for (NetParser.JunkContext j : junk(lenient, new ArrayList<>())) syntax.add(junkError(j, again));
                if (syntax.isEmpty()) syntax.addAll(first);
            }
        } catch (StackOverflowError e) {
            throw new CompileError(List.of(new Diagnostic(deepest(tokens),
                    "the file is nested too deeply to parse; split long expressions into several statements")), source);
        }
        // characters the lexer could not read are each reported once, whatever the parser made of them
        List<Located> all = new ArrayList<>();
        for (Token t : tokens) {
            if (isLexError(t) && all.size() < 20) all.add(describeError(t, t.getLine(), t.getCharPositionInLine(), "", null, tokens));
        }
        // an unclosed bracket throws every statement after it out of joint, so it is reported alone; a stray
        // closing one leaves the lines before it as they were
        if (bracket != null) all.add(bracket);
        boolean unclosed = bracket != null && bracket.diagnostic().message().startsWith("unclosed");
        for (Located l : syntax) {
            boolean before = bracket == null || l.diagnostic().span().line() < bracket.diagnostic().span().line();
            if (!l.lexical() && !unclosed && before) all.add(l);
        }
        all.sort(Comparator.comparingInt(Located::offset));
        for (Located l : all) errors.add(l.diagnostic());
        if (!errors.isEmpty()) throw new CompileError(errors, source);
        try {
            return file(tree);
        } catch (StackOverflowError e) {
            throw new CompileError(List.of(new Diagnostic(deepest(tokens),
                    "the file is nested too deeply to compile; split long expressions into several statements")), source);
        }
    }

    private NetParser parser(CommonTokenStream stream, List<Located> syntax, List<Token> tokens) {
        NetParser p = new NetParser(stream);
        p.removeErrorListeners();
        p.addErrorListener(new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> r, Object offending, int line, int col, String msg, RecognitionException e) {
                Token t = offending instanceof Token tok ? tok : null;
                if (syntax.size() < 20) syntax.add(describeError(t, line, col, msg, (NetParser) r, tokens));
            }
        });
        return p;
    }

    private static List<Token> copies(List<Token> tokens) {
        List<Token> l = new ArrayList<>();
        for (Token t : tokens) l.add(new CommonToken(t));
        return l;
    }

    /** The junk nodes of a parse tree, in source order. */
    private static List<NetParser.JunkContext> junk(ParseTree t, List<NetParser.JunkContext> found) {
        if (t instanceof NetParser.JunkContext j) {
            found.add(j);
            return found;
        }
        for (int i = 0; i < t.getChildCount(); i++) junk(t.getChild(i), found);
        return found;
    }

    /** The first syntax error of a junk statement, parsed alone by the rule for its place. */
    private Located junkError(NetParser.JunkContext j, CommonTokenStream stream) {
        List<Token> own = new ArrayList<>();
        for (Token t : stream.get(j.getStart().getTokenIndex(), j.getStop().getTokenIndex())) own.add(new CommonToken(t));
        List<Located> found = new ArrayList<>();
        NetParser p = parser(new CommonTokenStream(new ListTokenSource(own)), found, own);
        if (j.getParent() instanceof NetParser.TopLenientContext) p.topAlone();
        else if (j.getParent() instanceof NetParser.TrainLineContext) p.trainItemAlone();
        else p.stmtAlone();
        if (found.isEmpty()) return at(j.getStart(), "cannot parse this statement");
        Located first = found.get(0);
        // alone, the statement ends at the end of the "file"; in the file it ends at the end of the line
        Diagnostic d = first.diagnostic();
        return new Located(first.offset(), new Diagnostic(d.span(), d.message().replace("end of file", "end of line")
                .replace("end of line or end of line", "end of line")), first.lexical());
    }

    /** Where a file is nested deepest: the innermost bracket, or else the start of its longest line. */
    private Span deepest(List<Token> tokens) {
        int depth = 0, max = 0;
        Token at = null;
        for (Token t : tokens) {
            String x = t.getType() == NetLexer.STRING ? "" : t.getText();
            if (x != null && x.length() == 1 && OPENERS.contains(x) && ++depth > max) {
                max = depth;
                at = t;
            }
            if (x != null && x.length() == 1 && CLOSERS.contains(x)) depth--;
        }
        if (at != null && max >= 50) return span(at);
        int longest = 1;
        for (int i = 1; i <= source.lines().size(); i++) if (source.line(i).length() > source.line(longest).length()) longest = i;
        return new Span(source.file(), longest, 1, 1);
    }

    /** A diagnostic with the character offset of its place, to order and filter errors. */
    private record Located(int offset, Diagnostic diagnostic, boolean lexical) {
        Located(int offset, Diagnostic diagnostic) {
            this(offset, diagnostic, false);
        }
    }

    private static boolean isLexError(Token t) {
        int type = t.getType();
        return type == NetLexer.BAD_CHAR || type == NetLexer.UNTERMINATED_STRING || type == NetLexer.UNTERMINATED_COMMENT;
    }

    private static final String OPENERS = "([{", CLOSERS = ")]}";

    /** The first unbalanced bracket, or null: a closer that closes nothing or the wrong opener, or an opener never closed. */
    private Located brackets(List<Token> tokens) {
        List<Token> open = new ArrayList<>();
        for (Token t : tokens) {
            String x = t.getText();
            if (t.getType() == NetLexer.STRING || t.getType() == NetLexer.UNTERMINATED_STRING || x == null || x.length() != 1) continue;
            if (OPENERS.contains(x)) {
                open.add(t);
                continue;
            }
            int k = CLOSERS.indexOf(x);
            if (k < 0) continue;
            String opener = String.valueOf(OPENERS.charAt(k));
            if (open.isEmpty()) {
                return at(t, "unexpected '" + x + "'; there is no open '" + opener + "' for it to close");
            }
            Token top = open.get(open.size() - 1);
            if (top.getText().equals(opener)) {
                open.remove(open.size() - 1);
                continue;
            }
            boolean closesOuter = open.stream().anyMatch(o -> o.getText().equals(opener));
            if (closesOuter) return unclosed(top, "'" + x + "' at line " + t.getLine());
            if (top.getText().equals("{")) return at(t, "unexpected '" + x + "'; there is no open '" + opener + "' for it to close");
            return at(t, "unexpected '" + x + "'; expected '" + closer(top) + "' to close '" + top.getText() + "' at "
                    + top.getLine() + ":" + (top.getCharPositionInLine() + 1));
        }
        return open.isEmpty() ? null : unclosed(open.get(open.size() - 1), "the end of the file");
    }

    private Located unclosed(Token opener, String before) {
        return at(opener, "unclosed '" + opener.getText() + "': expected '" + closer(opener) + "' before " + before);
    }

    private static String closer(Token opener) {
        return String.valueOf(CLOSERS.charAt(OPENERS.indexOf(opener.getText())));
    }

    private Located at(Token t, String message) {
        return new Located(t.getStartIndex(), new Diagnostic(span(t), message));
    }

    /** A syntax error in the language's words: what was found, what was expected, at the found token's place. */
    private Located describeError(Token t, int line, int col, String msg, NetParser p, List<Token> tokens) {
        if (t == null) return new Located(0, new Diagnostic(new Span(source.file(), line, col + 1, 1), clean(msg)));
        int type = t.getType();
        String message;
        if (type == NetLexer.BAD_CHAR) {
            String c = t.getText();
            message = "unexpected character '" + c + "'" + (c.codePoints().anyMatch(Character::isLetter)
                    ? "; names are made of ASCII letters, digits and '_'" : "");
        } else if (type == NetLexer.UNTERMINATED_STRING) {
            message = "unterminated string; a string ends with '\"' on the same line";
        } else if (type == NetLexer.UNTERMINATED_COMMENT) {
            message = "unterminated comment; '/*' needs a matching '*/'";
        } else {
            if (p == null) throw new IllegalStateException("no parser for a syntax error");
            String exp;
            try {
                exp = expected(p.getExpectedTokens());
            } catch (RuntimeException e) {
                exp = "";
            }
            message = "unexpected " + describe(t) + (exp.isEmpty() ? "" : "; expected " + exp);
            String lit = NetLexer.VOCABULARY.getLiteralName(type);
            if (lit != null && lit.matches("'[a-z]+'") && (exp.contains("a name") || exp.contains("an expression")
                    || exp.contains("a statement") && "=".equals(next(t, tokens)))) {
                message = "'" + t.getText() + "' is a reserved word and cannot name a value" + (t.getText().equals("loss")
                        ? "; set the loss with 'loss = ...'" : "") + (exp.isEmpty() ? "" : "; expected " + exp);
            }
        }
        if (type == Token.EOF) {
            // point just after the last token: the file's last line, not the empty one after it
            Token last = null;
            for (Token x : tokens) if (x.getType() != NetLexer.NL && x.getType() != Token.EOF) last = x;
            if (last != null) {
                String[] lines = last.getText().split("\r?\n", -1);
                int endLine = last.getLine() + lines.length - 1;
                int endCol = (lines.length == 1 ? last.getCharPositionInLine() : 0) + lines[lines.length - 1].length();
                return new Located(t.getStartIndex(), new Diagnostic(new Span(source.file(), endLine, endCol + 1, 1), message));
            }
        }
        return new Located(Math.max(0, t.getStartIndex()), new Diagnostic(span(t), message), isLexError(t));
    }

    /** The text of the token after {@code t}, or null. */
    private static String next(Token t, List<Token> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).getStartIndex() == t.getStartIndex()) return tokens.get(i + 1).getText();
        }
        return null;
    }

    /** How a found token reads in a message. */
    private static String describe(Token t) {
        return switch (t.getType()) {
            case Token.EOF -> "end of file";
            case NetLexer.NL -> "end of line";
            case NetLexer.STRING -> "string " + shorten(t.getText());
            case NetLexer.INT, NetLexer.FLOAT -> "number " + shorten(t.getText());
            case NetLexer.ID -> "name '" + shorten(t.getText()) + "'";
            default -> "'" + shorten(t.getText()) + "'";
        };
    }

    private static String shorten(String s) {
        return s.length() <= 24 ? s : s.substring(0, 20) + "...";
    }

    /** Tokens that only continue an expression; they are left out of "expected ..." lists. */
    private static final List<String> CONTINUATIONS = List.of("'['", "'^'", "'-'", "'*'", "'/'", "'@'", "'+'", "'|>'", "'.'", "'('");

    /** An expected-token set in words: "an expression", "')'", "a name", "end of line or '}'". */
    static String expected(IntervalSet set) {
        Set<Integer> s = set.toSet();
        List<String> parts = new ArrayList<>();
        boolean expression = s.contains(NetLexer.ID) && s.contains(NetLexer.INT) && s.contains(NetLexer.STRING);
        boolean statement = s.contains(NetLexer.ID) && token(s, "'input'") && token(s, "'param'");
        if (statement) parts.add("a statement");
        else if (expression) parts.add("an expression");
        else {
            if (s.contains(NetLexer.ID)) parts.add("a name");
            if (s.contains(NetLexer.INT) && s.contains(NetLexer.FLOAT)) parts.add("a number");
            else if (s.contains(NetLexer.INT)) parts.add("an integer");
            if (s.contains(NetLexer.STRING)) parts.add("a string");
        }
        List<String> punct = new ArrayList<>();
        for (int type : s) {
            String lit = NetLexer.VOCABULARY.getLiteralName(type);
            if (lit == null) continue;
            if (CONTINUATIONS.contains(lit)) continue;
            if ((statement || expression) && lit.matches("'[a-z]+'")) continue;
            punct.add(lit);
        }
        parts.addAll(punct);
        if (s.contains(NetLexer.NL)) parts.add("end of line");
        if (s.contains(Token.EOF)) parts.add("end of file");
        if (parts.isEmpty()) {
            List<String> ops = new ArrayList<>();
            for (int type : s) {
                String lit = NetLexer.VOCABULARY.getLiteralName(type);
                if (lit != null) ops.add(lit);
            }
            parts.addAll(ops);
        }
        if (parts.size() > 6) return "";
        if (parts.size() <= 1) return String.join("", parts);
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " or " + parts.get(parts.size() - 1);
    }

    private static boolean token(Set<Integer> s, String literal) {
        for (int type : s) if (literal.equals(NetLexer.VOCABULARY.getLiteralName(type))) return true;
        return false;
    }

    /** ANTLR's message in the language's words (used only when ANTLR gives no token). */
    private static String clean(String msg) {
        return msg.replace("'\\n'", "end of line").replace("'\\r\\n'", "end of line").replace("NL", "end of line")
                .replace("<EOF>", "end of file").replace("extraneous input", "unexpected").replace("mismatched input", "unexpected");
    }

    private Span span(ParserRuleContext c) {
        Token a = c.getStart(), b = c.getStop();
        int len = 1;
        if (b != null && b.getLine() == a.getLine()) len = Math.max(1, b.getStopIndex() - a.getStartIndex() + 1);
        else len = Math.max(1, source.line(a.getLine()).length() - a.getCharPositionInLine());
        return new Span(source.file(), a.getLine(), a.getCharPositionInLine() + 1, len);
    }

    private Span span(Token t) {
        return new Span(source.file(), t.getLine(), t.getCharPositionInLine() + 1, Math.max(1, t.getStopIndex() - t.getStartIndex() + 1));
    }

    private Ast.File file(NetParser.FileContext c) {
        List<Model> models = new ArrayList<>();
        List<Def> defs = new ArrayList<>();
        for (NetParser.ModelContext m : c.model()) models.add(model(m));
        for (NetParser.DefContext d : c.def()) defs.add(def(d));
        return new Ast.File(source.file(), models, defs);
    }

    private Model model(NetParser.ModelContext c) {
        List<Stmt> stmts = new ArrayList<>();
        for (NetParser.StmtContext s : c.stmt()) stmts.add(stmt(s));
        return new Model(c.ID().getText(), stmts, span(c.ID().getSymbol()));
    }

    private Stmt stmt(NetParser.StmtContext c) {
        if (c.inputDecl() != null) {
            var d = c.inputDecl();
            boolean isInt = d.dtype != null && d.dtype.getText().equals("int");
            return new InputDecl(d.ID().getText(), isInt, dims(d.dims()), span(d.ID().getSymbol()), span(d));
        }
        if (c.paramDecl() != null) {
            var d = c.paramDecl();
            return new ParamDecl(d.ID().getText(), dims(d.dims()), d.init == null ? null : expr(d.init), span(d.ID().getSymbol()), span(d));
        }
        if (c.constDecl() != null) {
            var d = c.constDecl();
            return new ConstDecl(d.ID().getText(), expr(d.expr()), span(d.ID().getSymbol()), span(d));
        }
        if (c.outputDecl() != null) {
            var d = c.outputDecl();
            return new Assign(d.ID().getText(), expr(d.expr()), true, span(d.ID().getSymbol()), span(d));
        }
        if (c.lossDecl() != null) return new LossDecl(expr(c.lossDecl().expr()), span(c.lossDecl()));
        if (c.def() != null) return def(c.def());
        if (c.trainBlock() != null) {
            List<TrainItem> items = new ArrayList<>();
            for (var it : c.trainBlock().trainItem()) items.add(new TrainItem(it.key.getText(), expr(it.expr()), span(it.key), span(it)));
            return new TrainBlock(items, span(c.trainBlock()));
        }
        var a = c.assign();
        return new Assign(a.ID().getText(), expr(a.expr()), false, span(a.ID().getSymbol()), span(a));
    }

    private Def def(NetParser.DefContext c) {
        List<String> params = new ArrayList<>();
        for (int i = 1; i < c.ID().size(); i++) params.add(c.ID(i).getText());
        return new Def(c.ID(0).getText(), params, expr(c.expr()), span(c.ID(0).getSymbol()), span(c));
    }

    private List<DimExpr> dims(NetParser.DimsContext c) {
        List<DimExpr> l = new ArrayList<>();
        if (c == null) return l;
        for (var d : c.dim()) {
            if (d.INT() != null) l.add(new DimExpr(size(d.INT().getText()), null, span(d)));
            else l.add(new DimExpr(-1, d.ID().getText(), span(d)));
        }
        return l;
    }

    /** An integer literal's value, saturated at Long.MAX_VALUE (the builder reports sizes out of range). */
    private static long size(String digits) {
        String t = digits.replaceFirst("^0+(?=.)", "");
        return t.length() > 18 ? Long.MAX_VALUE : Long.parseLong(t);
    }

    private List<Arg> args(NetParser.ArgsContext c) {
        List<Arg> l = new ArrayList<>();
        if (c == null) return l;
        for (var a : c.arg()) l.add(new Arg(a.ID() == null ? null : a.ID().getText(), expr(a.expr()), span(a)));
        return l;
    }

    private Expr expr(NetParser.ExprContext c) {
        Span s = span(c);
        if (c instanceof NetParser.IndexContext x) {
            List<SliceItem> items = new ArrayList<>();
            for (var sl : x.slice()) {
                if (sl instanceof NetParser.SliceIndexContext si) items.add(new SliceItem(expr(si.expr()), null, null, null, span(si)));
                else {
                    var r = (NetParser.SliceRangeContext) sl;
                    items.add(new SliceItem(null, r.start == null ? null : expr(r.start), r.stop == null ? null : expr(r.stop),
                            r.step == null ? null : expr(r.step), span(r)));
                }
            }
            return new Index(expr(x.expr()), items, s);
        }
        if (c instanceof NetParser.PowerContext x) return new Binary("^", expr(x.expr(0)), expr(x.expr(1)), s);
        if (c instanceof NetParser.NegateContext x) return new Unary("-", expr(x.expr()), s);
        if (c instanceof NetParser.MultiplicativeContext x) return new Binary(x.op.getText(), expr(x.expr(0)), expr(x.expr(1)), s);
        if (c instanceof NetParser.AdditiveContext x) return new Binary(x.op.getText(), expr(x.expr(0)), expr(x.expr(1)), s);
        if (c instanceof NetParser.PipeContext x) {
            List<Arg> args = new ArrayList<>();
            Expr head = expr(x.expr());
            args.add(new Arg(null, head, head.span()));
            args.addAll(args(x.args()));
            return new Call(x.callee.getText(), args, true, span(x.callee), s);
        }
        if (c instanceof NetParser.CallContext x) return new Call(x.callee.getText(), args(x.args()), false, span(x.callee), s);
        if (c instanceof NetParser.NameContext x) return new Name(x.qname().getText(), s);
        if (c instanceof NetParser.LossRefContext) return new Name("loss", s);
        if (c instanceof NetParser.NumberContext x) {
            String t = x.getText();
            return new Num(Double.parseDouble(t), x.INT() != null, s);
        }
        if (c instanceof NetParser.StringContext x) {
            String t = x.getText();
            return new Str(t.substring(1, t.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\"), s);
        }
        if (c instanceof NetParser.ListContext x) {
            List<Expr> items = new ArrayList<>();
            for (var e : x.expr()) items.add(expr(e));
            return new ListExpr(items, s);
        }
        return expr(((NetParser.ParenContext) c).expr());
    }
}
