package netc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Printer;
import netc.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the pass cases ({@link PassCasesTest}, graphs in and out as files) do not show: that a pass leaves a graph alone
 * or keeps what it must, and the verifier over every model after every pass.
 */
class PassesTest {
    static Graph parse(String body) {
        return NetCompiler.parse("t.net", "model T {\n" + body + "\n}\n");
    }

    @Test
    void cseNeverMergesRandomMasks() {
        Graph g = parse(" param A: [4]\n loss = sum(dropout(A, 0.5) + dropout(A, 0.5))");
        Graph after = new CommonSubexpressionElimination().run(g);
        long masks = after.nodes().stream().filter(n -> n.op().name().equals("dropout_mask")).count();
        assertEquals(2, masks);
    }

    @Test
    void stableFormsLeaveOtherLogsAlone() {
        Graph g = parse(" param A: [2]\n loss = sum(log(softmax(A) + 1) + log(2 - sigmoid(A)) + log(exp(A) + A))");
        assertSame(g, new StableForms().run(g));
    }

    @Test
    void reductionFusionKeepsProducersThatOthersUse() {
        // the bias gradient's operand also feeds the weight gradient's product: it is stored once and summed
        Graph g = NetCompiler.trainingGraph(parse(" input x: float[batch, 3]\n param W: [3, 2]\n param b: [2]\n loss = sum(tanh(x @ W + b))"), true);
        assertEquals(0, g.nodes().stream().filter(netc.compiler.ops.Fused::isReduction).count(), Printer.print(g));
        Graph mse = NetCompiler.trainingGraph(parse(" input x: float[batch, 3]\n input t: float[batch, 2]\n param W: [3, 2]\n loss = mse(x @ W, t)"), true);
        assertEquals(1, mse.nodes().stream().filter(netc.compiler.ops.Fused::isReduction).count(), Printer.print(mse));
    }

    @Test
    void aBiasThatIsNotPerColumnIsNotFused() {
        Graph g = parse(" input x: float[batch, 3]\n param W: [3, 4]\n param c: [1]\n output y = relu(x @ W + c)");
        assertSame(g, new EpilogueFusion().run(g));
        // over a convolution's width rather than its channels
        Graph conv = parse(" input x: float[batch, 1, 6, 6]\n param b: [4]\n output y = relu(conv2d(x, 2, kernel=3, bias=false) + b)");
        assertSame(conv, new EpilogueFusion().run(conv));
    }

    @Test
    void attentionsQkvGradientsAreJoinedNotSpreadOverZeros() {
        // q, k and v are slices of one [3, …] tensor: their gradients join into it, where each filled all of it
        Graph g = NetCompiler.trainingGraph(parse(" input x: float[batch, seq, 8]\n loss = sum(self_attention(x, heads=2, name=\"att\"))"), true);
        String printed = Printer.print(g);
        assertEquals(0, g.nodes().stream().filter(n -> n.op().name().equals("slice_grad")).count(), printed);
        assertEquals(1, g.nodes().stream().filter(n -> n.op().name().equals("concat") && n.inputs().size() == 3).count(), printed);
    }

    static Stream<Path> models() throws Exception {
        Stream<Path> own = Files.list(Path.of("../models")).filter(p -> p.toString().endsWith(".net"));
        Path shared = Path.of(System.getProperty("netc.shared", "../../shared"), "fixtures");
        Stream<Path> fixtures = Files.isDirectory(shared)
                ? Files.list(shared).filter(p -> p.toString().endsWith(".net") && !p.toString().contains("lstm") && !p.toString().contains("cnn"))
                : Stream.empty();
        return Stream.concat(own, fixtures).sorted();
    }

    @ParameterizedTest
    @MethodSource("models")
    void everyModelStaysValidThroughEveryPass(Path model) {
        Graph g = Autodiff.differentiate(Pipeline.beforeDifferentiation(NetCompiler.parse(model), true));
        assertEquals(List.of(), Verifier.check(g));
        Pipeline.optimize(g, true);
    }
}
