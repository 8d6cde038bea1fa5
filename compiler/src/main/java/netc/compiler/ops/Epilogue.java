package netc.compiler.ops;

import com.squareup.javapoet.CodeBlock;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Node;
import netc.compiler.ir.ShapeException;
import netc.runtime.kernels.Unary;

/**
 * What a matrix product or forward convolution does to each value as it stores it, read from one node: a bias added
 * (its third input), an activation applied ({@code act}, a {@link Unary} that runs in the epilogue) and a mask
 * multiplied ({@code mask=true}, its last input). Made by {@code EpilogueFusion} after differentiation; the products'
 * shape rules, fusion text and kernels ask this record instead of counting inputs.
 *
 * @param bias whether the node adds its third input to every row (gemm) or channel (conv)
 * @param act  the activation applied last, {@link Unary#IDENTITY} when none
 * @param mask whether the last input, shaped like the output, multiplies it as {@code M > 0 ? 1 : 0}
 */
public record Epilogue(boolean bias, Unary act, boolean mask) {
    /** The attribute holding the activation. */
    private static final String ACT = "act";
    private static final String MASK = "mask";

    /** A plain product's: none. */
    public static final Epilogue NONE = new Epilogue(false, Unary.IDENTITY, false);

    /** The epilogue of a product node. */
    public static Epilogue of(Node product) {
        return of(product.inputs().size(), product.attrs());
    }

    /** The epilogue of a product with {@code inputs} inputs and these attributes. */
    static Epilogue of(int inputs, Attrs attrs) {
        boolean mask = attrs.b(MASK);
        Unary act = attrs.has(ACT) ? (Unary) attrs.get(ACT) : Unary.IDENTITY;
        return new Epilogue(inputs == (mask ? 4 : 3), act, mask);
    }

    /** The attributes of a product with this epilogue's activation and mask added to {@code attrs}. */
    public Attrs addTo(Attrs attrs) {
        if (act != Unary.IDENTITY) {
            if (!act.epilogue()) throw new ShapeException("the products' epilogue cannot apply " + act);
            attrs = attrs.with(ACT, act);
        }
        return mask ? attrs.with(MASK, true) : attrs;
    }

    /** Whether the product does anything but store its values. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** The input index of the mask. */
    int maskInput() {
        return bias ? 3 : 2;
    }

    /**
     * The product with its epilogue as text, e.g. {@code relu(gemm($0, $1) + $2)} or {@code gemm($0, $1) · step($2)};
     * null when there is none.
     */
    String describe(String op) {
        if (isNone()) return null;
        String p = op + "($0, $1)" + (bias ? " + $2" : "");
        if (act != Unary.IDENTITY) p = act + "(" + p + ")";
        return mask ? p + " · step($" + maskInput() + ")" : p;
    }

    /** The epilogue arguments of the kernel node's runtime call: its bias (or null), activation and mask, if any. */
    static CodeBlock args(KernelContext k) {
        Epilogue e = of(k.node());
        return CodeBlock.of("$L, $T.$L$L", e.bias ? k.in(2) : "null", Unary.class, e.act.name(),
                e.mask ? ", " + k.in(e.maskInput()) : "");
    }
}
