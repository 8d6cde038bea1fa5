package netc.compiler.ops;

import java.util.List;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
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
        double value = a.d("value");
        if (a.has("int")) {
            k.stmt("$L[0] = $L", k.out(), (long) value);
        } else if (a.has("per")) {
            k.stmt("$L[0] = ($L) ($L / (double) ($L))", k.out(), k.T(), javaDouble(value), a.shape("per").sizeExpr());
        } else if (Double.isFinite(value)) {
            // a literal: in float the float nearest the value, as a cast gives
            k.stmt("$L[0] = $L", k.out(), k.T().equals("float") ? Float.toString((float) value) + "f" : javaDouble(value));
        } else {
            k.stmt("$L[0] = ($L) $L", k.out(), k.T(), javaDouble(value));
        }
    }

    static String javaDouble(double v) {
        if (Double.isNaN(v)) return "Double.NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
        return Double.toString(v);
    }
}
