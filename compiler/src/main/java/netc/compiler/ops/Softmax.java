package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * softmax over the last axis, computed stably (the row maximum is subtracted first); its gradient is
 * {@code y (dy - sum(dy y))}. {@link LogSoftmax} is its logarithm.
 */
final class Softmax implements Op, Differentiable, Kernel {
    private static final ClassName UNARY = ClassName.get("netc.runtime.kernels", "Unary");
    private static final ClassName SUMS = ClassName.get("netc.runtime.kernels", "Sums");
    /** Values of a group of rows that {@link #inGroupsOfRows} takes through e^ at once (2 kB: L1). */
    private static final int GROUP = 512;

    @Override
    public String name() {
        return "softmax";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return check(name(), in);
    }

    /** A float input with at least one dimension: the result's type. */
    static TensorType check(String op, List<TensorType> in) {
        Shape s = in.get(0).shape();
        if (s.rank() < 1) throw new ShapeException(op + " needs at least one dimension, got a scalar");
        if (in.get(0).dtype() != netc.compiler.ir.DType.FLOAT) throw new ShapeException(op + " needs float values, got " + in.get(0));
        return TensorType.f(s);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        Node s = Ops.reduceSum(g, Ops.mul(g, dy, y), List.of(y.shape().rank() - 1), true);
        return List.of(Ops.mul(g, y, Ops.sub(g, dy, s)));
    }

    @Override
    public void emit(KernelContext k) {
        String y = k.out(), t = k.T();
        if (t.equals("float")) {
            String cols = k.node().shape().dim(-1).javaExpr();
            inGroupsOfRows(k, k.node().shape(), y, () -> { }, () -> {
                k.stmt("float inv = (float) (1.0 / $T.sum($L, o, $L))", SUMS, y, cols);
                k.loop("j", cols).stmt("$L[o + j] *= inv", y).end();
            });
            return;
        }
        String cols = openRows(k);
        exponentials(k, cols, "");
        k.stmt("$L inv = ($L) (1.0 / sum)", t, t);
        k.loop("j", cols).stmt("$L[o + j] *= inv", y).end();
        k.end();
    }

    /**
     * Float rows of input 0 (of shape {@code s}) in groups of about {@value #GROUP} values, the threads taking groups,
     * each group in three passes: {@code e[o + j] = x[o + j] − mx} for each row ({@code o} its offset, {@code mx} its
     * maximum) followed by {@code first}'s statements, e^ of the whole group at once, then {@code last}'s statements
     * for each row. The same values as a row at a time, without a part vector of e^ per row: rows shorter than a
     * vector (ten classes) would each pay for a whole one.
     */
    static void inGroupsOfRows(KernelContext k, Shape s, String e, Runnable first, Runnable last) {
        String cols = s.dim(-1).javaExpr(), x = k.in(0);
        String[] range = k.parallelRange(s.productExpr(0, s.rank() - 1), cols, s);
        String group = cols.matches("\\d+") ? Long.toString(Math.max(1, GROUP / Math.max(1, Long.parseLong(cols))))
                : "Math.max(1, " + GROUP + " / Math.max(1, " + cols + "))";
        k.comment("rows $L at a time: each less its maximum, e^ of them all at once, then each row", group);
        k.begin("for (int r0 = $L; r0 < $L; r0 += $L)", range[0], range[1], group);
        k.stmt("int r1 = Math.min($L, r0 + $L)", range[1], group);
        k.begin("for (int r = r0; r < r1; r++)").stmt("int o = r * $L", cols);
        rowMax(k, cols, "");
        k.loop("j", cols).stmt("$L[o + j] = $L[o + j] - mx", e, x).end();
        first.run();
        k.end();
        k.stmt("$T.EXP.map($L, $L, r0 * $L, r1 * $L)", UNARY, e, e, cols, cols);
        k.begin("for (int r = r0; r < r1; r++)").stmt("int o = r * $L", cols);
        last.run();
        k.end();
        k.end();
    }

    /** Opens the loop over the rows, {@code o} a row's offset, with its maximum {@code mx}; the row length. */
    static String openRows(KernelContext k) {
        Shape s = k.node().shape();
        String cols = s.dim(-1).javaExpr();
        k.loop("r", s.productExpr(0, s.rank() - 1));
        k.stmt("int o = r * $L", cols);
        rowMax(k, cols, "");
        return cols;
    }

    /** {@code mx}, the maximum of {@code x[o + j]} (times what {@code scaled} appends, "" or " * scale") over j < n. */
    static void rowMax(KernelContext k, String n, String scaled) {
        k.stmt("$L mx = $L[o]$L", k.T(), k.in(0), scaled);
        k.loop("j", n).stmt("mx = Math.max(mx, $L[o + j]$L)", k.in(0), scaled).end();
    }

    /**
     * {@code y[o + j] = e^(x[o + j]·scale − mx)} for j < n, and their sum {@code sum}: in float a vector at a time
     * (e^x by {@code Unary.EXP.map} to float precision, where {@code Math.exp} takes 10 to 15 ns an element, and the
     * sum by {@code Sums.sum}); in double (gradient checks) one after another.
     */
    static void exponentials(KernelContext k, String n, String scaled) {
        String x = k.in(0), y = k.out();
        if (k.T().equals("float")) {
            k.loop("j", n).stmt("$L[o + j] = $L[o + j]$L - mx", y, x, scaled).end();
            k.stmt("$T.EXP.map($L, $L, o, o + $L)", UNARY, y, y, n);
            k.stmt("double sum = $T.sum($L, o, $L)", SUMS, y, n);
        } else {
            k.stmt("double sum = 0");
            k.loop("j", n).stmt("double e = Math.exp($L[o + j]$L - mx)", x, scaled).stmt("$L[o + j] = e", y).stmt("sum += e").end();
        }
    }
}
