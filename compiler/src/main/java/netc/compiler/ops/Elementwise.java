package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;
import netc.runtime.kernels.Unary;

/**
 * An elementwise op over inputs broadcast NumPy-style: a scalar formula and a gradient rule.
 * The rule returns adjoints at the output's shape; they are summed back to each input's shape here.
 * With attribute {@code shape}, the output takes that shape (broadcast_to).
 */
public final class Elementwise implements Op, Differentiable, Kernel {
    /** The scalar Java expression of the op over its inputs' elements, given the node's attributes. */
    public interface Formula {
        String apply(String elemType, String[] x, Attrs attrs);
    }

    /** The adjoints of the inputs (null for none) given the output node and its adjoint. */
    public interface Grad {
        List<Node> apply(GraphBuilder g, Node y, Node dy);
    }

    private final String name;
    private final int arity;
    private final Formula formula;
    private final Grad grad;
    /** The input that holds probabilities, or -1; set where the op is defined. */
    private int probabilityInput = -1;
    /** Whether the op of int operands is an int (sums, differences, products, maxima), as integer arithmetic. */
    private boolean keepsIntegers;

    /** The scalar function of one argument the op computes (its value and formula defined once), or null. */
    private final Unary function;

    Elementwise(String name, int arity, Formula formula, Grad grad) {
        this(name, arity, formula, grad, null);
    }

    private Elementwise(String name, int arity, Formula formula, Grad grad, Unary function) {
        this.name = name;
        this.arity = arity;
        this.formula = formula;
        this.grad = grad;
        this.function = function;
    }

    /** The elementwise op of {@code f}: its name and formula are f's, the gradient rule is the op's. */
    static Elementwise of(Unary f, Grad grad) {
        return new Elementwise(f.lowerName(), 1, (t, x, a) -> f.java(t, x[0]), grad, f);
    }

    /** The scalar function the op computes, for constant folding and the products' epilogue; null for the others. */
    public Unary function() {
        return function;
    }

    @Override
    public String name() {
        return name;
    }

    /** This op, its input {@code k} holding probabilities (a binary cross-entropy's target); for the definitions in {@link Ops}. */
    Elementwise probabilityInput(int k) {
        probabilityInput = k;
        return this;
    }

    /** This op, with int operands giving an int; for the definitions in {@link Ops}. */
    Elementwise keepsIntegers() {
        keepsIntegers = true;
        return this;
    }

    @Override
    public boolean takesProbability(Node n, int k) {
        return k == probabilityInput;
    }

    public int arity() {
        return arity;
    }

    /** The scalar expression for these element expressions (used by fused kernels too). */
    public String formula(String elemType, Attrs attrs, String... x) {
        return formula.apply(elemType, x, attrs);
    }

    @Override
    public TensorType infer(List<TensorType> inputs, Attrs attrs) {
        if (inputs.size() != arity) throw new ShapeException(name + " takes " + arity + " operands, got " + inputs.size());
        Shape s = inputs.get(0).shape();
        for (int i = 1; i < inputs.size(); i++) {
            Shape b = Shape.broadcast(s, inputs.get(i).shape());
            if (b == null) throw new ShapeException(name + ": shapes " + s + " and " + inputs.get(i).shape() + " do not broadcast");
            s = b;
        }
        if (attrs.has("shape")) {
            Shape target = attrs.shape("shape");
            if (!target.equals(Shape.broadcast(s, target))) throw new ShapeException("cannot broadcast " + s + " to " + target);
            s = target;
        }
        boolean integers = keepsIntegers;
        for (TensorType t : inputs) integers &= t.dtype() == DType.INT;
        return new TensorType(s, integers ? DType.INT : DType.FLOAT);
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node node, Node dy) {
        List<Node> raw = grad.apply(g, node, dy);
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Node r = raw.get(i);
            out.add(r == null ? null : Ops.unbroadcast(g, r, node.input(i).shape()));
        }
        return out;
    }

    @Override
    public boolean elementwise(Node n) {
        return true;
    }

    @Override
    public boolean readsLiterals(Node n) {
        return true;
    }

    @Override
    public void emit(KernelContext k) {
        Node n = k.node();
        String[] x = new String[arity];
        if (n.shape().isUnit()) {
            // one element: no loop
            for (int i = 0; i < arity; i++) x[i] = k.read(i, "0");
            k.stmt("$L[0] = $L", k.out(), formula(k.T(), n.attrs(), x));
            return;
        }
        if (arity == 1 && function != null && function.vectorised() && k.readsFlatFloat(0)) {
            // e^x and the functions built on it: the runtime's vector form, a vector at a time
            String[] range = k.parallelRange(k.size(n.shape()), "1", n.shape());
            k.stmt("$T.$L.map($L, $L, $L, $L)", Unary.class, function.name(), k.in(0), k.out(), range[0], range[1]);
            return;
        }
        // nested loops where there is broadcasting (no division per element), one loop where there is not; values
        // that do not change in the innermost loop read before it
        List<Shape> shapes = new ArrayList<>(List.of(n.shape()));
        for (Node in : n.inputs()) shapes.add(in.shape());
        KernelContext.LoopNest loops = k.parallelNest(n.shape(), shapes).openOuter();
        x = loops.reads("b");
        loops.openInner();
        k.stmt("$L[$L] = $L", k.out(), loops.index(0), formula(k.T(), n.attrs(), x));
        loops.closeInner().closeOuter();
    }
}
