package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;
import netc.runtime.kernels.Unary;

/**
 * A chain (or small DAG) of elementwise ops computed in one loop, made by the elementwise fusion pass. Attr
 * {@code program} lists the steps; each step applies an elementwise op to the fused node's inputs (read with
 * broadcasting) and to earlier steps' values, which stay in registers: no intermediate buffer is written.
 * Attr {@code shape} is the shape the program computes. With attrs {@code axes} and {@code keepdims} (made by the
 * reduction fusion pass) the node is the sum of the program's values over those axes, accumulated as they are
 * computed, so the elementwise result is never stored. Fusion runs after differentiation, so this op has no gradient
 * rule.
 */
public final class Fused implements Op, Kernel {
    /** One step: an elementwise op and its operands (input {@code k} as k ≥ 0, step {@code s} as −(s + 1)). */
    public record Step(Elementwise op, Attrs attrs, List<Integer> args) {
    }

    /** The steps; the last one is the result. */
    public record Program(List<Step> steps) {
        public Program {
            steps = List.copyOf(steps);
        }

        @Override
        public String toString() {
            return render(steps.size() - 1);
        }

        private String render(int s) {
            Step st = steps.get(s);
            List<String> a = new ArrayList<>();
            for (int x : st.args()) a.add(x >= 0 ? "$" + x : render(-x - 1));
            String at = st.attrs().isEmpty() ? "" : st.attrs().toString();
            return st.op().name() + at + "(" + String.join(", ", a) + ")";
        }
    }

    Fused() {
    }

    @Override
    public String name() {
        return "fused";
    }

    /** True for a fused sum (attr {@code axes}): its output is smaller than what its program computes. */
    public static boolean isReduction(Node n) {
        return n.op() == Ops.FUSED && n.attrs().has("axes");
    }

    /** What the program computes and a reduction sums: {@code program} of a reduction node, as text. */
    @Override
    public String fusion(Node n) {
        String p = n.attrs().get("program").toString();
        return isReduction(n) ? "reduce_sum{axes=" + n.attrs().ints("axes") + "}(" + p + ")" : p;
    }

    @Override
    public boolean elementwise(Node n) {
        return !isReduction(n);
    }

    @Override
    public boolean readsLiterals(Node n) {
        return true;
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape out = attrs.shape("shape");
        for (TensorType t : in) {
            Shape b = Shape.broadcast(t.shape(), out);
            if (!out.equals(b)) throw new ShapeException("fused input " + t + " does not broadcast to " + out);
        }
        return TensorType.f(attrs.has("axes") ? ReduceSum.reduced(out, attrs) : out);
    }

    /**
     * Loops over the program's shape with each input broadcast to it (no division per element), computes the steps in
     * locals and stores the last, or for a reduction adds it to its sum: in a local over an innermost run of reduced
     * elements, else in the output.
     */
    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Shape iter = n.attrs().shape("shape");
        boolean reduce = isReduction(n);
        Unary slope = reduce ? null : gradientThrough(k);
        if (slope != null) {
            // g·f(x), the gradient through a function with a vector form: the runtime's, a vector at a time
            int g = gradientInput(n);
            String[] range = k.parallelRange(k.size(n.shape()), "1", n.shape());
            k.stmt("$T.$L.mapTimes($L, $L, $L, $L, $L)", Unary.class, slope.name(), k.in(1 - g), k.in(g), k.out(), range[0], range[1]);
            return;
        }
        List<Shape> shapes = new ArrayList<>(List.of(reduce ? ReduceSum.keptShape(iter, n.attrs().ints("axes")) : iter));
        for (Node in : n.inputs()) shapes.add(in.shape());
        if (reduce && partialSums(n) != null && sumOverSamples(k, k.parallelNest(iter, shapes))) return;
        // a sum of each row (attention's Σ dy·y over a row of keys): the threads take rows, each result written once
        KernelContext.LoopNest plain = k.nest(iter, shapes);
        boolean rowSums = reduce && plain.levels() == 2 && plain.varies(0, 0) && !plain.varies(1, 0);
        if (reduce && !rowSums) k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(n.shape()), k.T());
        KernelContext.LoopNest loops = (reduce && !rowSums ? plain : k.parallelNest(iter, shapes)).openOuter();
        boolean local = reduce && loops.levels() > 0 && !loops.innerVaries(0);
        if (local) k.stmt("$L acc = 0", k.T());
        String[] reads = loops.reads("b");
        loops.openInner();
        String value = program(k, loops, reads, (Program) n.attrs().get("program"));
        if (local) k.stmt("acc += $L", value);
        else k.stmt(reduce ? "$L[$L] += $L" : "$L[$L] = $L", k.out(), loops.index(0), value);
        loops.closeInner();
        if (local) k.stmt(rowSums ? "$L[$L] = acc" : "$L[$L] += acc", k.out(), loops.index(0));
        loops.closeOuter();
    }

    /**
     * A sum over [outer, kept, inner], such as batch norm's per-channel sums over [batch, C, H·W], split over the
     * threads by outer index: each writes the sums of its samples' runs to {@code partial} [outer, kept], and the
     * calling thread then adds them in sample order, as the one-thread loop would: the same floats at every thread
     * count. False (nothing emitted) when the loops have another form.
     */
    private static boolean sumOverSamples(KernelContext k, KernelContext.LoopNest loops) {
        if (loops.levels() != 3 || loops.varies(0, 0) || !loops.varies(1, 0) || loops.varies(2, 0)) return false;
        Node n = k.node();
        String kept = loops.size(1), partial = k.scratch(0);
        loops.openOuter(); // the loops are i0 (outer, over the threads), i1 (kept) and i2 (inner)
        k.stmt("$L acc = 0", k.T());
        String[] reads = loops.reads("b");
        loops.openInner();
        k.stmt("acc += $L", program(k, loops, reads, (Program) n.attrs().get("program")));
        loops.closeInner();
        k.stmt("$L[i0 * ($L) + i1] = acc", partial, kept);
        loops.closeOuter();
        k.afterParallelLoop();
        k.loop("j", kept).stmt("$L s = 0", k.T());
        k.loop("a", loops.size(0)).stmt("s += $L[a * ($L) + j]", partial, kept).end();
        k.stmt("$L[j] = s", k.out()).end();
        return true;
    }

    /** The partial sums of {@link #sumOverSamples}: [outer, kept] for a program shape [summed…, kept…, summed…]. */
    @Override
    public List<Shape> scratch(Node n) {
        Shape partials = partialSums(n);
        return partials == null ? List.of() : List.of(partials);
    }

    private static Shape partialSums(Node n) {
        return isReduction(n) ? ReduceSum.outerAndKept(n.attrs().shape("shape"), n.attrs().ints("axes")) : null;
    }

    /**
     * The function f of a float kernel's program {@code mul($g, f($x))} (either order) whose f has a vector form and
     * whose two inputs are float arrays of the program's shape; null for any other program.
     */
    private static Unary gradientThrough(KernelContext k) {
        Node n = k.node();
        List<Step> steps = ((Program) n.attrs().get("program")).steps();
        if (steps.size() != 2 || n.inputs().size() != 2 || steps.get(1).op() != Ops.MUL) return null;
        Step f = steps.get(0);
        Unary u = f.op().function();
        List<Integer> mul = steps.get(1).args();
        if (u == null || !u.vectorised() || !mul.contains(-1) || f.args().size() != 1) return null;
        int x = f.args().get(0), g = gradientInput(n);
        if (x < 0 || g < 0 || x == g) return null;
        return k.readsFlatFloat(0) && k.readsFlatFloat(1) ? u : null;
    }

    /** The input of {@code mul($g, f($x))} that multiplies f. */
    private static int gradientInput(Node n) {
        List<Integer> mul = ((Program) n.attrs().get("program")).steps().get(1).args();
        return mul.get(0) == -1 ? mul.get(1) : mul.get(0);
    }

    /**
     * Emits the loads and steps of one element, given the inputs' {@link KernelContext.LoopNest#reads}; returns the
     * local holding the result.
     */
    private static String program(KernelContext k, KernelContext.LoopNest loops, String[] reads, Program p) {
        Node n = k.node();
        List<String> loads = new ArrayList<>();
        for (int j = 0; j < n.inputs().size(); j++) {
            if (k.literal(j) != null || !loops.innerVaries(j + 1)) {
                loads.add(reads[j]); // a literal, or a local read before the loop
                continue;
            }
            String local = "x" + j;
            k.stmt("$L $L = $L", k.T(), local, reads[j]);
            loads.add(local);
        }
        List<Step> steps = p.steps();
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            String[] args = new String[st.args().size()];
            for (int a = 0; a < args.length; a++) {
                int x = st.args().get(a);
                args[a] = x >= 0 ? loads.get(x) : "s" + (-x - 1);
            }
            k.stmt("$L s$L = $L", k.T(), s, st.op().formula(k.T(), st.attrs(), args));
        }
        return "s" + (steps.size() - 1);
    }
}
