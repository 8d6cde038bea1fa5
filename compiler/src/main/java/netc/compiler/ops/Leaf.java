package netc.compiler.ops;

import java.util.List;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Op;
import netc.compiler.ir.TensorType;

/** Inputs and parameters: values bound from outside, typed by their declaration (attrs {@code name, type}). */
final class Leaf implements Op {
    private final String name;

    Leaf(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TensorType infer(List<TensorType> inputs, Attrs attrs) {
        return new TensorType(attrs.shape("shape"), "int".equals(attrs.s("dtype")) ? DType.INT : DType.FLOAT);
    }

    @Override
    public boolean isLeaf() {
        return true;
    }
}
