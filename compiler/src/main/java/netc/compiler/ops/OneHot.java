package netc.compiler.ops;

import com.squareup.javapoet.ClassName;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/** Class indices [...] to one-hot rows [..., classes]; an index outside [0, classes) is a user error. */
final class OneHot implements Op, Differentiable, Kernel {
    private static final ClassName USER_ERROR = ClassName.get("netc.runtime", "UserError");

    @Override
    public String name() {
        return "one_hot";
    }

    @Override
    public Index index(Node n, int k) {
        return new Index(n.attrs().i("classes"), true);
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.get(0).dtype() != DType.INT) throw new ShapeException("class indices must be int, got " + in.get(0));
        return TensorType.f(in.get(0).shape().append(Dim.of(attrs.i("classes"))));
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        return java.util.Arrays.asList((Node) null);
    }

    @Override
    public void emit(KernelContext k) {
        int c = k.node().attrs().i("classes");
        k.stmt("java.util.Arrays.fill($L, 0, $L, ($L) 0)", k.out(), k.size(k.node().shape()), k.T());
        k.loop("i", k.size(k.node().input(0).shape()));
        k.stmt("int c = $L[i]", k.in(0));
        k.begin("if (c < 0 || c >= $L)", c)
                .stmt("throw new $T(\"class index \" + c + \" out of range [0, $L)\")", USER_ERROR, c).end();
        k.stmt("$L[i * $L + c] = 1", k.out(), c);
        k.end();
    }
}
