package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
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
        NetParser p = new NetParser(new CommonTokenStream(NewlineFilter.filter(lexer)));
        p.removeErrorListeners();
        p.addErrorListener(new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> r, Object offending, int line, int col, String msg, RecognitionException e) {
                Token t = offending instanceof Token tok ? tok : null;
                int len = t == null || t.getType() == Token.EOF ? 1 : Math.max(1, t.getStopIndex() - t.getStartIndex() + 1);
                if (errors.size() < 20) errors.add(new Diagnostic(new Span(source.file(), line, col + 1, len), clean(msg, t)));
            }
        });
        NetParser.FileContext tree = p.file();
        if (!errors.isEmpty()) throw new CompileError(errors, source);
        return file(tree);
    }

    /** ANTLR's message in the language's words. */
    private static String clean(String msg, Token t) {
        String m = msg.replace("'\\n'", "end of line").replace("'\\r\\n'", "end of line").replace("NL", "end of line")
                .replace("<EOF>", "end of file");
        if (t != null && t.getType() == NetLexer.BAD_CHAR) {
            return "unexpected character '" + t.getText().replace("\n", "\\n") + "'";
        }
        if (m.startsWith("extraneous input")) m = m.replace("extraneous input", "unexpected");
        if (m.startsWith("mismatched input")) m = m.replace("mismatched input", "unexpected");
        if (m.startsWith("no viable alternative at input")) {
            m = "cannot parse '" + (t == null ? "" : t.getText()) + "' here";
        }
        return m;
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
            if (d.INT() != null) l.add(new DimExpr(Integer.parseInt(d.INT().getText()), null, span(d)));
            else l.add(new DimExpr(-1, d.ID().getText(), span(d)));
        }
        return l;
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
