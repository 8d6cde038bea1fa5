package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.TensorType;

/**
 * A scalar constant {@code value}, divided by the product of the dims in {@code per} when present; an int with attr
 * {@code int} (a whole number in integer arithmetic, {@code y - 1} on int labels).
 */
final class Const implements Op, Kernel {
    @Override
    public String name() {
        return "const";
    }

    @Override
    public boolean isConstant() {
        return true;
    }

    @Override
    public TensorType infer(List<TensorType> inputs, Attrs attrs) {
        return new TensorType(Shape.SCALAR, attrs.has("int") ? DType.INT : DType.FLOAT);
    }

    @Override
    public void emit(KernelContext k) {
        Attrs a = k.node().attrs();
        String literal = literal(k.node(), k.T());
        if (literal != null) k.stmt("$L[0] = $L", k.out(), literal);
        else k.stmt("$L[0] = ($L) ($L / (double) ($L))", k.out(), k.T(), javaDouble(a.d("value")), a.shape("per").sizeExpr());
    }

    /** The value as a Java literal; none for a constant divided by a size ({@code per}), known when data arrives. */
    @Override
    public String literal(Node n, String elemType) {
        Attrs a = n.attrs();
        double value = a.d("value");
        if (a.has("per")) return null;
        String literal;
        if (a.has("int")) literal = Long.toString((long) value);
        // in float the float nearest the value, as a cast gives
        else if (Double.isFinite(value)) literal = elemType.equals("float") ? Float.toString((float) value) + "f" : javaDouble(value);
        else return "((" + elemType + ") " + javaDouble(value) + ")";
        return literal.startsWith("-") ? "(" + literal + ")" : literal;
    }

    static String javaDouble(double v) {
        if (Double.isNaN(v)) return "Double.NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
        return Double.toString(v);
    }
}
