package netc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
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

/** Each pass as "this graph in, this graph out", and the verifier over every model after every pass. */
class PassesTest {
    static Graph parse(String body) {
        return NetCompiler.parse("t.net", "model T {\n" + body + "\n}\n");
    }

    @Test
    void cseMergesRepeatedPureExpressions() {
        Graph g = parse(" param A: [2]\n param B: [2]\n loss = sum(A * B + A * B)");
        String before = Printer.print(g);
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2]  # @2
                  %1 = param "B" : f32[2]  # @3
                  %2 = mul(%0, %1) : f32[2]  # @4
                  %3 = mul(%0, %1) : f32[2]  # @4
                  %4 = add(%2, %3) : f32[2]  # @4
                  %5 = reduce_sum(%4) {axes=[0], keepdims=false} : f32[]  # loss @4
                  loss = %5
                }
                """, before);
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2]  # @2
                  %1 = param "B" : f32[2]  # @3
                  %2 = mul(%0, %1) : f32[2]  # @4
                  %4 = add(%2, %2) : f32[2]  # @4
                  %5 = reduce_sum(%4) {axes=[0], keepdims=false} : f32[]  # loss @4
                  loss = %5
                }
                """, Printer.print(Verifier.verify(new CommonSubexpressionElimination().run(g), "cse")));
    }

    @Test
    void cseNeverMergesRandomMasks() {
        Graph g = parse(" param A: [4]\n loss = sum(dropout(A, 0.5) + dropout(A, 0.5))");
        Graph after = new CommonSubexpressionElimination().run(g);
        long masks = after.nodes().stream().filter(n -> n.op().name().equals("dropout_mask")).count();
        assertEquals(2, masks);
    }

    @Test
    void dceDropsValuesNothingUses() {
        Graph g = parse(" param A: [2]\n unused = exp(A) * 3\n loss = sum(A)");
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2]  # @2
                  %4 = reduce_sum(%0) {axes=[0], keepdims=false} : f32[]  # loss @4
                  loss = %4
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(g), "dce")));
    }

    @Test
    void stableFormsRewriteLogsOfSoftmaxAndSigmoid() {
        Graph g = parse(" input z: float[batch, 3]\n input y: int[batch]\n p = sigmoid(z)\n"
                + " loss = nll(log(softmax(z)), y) - mean(log(p) + log(1 - p)) + sum(log(1 + exp(-z)))");
        assertEquals(BEFORE_STABLE, Printer.print(g));
        assertEquals(AFTER_STABLE, Printer.print(Verifier.verify(new StableForms().run(g), "stable-forms")));
    }

    @Test
    void stableFormsLeaveOtherLogsAlone() {
        Graph g = parse(" param A: [2]\n loss = sum(log(softmax(A) + 1) + log(2 - sigmoid(A)) + log(exp(A) + A))");
        assertSame(g, new StableForms().run(g));
    }

    @Test
    void simplifyRemovesIdentitiesAndFoldsScalarConstants() {
        Graph g = parse(" param A: [2]\n loss = sum(--(A * 1 + 0) * (2 * 3))");
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2]  # @2
                  %7 = const() {value=6.0} : f32[]  # @3
                  %8 = mul(%0, %7) : f32[2]  # @3
                  %9 = reduce_sum(%8) {axes=[0], keepdims=false} : f32[]  # loss @3
                  loss = %9
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(new AlgebraicSimplification().run(g)), "simplify")));
    }

    @Test
    void fusionMakesOneLoopOfAnElementwiseChainAndKeepsSharedValues() {
        Graph g = parse(" param A: [2, 3]\n param b: [3]\n h = tanh(A + b)\n loss = sum(exp(h) * h - 1)");
        String after = Printer.print(Verifier.verify(new DeadCodeElimination().run(new ElementwiseFusion().run(g)), "fuse"));
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2, 3]  # @2
                  %1 = param "b" : f32[3]  # @3
                  %9 = fused(%0, %1) {program=tanh(add($0, $1)), shape=[2, 3]} : f32[2, 3]  # h @4
                  %6 = const() {value=1.0} : f32[]  # @5
                  %10 = fused(%9, %6) {program=sub(mul(exp($0), $0), $1), shape=[2, 3]} : f32[2, 3]  # @5
                  %8 = reduce_sum(%10) {axes=[0, 1], keepdims=false} : f32[]  # loss @5
                  loss = %8
                }
                """, after);
    }

    @Test
    void constantFoldingEvaluatesScalarChains() {
        Graph g = parse(" input x: float[batch, 2]\n param A: [2]\n loss = mean(x * A * exp(2) / sqrt(4)) * (1 - 3)");
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 2]  # @2
                  %1 = param "A" : f32[2]  # @3
                  %2 = mul(%0, %1) : f32[batch, 2]  # @4
                  %3 = const() {value=2.0} : f32[]  # @4
                  %4 = exp(%3) : f32[]  # @4
                  %5 = mul(%2, %4) : f32[batch, 2]  # @4
                  %6 = const() {value=4.0} : f32[]  # @4
                  %7 = sqrt(%6) : f32[]  # @4
                  %8 = div(%5, %7) : f32[batch, 2]  # @4
                  %9 = reduce_sum(%8) {axes=[0, 1], keepdims=false} : f32[]  # @4
                  %10 = const() {per=[batch, 2], value=1.0} : f32[]  # @4
                  %11 = mul(%9, %10) : f32[]  # @4
                  %12 = const() {value=-2.0} : f32[]  # @4
                  %13 = mul(%11, %12) : f32[]  # loss @4
                  loss = %13
                }
                """, Printer.print(g));
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 2]  # @2
                  %1 = param "A" : f32[2]  # @3
                  %2 = mul(%0, %1) : f32[batch, 2]  # @4
                  %14 = const() {value=7.38905609893065} : f32[]  # @4
                  %5 = mul(%2, %14) : f32[batch, 2]  # @4
                  %15 = const() {value=2.0} : f32[]  # @4
                  %8 = div(%5, %15) : f32[batch, 2]  # @4
                  %9 = reduce_sum(%8) {axes=[0, 1], keepdims=false} : f32[]  # @4
                  %10 = const() {per=[batch, 2], value=1.0} : f32[]  # @4
                  %11 = mul(%9, %10) : f32[]  # @4
                  %12 = const() {value=-2.0} : f32[]  # @4
                  %13 = mul(%11, %12) : f32[]  # loss @4
                  loss = %13
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(new ConstantFolding().run(g)), "fold")));
    }

    @Test
    void constantFoldingKeepsTheBatchDivisorOfAMeansGradient() {
        Graph g = Autodiff.differentiate(parse(" input x: float[batch, 2]\n param A: [2]\n loss = -mean(x * A)"));
        // the seed 1, negated, times 1/(batch·2): one constant over the batch
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 2]  # @2
                  %1 = param "A" : f32[2]  # @3
                  %2 = mul(%0, %1) : f32[batch, 2]  # @4
                  %3 = reduce_sum(%2) {axes=[0, 1], keepdims=false} : f32[]  # @4
                  %4 = const() {per=[batch, 2], value=1.0} : f32[]  # @4
                  %5 = mul(%3, %4) : f32[]  # @4
                  %6 = neg(%5) : f32[]  # loss @4
                  %18 = const() {per=[batch, 2], value=-1.0} : f32[]  # @4
                  %11 = reshape(%18) {shape=[1, 1]} : f32[1, 1]  # @4
                  %12 = identity(%11) {shape=[batch, 2]} : f32[batch, 2]  # @4
                  %14 = mul(%12, %0) : f32[batch, 2]  # @4
                  %15 = reduce_sum(%14) {axes=[0], keepdims=true} : f32[1, 2]  # @4
                  %16 = reshape(%15) {shape=[2]} : f32[2]  # @4
                  loss = %6
                  grad A = %16
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(new ConstantFolding().run(g)), "fold")));
    }

    @Test
    void simplifyMovesNegationsOutOfSumsAndDropsBroadcastsOfOneValue() {
        Graph g = parse(" param A: [2, 3]\n param b: [3]\n loss = sum(-exp(A)) + sum(-(A + b) * 3)");
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[2, 3]  # @2
                  %1 = param "b" : f32[3]  # @3
                  %2 = exp(%0) : f32[2, 3]  # @4
                  %11 = reduce_sum(%2) {axes=[0, 1], keepdims=false} : f32[]  # @4
                  %12 = neg(%11) : f32[]  # @4
                  %5 = add(%0, %1) : f32[2, 3]  # @4
                  %7 = const() {value=3.0} : f32[]  # @4
                  %13 = mul(%5, %7) : f32[2, 3]  # @4
                  %15 = reduce_sum(%13) {axes=[0, 1], keepdims=false} : f32[]  # @4
                  %16 = neg(%15) : f32[]  # @4
                  %10 = add(%12, %16) : f32[]  # loss @4
                  loss = %10
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(new AlgebraicSimplification().run(g)), "simplify")));
        Graph grad = new ConstantFolding().run(Autodiff.differentiate(parse(" input x: float[batch, 2]\n param A: [2]\n loss = -mean(x * A)")));
        String after = Printer.print(Verifier.verify(new DeadCodeElimination().run(new AlgebraicSimplification().run(grad)), "simplify"));
        // the gradient multiplies x by the constant itself, not by an array of batch·2 copies of it
        assertTrue(after.contains("%19 = mul(%18, %0) : f32[batch, 2]"), after);
        assertFalse(after.contains("identity"), after);
    }

    @Test
    void crossEntropyWithLabelsBecomesOneKernelEachWayAndReusesTheOutputProbabilities() {
        Graph g = parse(" input x: float[batch, 3]\n input y: int[batch]\n param W: [3, 4]\n z = x @ W\n output p = softmax(z)\n"
                + " loss = cross_entropy(z, y)");
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = input "y" : i32[batch]  # @3
                  %2 = param "W" : f32[3, 4]  # @4
                  %3 = gemm(%0, %2) {transA=false, transB=false} : f32[batch, 4]  # z @5
                  %4 = softmax(%3) : f32[batch, 4]  # p @6
                  %13 = softmax_xent(%3, %1) : f32[batch]  # @7
                  %14 = neg(%13) : f32[batch]  # @7
                  %9 = reduce_sum(%14) {axes=[0], keepdims=false} : f32[]  # @7
                  %10 = const() {per=[batch], value=1.0} : f32[]  # @7
                  %11 = mul(%9, %10) : f32[]  # @7
                  %12 = neg(%11) : f32[]  # loss @7
                  output p = %4
                  loss = %12
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(new SoftmaxCrossEntropyFusion().run(g)), "softmax-xent")));
        // after differentiation and the other passes: the gradient is one kernel over the probabilities, scaled by 1/batch
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = input "y" : i32[batch]  # @3
                  %2 = param "W" : f32[3, 4]  # @4
                  %3 = gemm(%0, %2) {transA=false, transB=false} : f32[batch, 4]  # z @5
                  %4 = softmax(%3) : f32[batch, 4]  # p @6
                  %13 = softmax_xent(%3, %1) : f32[batch]  # @7
                  %27 = reduce_sum(%13) {axes=[0], keepdims=false} : f32[]  # @7
                  %10 = const() {per=[batch], value=1.0} : f32[]  # @7
                  %29 = mul(%27, %10) : f32[]  # @7
                  %37 = softmax_xent_grad(%4, %1, %10) {probs=true} : f32[batch, 4]  # @7
                  %24 = gemm(%0, %37) {transA=true, transB=false} : f32[3, 4]  # @5
                  output p = %4
                  loss = %29
                  grad W = %24
                }
                """, Printer.print(NetCompiler.trainingGraph(g, true)));
    }

    @Test
    void crossEntropyWithProbabilityTargetsRecomputesTheSoftmaxInItsGradientKernel() {
        Graph g = parse(" input x: float[batch, 3]\n input t: float[batch, 4]\n param W: [3, 4]\n loss = cross_entropy(x @ W, t)");
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = input "t" : f32[batch, 4]  # @3
                  %2 = param "W" : f32[3, 4]  # @4
                  %3 = gemm(%0, %2) {transA=false, transB=false} : f32[batch, 4]  # @5
                  %11 = softmax_xent(%3, %1) : f32[batch]  # @5
                  %29 = reduce_sum(%11) {axes=[0], keepdims=false} : f32[]  # @5
                  %8 = const() {per=[batch], value=1.0} : f32[]  # @5
                  %31 = mul(%29, %8) : f32[]  # @5
                  %39 = softmax_xent_grad(%3, %1, %8) : f32[batch, 4]  # @5
                  %26 = gemm(%0, %39) {transA=true, transB=false} : f32[3, 4]  # @5
                  loss = %31
                  grad W = %26
                }
                """, Printer.print(NetCompiler.trainingGraph(g, true)));
    }

    @Test
    void reductionFusionSumsElementwiseChainsWithoutStoringThem() {
        Graph g = parse(" param A: [4, 3]\n param b: [3]\n param t: [4, 3]\n r = sum(relu(A + b) * t, axis=0)\n loss = sum(r * r) + sum(exp(A))");
        Graph fused = new ReductionFusion().run(new ElementwiseFusion().run(g));
        assertEquals("""
                graph T {
                  %0 = param "A" : f32[4, 3]  # @2
                  %1 = param "b" : f32[3]  # @3
                  %2 = param "t" : f32[4, 3]  # @4
                  %13 = fused(%0, %1, %2) {axes=[0], keepdims=false, program=mul(relu(add($0, $1)), $2), shape=[4, 3]} : f32[3]  # r @5
                  %14 = fused(%13, %13) {axes=[0], keepdims=false, program=mul($0, $1), shape=[3]} : f32[]  # @6
                  %15 = fused(%0) {axes=[0, 1], keepdims=false, program=exp($0), shape=[4, 3]} : f32[]  # @6
                  %11 = add(%14, %15) : f32[]  # loss @6
                  loss = %11
                }
                """, Printer.print(Verifier.verify(new DeadCodeElimination().run(fused), "fuse-reductions")));
    }

    @Test
    void reductionFusionKeepsProducersThatOthersUse() {
        // the bias gradient's operand also feeds the weight gradient's product: it is stored once and summed
        Graph g = NetCompiler.trainingGraph(parse(" input x: float[batch, 3]\n param W: [3, 2]\n param b: [2]\n loss = sum(tanh(x @ W + b))"), true);
        assertEquals(0, g.nodes().stream().filter(netc.compiler.ops.Fused::isReduction).count(), Printer.print(g));
        Graph mse = NetCompiler.trainingGraph(parse(" input x: float[batch, 3]\n input t: float[batch, 2]\n param W: [3, 2]\n loss = mse(x @ W, t)"), true);
        assertEquals(1, mse.nodes().stream().filter(netc.compiler.ops.Fused::isReduction).count(), Printer.print(mse));
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

    static final String BEFORE_STABLE = """
            graph T {
              %0 = input "z" : f32[batch, 3]  # @2
              %1 = input "y" : i32[batch]  # @3
              %2 = sigmoid(%0) : f32[batch, 3]  # p @4
              %3 = softmax(%0) : f32[batch, 3]  # @5
              %4 = log(%3) : f32[batch, 3]  # @5
              %5 = one_hot(%1) {classes=3} : f32[batch, 3]  # @5
              %6 = mul(%5, %4) : f32[batch, 3]  # @5
              %7 = reduce_sum(%6) {axes=[1], keepdims=false} : f32[batch]  # @5
              %8 = reduce_sum(%7) {axes=[0], keepdims=false} : f32[]  # @5
              %9 = const() {per=[batch], value=1.0} : f32[]  # @5
              %10 = mul(%8, %9) : f32[]  # @5
              %11 = neg(%10) : f32[]  # @5
              %12 = log(%2) : f32[batch, 3]  # @5
              %13 = const() {value=1.0} : f32[]  # @5
              %14 = sub(%13, %2) : f32[batch, 3]  # @5
              %15 = log(%14) : f32[batch, 3]  # @5
              %16 = add(%12, %15) : f32[batch, 3]  # @5
              %17 = reduce_sum(%16) {axes=[0, 1], keepdims=false} : f32[]  # @5
              %18 = const() {per=[batch, 3], value=1.0} : f32[]  # @5
              %19 = mul(%17, %18) : f32[]  # @5
              %20 = sub(%11, %19) : f32[]  # @5
              %21 = neg(%0) : f32[batch, 3]  # @5
              %22 = exp(%21) : f32[batch, 3]  # @5
              %23 = const() {value=1.0} : f32[]  # @5
              %24 = add(%23, %22) : f32[batch, 3]  # @5
              %25 = log(%24) : f32[batch, 3]  # @5
              %26 = reduce_sum(%25) {axes=[0, 1], keepdims=false} : f32[]  # @5
              %27 = add(%20, %26) : f32[]  # loss @5
              loss = %27
            }
            """;
    static final String AFTER_STABLE = """
            graph T {
              %0 = input "z" : f32[batch, 3]  # @2
              %1 = input "y" : i32[batch]  # @3
              %2 = sigmoid(%0) : f32[batch, 3]  # p @4
              %3 = softmax(%0) : f32[batch, 3]  # @5
              %28 = log_softmax(%0) : f32[batch, 3]  # @5
              %5 = one_hot(%1) {classes=3} : f32[batch, 3]  # @5
              %6 = mul(%5, %28) : f32[batch, 3]  # @5
              %7 = reduce_sum(%6) {axes=[1], keepdims=false} : f32[batch]  # @5
              %8 = reduce_sum(%7) {axes=[0], keepdims=false} : f32[]  # @5
              %9 = const() {per=[batch], value=1.0} : f32[]  # @5
              %10 = mul(%8, %9) : f32[]  # @5
              %11 = neg(%10) : f32[]  # @5
              %29 = neg(%0) : f32[batch, 3]  # @5
              %30 = softplus(%29) {beta=1.0, threshold=20.0} : f32[batch, 3]  # @5
              %31 = neg(%30) : f32[batch, 3]  # @5
              %13 = const() {value=1.0} : f32[]  # @5
              %14 = sub(%13, %2) : f32[batch, 3]  # @5
              %32 = softplus(%0) {beta=1.0, threshold=20.0} : f32[batch, 3]  # @5
              %33 = neg(%32) : f32[batch, 3]  # @5
              %16 = add(%31, %33) : f32[batch, 3]  # @5
              %17 = reduce_sum(%16) {axes=[0, 1], keepdims=false} : f32[]  # @5
              %18 = const() {per=[batch, 3], value=1.0} : f32[]  # @5
              %19 = mul(%17, %18) : f32[]  # @5
              %20 = sub(%11, %19) : f32[]  # @5
              %21 = neg(%0) : f32[batch, 3]  # @5
              %22 = exp(%21) : f32[batch, 3]  # @5
              %23 = const() {value=1.0} : f32[]  # @5
              %24 = add(%23, %22) : f32[batch, 3]  # @5
              %34 = softplus(%21) {beta=1.0, threshold=20.0} : f32[batch, 3]  # @5
              %26 = reduce_sum(%34) {axes=[0, 1], keepdims=false} : f32[]  # @5
              %27 = add(%20, %26) : f32[]  # loss @5
              loss = %27
            }
            """;
}
