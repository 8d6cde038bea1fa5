package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * Basic indexing and slicing. Attrs: {@code starts} and {@code steps} per source axis, {@code window} the
 * selected extent per source axis, {@code squeeze} the axes indexed by an integer (dropped from the result),
 * {@code source} the source shape. Its gradient is {@link SliceGrad}, which places a window back into zeros.
 */
final class Slice implements Op, Differentiable, Kernel {
    private static final com.squareup.javapoet.ClassName USER_ERROR = com.squareup.javapoet.ClassName.get("netc.runtime", "UserError");

    @Override
    public String name() {
        return "slice";
    }

    static Shape resultShape(Attrs a) {
        Shape w = a.shape("window");
        List<Integer> squeeze = a.ints("squeeze");
        List<Dim> out = new ArrayList<>();
        for (int d = 0; d < w.rank(); d++) if (!squeeze.contains(d)) out.add(w.dim(d));
        return Shape.of(out);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        return new TensorType(resultShape(attrs), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return List.of(g.add(Ops.SLICE_GRAD, y.attrs(), dy));
    }

    /**
     * Emits a loop per window dimension, in which {@code copy} moves one run of the window's last dimension: it gets the
     * offset of the run's first element in the source (Java source), its length and step in the source, and the flat
     * index {@code i} of its first element in the window, which the loops advance. A scalar window is one run of one.
     */
    static void windowLoops(KernelContext k, Attrs a, Run copy) {
        Shape w = a.shape("window"), src = a.shape("source");
        List<Integer> starts = a.ints("starts"), steps = a.ints("steps");
        int r = w.rank();
        if (r == 0) {
            copy.emit("0", "1", 1, "0");
            return;
        }
        k.stmt("int i = 0");
        String offset = "0";
        for (int d = 0; d < r - 1; d++) {
            k.begin("for (int c$L = 0; c$L < $L; c$L++)", d, d, w.dim(d).javaExpr(), d);
            String o = "o" + d;
            k.stmt("int $L = $L", o, plus(offset, times(position(start(starts.get(d), src.dim(d)), "c" + d, steps.get(d)), src.productExpr(d + 1, r))));
            offset = o;
        }
        copy.emit(plus(offset, start(starts.get(r - 1), src.dim(r - 1))), w.dim(r - 1).javaExpr(), steps.get(r - 1), "i");
        k.stmt("i += $L", w.dim(r - 1).javaExpr());
        for (int d = 0; d < r - 1; d++) k.end();
    }

    /** One run of a window's last dimension (see {@link #windowLoops}). */
    interface Run {
        void emit(String sourceOffset, String length, int step, String windowIndex);
    }

    /** A window's start along a source dimension: a negative start on a symbolic one counts from its end. */
    static String start(int start, Dim source) {
        return start < 0 && source.isSymbolic() ? "(" + source.javaExpr() + " - " + -start + ")" : Integer.toString(start);
    }

    /** {@code start + c * step} as short Java. */
    private static String position(String start, String c, int step) {
        String scaled = step == 1 ? c : c + " * " + step;
        return start.equals("0") ? scaled : "(" + start + " + " + scaled + ")";
    }

    /** For a position taken of a symbolic dimension, the check that the data reaches it. */
    static void checkPositions(KernelContext k) {
        Attrs a = k.node().attrs();
        Shape src = a.shape("source");
        List<Integer> starts = a.ints("starts"), squeeze = a.ints("squeeze");
        for (int d : squeeze) {
            if (!src.dim(d).isSymbolic()) continue;
            int start = starts.get(d), need = start < 0 ? -start : start + 1;
            k.begin("if ($L < $L)", src.dim(d).javaExpr(), need)
                    .stmt("throw new $T(\"$L is \" + $L + \", too short for position $L at line $L\")", USER_ERROR, src.dim(d).symbol(),
                            src.dim(d).javaExpr(), start, k.node().span().line())
                    .end();
        }
    }

    /** {@code a * b} as short Java. */
    static String times(String a, String b) {
        return b.equals("1") ? a : a + " * " + factor(b);
    }

    /** An expression as a factor: in parentheses unless it is one name or number. */
    static String factor(String e) {
        return e.matches("[A-Za-z0-9_]+") ? e : "(" + e + ")";
    }

    static String plus(String a, String b) {
        return a.equals("0") ? b : b.equals("0") ? a : a + " + " + b;
    }

    @Override
    public void emit(KernelContext k) {
        Shape w = k.node().attrs().shape("window"), src = k.node().attrs().shape("source");
        for (int d = 0; d < w.rank(); d++) {
            if (w.dim(d).isSymbolic() && !src.dim(d).isSymbolic()) {
                // a window as long as the data (P[0:seq]): the data must fit in it
                Node x = k.node().input(0);
                String name = x.op().isLeaf() ? x.attrs().s("name") : x.label();
                String what = (name == null ? "the value sliced" : name) + " at line " + k.node().span().line();
                k.begin("if ($L > $L)", w.dim(d).javaExpr(), src.dim(d).size())
                        .stmt("throw new $T(\"$L is \" + $L + \", longer than the $L positions of $L\")", USER_ERROR, w.dim(d).symbol(),
                                w.dim(d).javaExpr(), src.dim(d).size(), what)
                        .end();
            }
        }
        checkPositions(k);
        windowLoops(k, k.node().attrs(), (from, length, step, i) -> {
            if (step == 1) {
                k.stmt("System.arraycopy($L, $L, $L, $L, $L)", k.in(0), from, k.out(), i, length);
            } else {
                k.loop("j", length).stmt("$L[$L] = $L[$L]", k.out(), plus(i, "j"), k.in(0), from + " + j * " + step).end();
            }
        });
    }
}
