package netc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import org.junit.jupiter.api.Test;

/** The layer calls the front end records, and the drawing that shows each as one box. */
class LayersTest {
    static final Path CNN_BN = Path.of("../models/cnn_bn.net");

    static String summary(Layers.Layer l) {
        return l.kind() + " " + l.name() + " " + l.output().type() + " " + l.trainable() + "+" + l.nonTrainable();
    }

    @Test
    void pipedLayersAreFoundEachWithItsOwnOps() {
        Graph g = NetCompiler.parse(CNN_BN);
        List<String> got = Layers.of(g).stream().map(LayersTest::summary).toList();
        assertEquals(List.of(
                "conv2d conv1 f32[batch, 8, 28, 28] 72+0",
                "batchnorm bn1 f32[batch, 8, 28, 28] 16+17",
                "conv2d conv2 f32[batch, 16, 14, 14] 1152+0",
                "batchnorm bn2 f32[batch, 16, 14, 14] 32+33",
                "dense fc1 f32[batch, 64] 50240+0",
                "dense fc2 f32[batch, 10] 650+0"), got);
        // the ops of one batch norm: its statistics and their updates, not the relu and the pooling after it
        Layers.Layer bn1 = Layers.of(g).get(1);
        assertTrue(bn1.nodes().stream().anyMatch(n -> n.op().name().equals("mode_select")));
        assertFalse(bn1.nodes().stream().anyMatch(n -> n.op().name().equals("relu")));
        assertEquals(List.of(), g.remap(g.nodes(), n -> n).layers(), "a pass that rebuilds the nodes drops the record");
    }

    @Test
    void eachExpansionOfADefIsALayerOfItsOwn() {
        Graph g = NetCompiler.parse("defs.net", """
                model Defs {
                  input x: float[batch, 3]
                  def block(v, n) = dense(v, n) |> relu
                  h = block(block(x, 4), 5)
                  w = dense(h, 2, name="head")
                  output y = w
                }
                """);
        assertEquals(List.of("dense block1.dense1 f32[batch, 4] 16+0", "dense h.dense1 f32[batch, 5] 25+0", "dense head f32[batch, 2] 12+0"),
                Layers.of(g).stream().map(LayersTest::summary).toList());
    }

    @Test
    void theDrawingShowsEachLayerAsOneBoxWithItsEdges() {
        Graph g = NetCompiler.parse(CNN_BN);
        String dot = Dot.render(g, new HashSet<>(g.nodes()), Layers.of(g)), all = Dot.render(g, new HashSet<>(g.nodes()));
        assertTrue(dot.contains("label=\"batchnorm bn1\\nf32[batch, 8, 28, 28]\\n16 parameters + 17 non-trainable\""), dot);
        assertFalse(dot.contains("mode_select"), "a layer's ops are inside its box");
        assertFalse(dot.contains("running_mean"), "and its buffers");
        assertTrue(all.contains("mode_select") && all.contains("running_mean"), "the expanded drawing has them");
        // conv1 → bn1 → relu: one edge each, none from inside a box
        Layers.Layer conv1 = Layers.of(g).get(0), bn1 = Layers.of(g).get(1);
        assertEquals(1, count(dot, "  n" + conv1.output().id() + " -> n" + bn1.output().id() + ";"));
        assertEquals(1, count(dot, "  n" + bn1.output().id() + " -> "));
        for (Node n : bn1.nodes()) if (n != bn1.output()) assertFalse(dot.contains("  n" + n.id() + " "), "node " + n.id() + " is hidden");
        // with the backward pass the boxes stay, the gradient ops drawn apart
        Graph grad = Autodiff.differentiate(g);
        String withGrad = Dot.render(grad, new HashSet<>(g.nodes()), Layers.of(grad));
        assertTrue(withGrad.contains("batchnorm bn2") && withGrad.contains("grad fc1.weight"), withGrad);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
