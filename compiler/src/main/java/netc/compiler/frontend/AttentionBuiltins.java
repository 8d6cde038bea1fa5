package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** Attention layers, with the parameters of PyTorch's modules so that state dicts load by name. */
final class AttentionBuiltins {
    private AttentionBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("self_attention", AttentionBuiltins::selfAttention);
    }

    /**
     * self_attention(x, heads, causal=false, name=...) of x [batch, seq, d]: multi-head scaled dot-product attention
     * exactly as nn.MultiheadAttention(d, heads, batch_first=True)(x, x, x), with its parameters in_proj_weight [3d, d]
     * (xavier), in_proj_bias [3d] (zeros), out_proj.weight [d, d] and out_proj.bias [d] (zeros). Per head of d/heads
     * dimensions: softmax(q kᵀ / √(d/heads)) v, with causal=true each position attending to itself and earlier ones.
     */
    private static Object selfAttention(CallSite cs, String assigned) {
        cs.expect(2, "x", "heads", "causal", "name");
        ModelBuilder b = cs.builder;
        GraphBuilder g = b.g;
        Node x = cs.tensor(0, "x");
        Shape s = x.shape();
        if (s.rank() != 3 || s.dim(2).isSymbolic() || x.dtype() != netc.compiler.ir.DType.FLOAT) {
            throw new BuildError(cs.spanOf(0, "x"), "self_attention needs float values [batch, seq, d] with a known d, got " + x.type());
        }
        int d = s.dim(2).size(), heads = cs.integer(1, "heads", 1);
        if (heads <= 0 || d % heads != 0) {
            throw new BuildError(cs.spanOf(1, "heads"), "self_attention: heads must divide the model dimension " + d + ", got " + heads);
        }
        boolean causal = cs.bool(2, "causal", false);
        String name = b.layerName(cs, "self_attention", assigned);
        int hd = d / heads;
        double bound = 1.0 / Math.sqrt(d);
        Node wIn = b.addParam(name + ".in_proj_weight", Shape.of(3 * d, d), new Initializers.Spec("xavier", List.of()), d, 3 * d, cs.span());
        Node bIn = b.addParam(name + ".in_proj_bias", Shape.of(3 * d), new Initializers.Spec("zeros", List.of()), d, 3 * d, cs.span());
        Node wOut = b.addParam(name + ".out_proj.weight", Shape.of(d, d), new Initializers.Spec("uniform", List.of(-bound, bound)), d, d, cs.span());
        Node bOut = b.addParam(name + ".out_proj.bias", Shape.of(d), new Initializers.Spec("zeros", List.of()), d, d, cs.span());

        // q, k and v of every position in one product, then each as [batch, heads, seq, d/heads]
        Node qkv = Ops.add(g, g.add(Ops.GEMM, Attrs.of("transA", false, "transB", true), x, wIn), bIn);
        Node split = Ops.reshape(g, qkv, Shape.of(List.of(s.dim(0), s.dim(1), Dim.of(3), Dim.of(heads), Dim.of(hd))));
        Node perHead = g.add(Ops.PERMUTE, Attrs.of("perm", List.of(2, 0, 3, 1, 4)), split);
        Node q = part(g, perHead, 0), k = part(g, perHead, 1), v = part(g, perHead, 2);

        Node scores = g.add(Ops.BMM, Attrs.of("transA", false, "transB", true), q, k);
        Node weights = g.add(Ops.ATTENTION_SOFTMAX, Attrs.of("scale", 1 / Math.sqrt(hd), "causal", causal), scores);
        Node context = g.add(Ops.BMM, Attrs.of("transA", false, "transB", false), weights, v);
        // back to [batch, seq, d], the heads side by side
        Node joined = Ops.reshape(g, g.add(Ops.PERMUTE, Attrs.of("perm", List.of(0, 2, 1, 3)), context), s);
        return Ops.add(g, g.add(Ops.GEMM, Attrs.of("transA", false, "transB", true), joined, wOut), bOut);
    }

    /** Part {@code i} (q, k or v) of [3, batch, heads, seq, d/heads]: [batch, heads, seq, d/heads]. */
    private static Node part(GraphBuilder g, Node qkv, int i) {
        Shape s = qkv.shape();
        List<Integer> starts = new ArrayList<>(List.of(i, 0, 0, 0, 0)), steps = List.of(1, 1, 1, 1, 1);
        List<Dim> window = new ArrayList<>(s.dims());
        window.set(0, Dim.of(1));
        return g.add(Ops.SLICE, Attrs.of("starts", starts, "steps", steps, "squeeze", List.of(0), "window", Shape.of(window), "source", s), qkv);
    }
}
