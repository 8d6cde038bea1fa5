package netc.compiler.frontend;

import java.util.List;
import netc.compiler.ir.Span;

/** The abstract syntax of a {@code .net} file: small immutable records, each with its source span. */
public final class Ast {
    private Ast() {
    }

    public sealed interface Expr permits Num, Str, Name, Call, Binary, Unary, Index, ListExpr {
        Span span();
    }

    public record Num(double value, boolean integral, Span span) implements Expr {
    }

    public record Str(String value, Span span) implements Expr {
    }

    /** A name, possibly dotted ({@code hidden.weight}). */
    public record Name(String name, Span span) implements Expr {
    }

    /** A call; a pipe {@code a |> f(b)} is the call {@code f(a, b)}, with {@code piped} set. */
    public record Call(String callee, List<Arg> args, boolean piped, Span calleeSpan, Span span) implements Expr {
    }

    /** A positional ({@code name == null}) or named argument. */
    public record Arg(String name, Expr value, Span span) {
    }

    public record Binary(String op, Expr left, Expr right, Span span) implements Expr {
    }

    public record Unary(String op, Expr operand, Span span) implements Expr {
    }

    public record Index(Expr target, List<SliceItem> items, Span span) implements Expr {
    }

    /** {@code index} for {@code a[i]}; else a range {@code start:stop:step}, each part optional. */
    public record SliceItem(Expr index, Expr start, Expr stop, Expr step, Span span) {
        public boolean isRange() {
            return index == null;
        }
    }

    public record ListExpr(List<Expr> items, Span span) implements Expr {
    }

    public sealed interface Stmt permits InputDecl, ParamDecl, ConstDecl, Assign, LossDecl, Def, TrainBlock {
        Span span();
    }

    /** A dimension: a size, or a name (a constant or a symbol such as {@code batch}). */
    public record DimExpr(long size, String name, Span span) {
    }

    public record InputDecl(String name, boolean isInt, List<DimExpr> dims, Span nameSpan, Span span) implements Stmt {
    }

    public record ParamDecl(String name, List<DimExpr> dims, Expr init, Span nameSpan, Span span) implements Stmt {
    }

    public record ConstDecl(String name, Expr value, Span nameSpan, Span span) implements Stmt {
    }

    public record Assign(String name, Expr value, boolean output, Span nameSpan, Span span) implements Stmt {
    }

    public record LossDecl(Expr value, Span span) implements Stmt {
    }

    public record Def(String name, List<String> params, Expr body, Span nameSpan, Span span) implements Stmt {
    }

    public record TrainItem(String key, Expr value, Span keySpan, Span span) {
    }

    public record TrainBlock(List<TrainItem> items, Span span) implements Stmt {
    }

    public record Model(String name, List<Stmt> stmts, Span span) {
    }

    /** A parsed file: its models and its top-level definitions. */
    public record File(String path, List<Model> models, List<Def> defs) {
    }
}
