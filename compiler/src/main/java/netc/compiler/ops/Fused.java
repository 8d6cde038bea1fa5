package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * A chain (or small DAG) of elementwise ops computed in one loop, made by the elementwise fusion pass. Attr
 * {@code program} lists the steps; each step applies an elementwise op to the fused node's inputs (read with
 * broadcasting) and to earlier steps' values, which stay in registers: no intermediate buffer is written.
 * Attr {@code shape} is the output shape. Fusion runs after differentiation, so this op has no gradient rule.
 */
public final class Fused implements Op {
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

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        Shape out = attrs.shape("shape");
        for (TensorType t : in) {
            Shape b = Shape.broadcast(t.shape(), out);
            if (!out.equals(b)) throw new ShapeException("fused input " + t + " does not broadcast to " + out);
        }
        return TensorType.f(out);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node node, Node dy) {
        throw new UnsupportedOperationException("fused nodes are made after differentiation");
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        Program p = (Program) n.attrs().get("program");
        k.loop("i", k.size(n.shape()));
        List<String> loads = new ArrayList<>();
        for (int j = 0; j < n.inputs().size(); j++) {
            String local = "x" + j;
            k.stmt("$L $L = $L[$L]", k.T(), local, k.in(j), KernelContext.broadcastIndex(n.shape(), n.input(j).shape(), "i"));
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
            k.stmt("$L s$L = ($L) ($L)", k.T(), s, k.T(), st.op().formula(k.T(), st.attrs(), args));
        }
        k.stmt("$L[i] = s$L", k.out(), steps.size() - 1);
        k.end();
    }
}
