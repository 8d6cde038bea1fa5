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
        Graph g = Autodiff.differentiate(NetCompiler.parse(model));
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
