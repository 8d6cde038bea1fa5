package netc.compiler.onnx;

import java.util.List;
import netc.compiler.ir.Dim;

/** What an ONNX value is during import. */
sealed interface Value {
    /**
     * A value of the {@code .net} model: its identifier and shape, each dimension a size or a symbol ({@code batch}),
     * and whether it holds ints.
     */
    record Net(String id, List<Dim> shape, boolean isInt) implements Value {
        int rank() {
            return shape.size();
        }

        /** An axis counted from the end (negative) as counted from the start. */
        int axis(long a) {
            return (int) (a < 0 ? a + shape.size() : a);
        }
    }

    /** A tensor known at import time (an initializer, a constant, a folded result). */
    record Known(Const c) implements Value {
    }

    /**
     * A 1-D int tensor whose elements are sizes, some of them symbolic: what {@code Shape} gives for a value with a
     * symbolic dimension, and what exporters gather, concatenate and feed to {@code Reshape}. A product of symbols is
     * a symbol named like {@code batch*seq}. A scalar (one size, as {@code Gather} of one index gives) has one element.
     */
    record Dims(List<Dim> elems, boolean scalar) implements Value {
    }

    /**
     * A tensor of one value throughout whose shape has symbolic dimensions ({@code ConstantOfShape} of a computed
     * shape): what exporters make for a recurrent layer's zero initial state over a symbolic batch.
     */
    record Filled(List<Dim> shape, double value) implements Value {
    }
}
