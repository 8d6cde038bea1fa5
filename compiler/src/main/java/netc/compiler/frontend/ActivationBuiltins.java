package netc.compiler.frontend;

import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** Activations beyond the elementary ones: elu, gelu, prelu (learnable), softplus, atan, maxout, with PyTorch's definitions. */
final class ActivationBuiltins {
    private ActivationBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("elu", (cs, a) -> {
            cs.expect(1, "x", "alpha");
            double alpha = cs.number(1, "alpha", 1.0);
            return cs.builder.g.add(Ops.ELU, Attrs.of("alpha", alpha), floatTensor(cs));
        });
        table.put("softplus", (cs, a) -> {
            cs.expect(1, "x", "beta", "threshold");
            double beta = cs.number(1, "beta", 1.0), threshold = cs.number(2, "threshold", 20.0);
            if (!(beta > 0)) throw new BuildError(cs.spanOf(1, "beta"), "softplus: beta must be positive, got " + beta);
            return cs.builder.g.add(Ops.SOFTPLUS, Attrs.of("beta", beta, "threshold", threshold), floatTensor(cs));
        });
        table.put("atan", (cs, a) -> {
            cs.expect(1, "x");
            return cs.builder.g.add(Ops.ATAN, floatTensor(cs));
        });
        table.put("gelu", (cs, a) -> {
            cs.expect(1, "x", "approximate");
            String approximate = cs.string(1, "approximate", "none");
            return switch (approximate) {
                case "none" -> cs.builder.g.add(Ops.GELU, floatTensor(cs));
                case "tanh" -> cs.builder.g.add(Ops.GELU_TANH, floatTensor(cs));
                default -> throw new BuildError(cs.spanOf(1, "approximate"), "gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
            };
        });
        table.put("prelu", ActivationBuiltins::prelu);
        table.put("maxout", ActivationBuiltins::maxout);
    }

    private static Node floatTensor(CallSite cs) {
        Node x = cs.tensor(0, "x");
        if (x.dtype() != DType.FLOAT) throw new BuildError(cs.spanOf(0, "x"), cs.name() + " needs float values, got " + x.type());
        return x;
    }

    /**
     * prelu(x, init=0.25, name=...): x where x &gt; 0, else a·x with one learnable slope a, the parameter
     * {@code <name>.weight} [1] initialised to {@code init}, like nn.PReLU().
     */
    private static Object prelu(CallSite cs, String assigned) {
        cs.expect(1, "x", "init", "name");
        ModelBuilder b = cs.builder;
        Node x = floatTensor(cs);
        double init = cs.number(1, "init", 0.25);
        String name = b.layerName(cs, "prelu", assigned);
        Node w = b.addParam(name + ".weight", Shape.of(1), new Initializers.Spec("constant", List.of(init)), 1, 1, cs.span());
        GraphBuilder g = b.g;
        if (x.shape().isScalar()) w = Ops.reshape(g, w, Shape.SCALAR);
        return g.add(Ops.PRELU, x, w);
    }

    /** maxout(x, k): the maximum of each group of k consecutive elements of the last axis, [..., k·m] → [..., m]. */
    private static Object maxout(CallSite cs, String assigned) {
        cs.expect(2, "x", "k");
        Node x = floatTensor(cs);
        int k = cs.integer(1, "k", 0);
        if (k < 1) throw new BuildError(cs.spanOf(1, "k"), "maxout: k must be a positive integer, got " + k);
        Shape s = x.shape();
        if (s.rank() < 1 || s.dim(-1).isSymbolic()) {
            throw new BuildError(cs.spanOf(0, "x"), "maxout needs an input whose last dimension is known, got " + s);
        }
        int n = s.dim(-1).size();
        if (n % k != 0) {
            throw new BuildError(cs.spanOf(1, "k"), "maxout: the last dimension of " + s + " (" + n + ") is not a multiple of k = " + k);
        }
        if (k == 1) return x;
        return cs.builder.g.add(Ops.MAXOUT, Attrs.of("k", k), x, x);
    }
}
