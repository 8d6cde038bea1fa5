package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** Normalisation layers. */
final class NormBuiltins {
    private NormBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("batchnorm", NormBuiltins::batchnorm);
        table.put("layer_norm", NormBuiltins::layerNorm);
    }

    /**
     * batchnorm(x, momentum=0.1, eps=1e-5) over the channel dimension 1 of [batch, C] or [batch, C, ...], like
     * nn.BatchNorm1d/2d: batch statistics (biased variance) in training, running statistics in evaluation; the running
     * variance is updated with the unbiased batch variance. Parameters weight (ones), bias (zeros); buffers
     * running_mean (zeros), running_var (ones), num_batches_tracked.
     */
    private static Object batchnorm(CallSite cs, String assigned) {
        cs.expect(1, "x", "momentum", "eps", "name");
        ModelBuilder b = cs.builder;
        GraphBuilder g = b.g;
        Node x = cs.tensor(0, "x");
        Shape s = x.shape();
        if (s.rank() < 2 || s.dim(1).isSymbolic()) throw new BuildError(cs.spanOf(0, "x"), "batchnorm needs an input [batch, channels, ...], got " + s);
        double momentum = cs.number(1, "momentum", 0.1), eps = cs.number(2, "eps", 1e-5);
        if (momentum < 0 || momentum > 1) throw new BuildError(cs.spanOf(1, "momentum"), "momentum must be in [0, 1], got " + momentum);
        if (eps <= 0) throw new BuildError(cs.spanOf(2, "eps"), "eps must be positive, got " + eps);
        int c = s.dim(1).size();
        String name = b.layerName(cs, "batchnorm", assigned);
        Shape vec = Shape.of(c);
        Node weight = b.addParam(name + ".weight", vec, new Initializers.Spec("ones", List.of()), c, c, cs.span());
        Node bias = b.addParam(name + ".bias", vec, new Initializers.Spec("zeros", List.of()), c, c, cs.span());
        Node runMean = b.addBuffer(name + ".running_mean", vec, "zeros", cs.span());
        Node runVar = b.addBuffer(name + ".running_var", vec, "ones", cs.span());
        Node tracked = b.addBuffer(name + ".num_batches_tracked", Shape.SCALAR, "zeros", cs.span());

        List<Integer> axes = new ArrayList<>();
        List<Dim> keep = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            if (i != 1) axes.add(i);
            keep.add(i == 1 ? s.dim(1) : Dim.of(1));
        }
        Shape kept = Shape.of(keep);
        Node mean = Ops.mean(g, x, axes, true);
        Node centred = Ops.sub(g, x, mean);
        Node var = Ops.mean(g, Ops.mul(g, centred, centred), axes, true);
        Node useMean = g.add(Ops.MODE_SELECT, mean, Ops.reshape(g, runMean, kept));
        Node useVar = g.add(Ops.MODE_SELECT, var, Ops.reshape(g, runVar, kept));
        Node norm = Ops.div(g, Ops.sub(g, x, useMean), g.add(Ops.SQRT, Ops.add(g, useVar, Ops.constant(g, eps))));
        Node y = Ops.add(g, Ops.mul(g, norm, Ops.reshape(g, weight, kept)), Ops.reshape(g, bias, kept));

        // running statistics: (1 - m)·running + m·batch, with the unbiased variance n/(n-1)·var
        List<Dim> counted = new ArrayList<>();
        for (int a : axes) counted.add(s.dim(a));
        Node one = Ops.constant(g, 1);
        Node unbias = Ops.div(g, one, Ops.sub(g, one, Ops.constantPer(g, 1, Shape.of(counted))));
        Node keepOld = Ops.constant(g, 1 - momentum), takeNew = Ops.constant(g, momentum);
        b.addUpdate(name + ".running_mean", Ops.add(g, Ops.mul(g, keepOld, runMean), Ops.mul(g, takeNew, Ops.reshape(g, mean, vec))));
        b.addUpdate(name + ".running_var", Ops.add(g, Ops.mul(g, keepOld, runVar),
                Ops.mul(g, takeNew, Ops.mul(g, unbias, Ops.reshape(g, var, vec)))));
        b.addUpdate(name + ".num_batches_tracked", Ops.add(g, tracked, one));
        return y;
    }

    /**
     * layer_norm(x, eps=1e-5, name=...) over the last axis of [..., d], like nn.LayerNorm(d): parameters weight (ones)
     * and bias (zeros) [d]; the same in training and evaluation.
     */
    private static Object layerNorm(CallSite cs, String assigned) {
        cs.expect(1, "x", "eps", "name");
        ModelBuilder b = cs.builder;
        Node x = cs.tensor(0, "x");
        Shape s = x.shape();
        if (s.rank() < 1 || s.dim(-1).isSymbolic() || x.dtype() != netc.compiler.ir.DType.FLOAT) {
            throw new BuildError(cs.spanOf(0, "x"), "layer_norm needs float values with a known last dimension, got " + x.type());
        }
        double eps = cs.number(1, "eps", 1e-5);
        if (!(eps > 0)) throw new BuildError(cs.spanOf(1, "eps"), "eps must be positive, got " + eps);
        int d = s.dim(-1).size();
        String name = b.layerName(cs, "layer_norm", assigned);
        Node weight = b.addParam(name + ".weight", Shape.of(d), new Initializers.Spec("ones", List.of()), d, d, cs.span());
        Node bias = b.addParam(name + ".bias", Shape.of(d), new Initializers.Spec("zeros", List.of()), d, d, cs.span());
        return b.g.add(Ops.LAYER_NORM, netc.compiler.ir.Attrs.of("eps", eps), x, weight, bias);
    }
}
