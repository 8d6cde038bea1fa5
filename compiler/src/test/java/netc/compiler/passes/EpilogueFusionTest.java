package netc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Printer;
import netc.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;

/** The matrix-product epilogue fusion: graphs before and after the pass. */
class EpilogueFusionTest {
    private static Graph after(Graph g) {
        return Verifier.verify(new EpilogueFusion().run(g), "epilogue");
    }

    @Test
    void biasAndReluBecomeTheProductsEpilogue() {
        Graph g = PassesTest.parse(" input x: float[batch, 3]\n param W: [3, 4]\n param b: [4]\n"
                + " output h = relu(x @ W + b)\n output z = sigmoid(x @ W)");
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = param "W" : f32[3, 4]  # @3
                  %2 = param "b" : f32[4]  # @4
                  %3 = gemm(%0, %1) {transA=false, transB=false} : f32[batch, 4]  # @5
                  %4 = add(%3, %2) : f32[batch, 4]  # @5
                  %5 = relu(%4) : f32[batch, 4]  # h @5
                  %6 = gemm(%0, %1) {transA=false, transB=false} : f32[batch, 4]  # @6
                  %7 = sigmoid(%6) : f32[batch, 4]  # z @6
                  output h = %5
                  output z = %7
                }
                """, Printer.print(g));
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = param "W" : f32[3, 4]  # @3
                  %2 = param "b" : f32[4]  # @4
                  %8 = gemm(%0, %1, %2) {act=relu, transA=false, transB=false} : f32[batch, 4]  # h @5
                  %9 = gemm(%0, %1) {act=sigmoid, transA=false, transB=false} : f32[batch, 4]  # z @6
                  output h = %8
                  output z = %9
                }
                """, Printer.print(after(g)));
    }

    @Test
    void reluMaskOfTheBackwardPassReadsTheFusedResult() {
        Graph g = PassesTest.parse(" input x: float[batch, 3]\n param W: [3, 4]\n param b: [4]\n"
                + " loss = sum(relu(x @ W + b))");
        Graph d = Autodiff.differentiate(g);
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = param "W" : f32[3, 4]  # @3
                  %2 = param "b" : f32[4]  # @4
                  %16 = gemm(%0, %1, %2) {act=relu, transA=false, transB=false} : f32[batch, 4]  # @5
                  %6 = reduce_sum(%16) {axes=[0, 1], keepdims=false} : f32[]  # loss @5
                  %7 = const() {value=1.0} : f32[]  # @5
                  %8 = reshape(%7) {shape=[1, 1]} : f32[1, 1]  # @5
                  %9 = identity(%8) {shape=[batch, 4]} : f32[batch, 4]  # @5
                  %17 = step(%16) : f32[batch, 4]  # @5
                  %11 = mul(%9, %17) : f32[batch, 4]  # @5
                  %12 = reduce_sum(%11) {axes=[0], keepdims=true} : f32[1, 4]  # @5
                  %13 = reshape(%12) {shape=[4]} : f32[4]  # @5
                  %15 = gemm(%0, %11) {transA=true, transB=false} : f32[3, 4]  # @5
                  loss = %6
                  grad W = %15
                  grad b = %13
                }
                """, Printer.print(after(d)));
    }

    @Test
    void anExposedOrSharedPreActivationKeepsTheActivationOut() {
        Graph g = PassesTest.parse(" input x: float[batch, 3]\n param W: [3, 4]\n param b: [4]\n"
                + " output z = x @ W + b\n output p = tanh(z)\n"
                + " u = x @ W + b\n output q = sigmoid(u) * u");
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = param "W" : f32[3, 4]  # @3
                  %2 = param "b" : f32[4]  # @4
                  %10 = gemm(%0, %1, %2) {transA=false, transB=false} : f32[batch, 4]  # z @5
                  %5 = tanh(%10) : f32[batch, 4]  # p @6
                  %11 = gemm(%0, %1, %2) {transA=false, transB=false} : f32[batch, 4]  # u @7
                  %8 = sigmoid(%11) : f32[batch, 4]  # @8
                  %9 = mul(%8, %11) : f32[batch, 4]  # q @8
                  output z = %10
                  output p = %5
                  output q = %9
                }
                """, Printer.print(after(g)));
    }

    @Test
    void aConvolutionTakesItsChannelBiasAndReluAndTheMaskReadsItsOutput() {
        Graph g = PassesTest.parse(" input x: float[batch, 1, 6, 6]\n"
                + " loss = sum(x |> conv2d(2, kernel=3, name=\"c\") |> relu)");
        Graph d = Autodiff.differentiate(g);
        // before: %5 = add(%2 conv, %4 bias [2, 1, 1]), %6 = relu(%5), the mask %11 = step(%5)
        assertTrue(Printer.print(d).contains("%5 = add(%2, %4) : f32[batch, 2, 4, 4]"));
        assertTrue(Printer.print(d).contains("%11 = step(%5) : f32[batch, 2, 4, 4]"));
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 1, 6, 6]  # @2
                  %1 = param "c.weight" : f32[2, 1, 3, 3]  # @3
                  %3 = param "c.bias" : f32[2]  # @3
                  %4 = reshape(%3) {shape=[2, 1, 1]} : f32[2, 1, 1]  # @3
                  %18 = conv(%0, %1, %4) {act=relu, dilation=[1, 1], pad=[0, 0], stride=[1, 1]} : f32[batch, 2, 4, 4]  # @3
                  %7 = reduce_sum(%18) {axes=[0, 1, 2, 3], keepdims=false} : f32[]  # loss @3
                  %8 = const() {value=1.0} : f32[]  # @3
                  %9 = reshape(%8) {shape=[1, 1, 1, 1]} : f32[1, 1, 1, 1]  # @3
                  %10 = identity(%9) {shape=[batch, 2, 4, 4]} : f32[batch, 2, 4, 4]  # @3
                  %19 = step(%18) : f32[batch, 2, 4, 4]  # @3
                  %12 = mul(%10, %19) : f32[batch, 2, 4, 4]  # @3
                  %13 = reduce_sum(%12) {axes=[0, 2, 3], keepdims=true} : f32[1, 2, 1, 1]  # @3
                  %14 = reshape(%13) {shape=[2, 1, 1]} : f32[2, 1, 1]  # @3
                  %16 = conv_grad_weight(%12, %0) {dilation=[1, 1], pad=[0, 0], stride=[1, 1], weight=[2, 1, 3, 3]} : f32[2, 1, 3, 3]  # @3
                  %17 = reshape(%14) {shape=[2]} : f32[2]  # @3
                  loss = %7
                  grad c.weight = %16
                  grad c.bias = %17
                }
                """, Printer.print(after(d)));
    }

    @Test
    void theBackwardProductTakesReluMaskAsItsEpilogue() {
        Graph g = PassesTest.parse(" input x: float[batch, 3]\n param W: [3, 4]\n param V: [4, 2]\n"
                + " loss = sum(relu(x @ W) @ V)");
        Graph d = Autodiff.differentiate(g);
        // before: %12 = step(%3) of the pre-activation, %13 = mul(%10, %12) with %10 = gemm(%9, %2) the gradient of relu's output
        assertTrue(Printer.print(d).contains("%13 = mul(%10, %12) : f32[batch, 4]"), Printer.print(d));
        assertEquals("""
                graph T {
                  %0 = input "x" : f32[batch, 3]  # @2
                  %1 = param "W" : f32[3, 4]  # @3
                  %2 = param "V" : f32[4, 2]  # @4
                  %16 = gemm(%0, %1) {act=relu, transA=false, transB=false} : f32[batch, 4]  # @5
                  %5 = gemm(%16, %2) {transA=false, transB=false} : f32[batch, 2]  # @5
                  %6 = reduce_sum(%5) {axes=[0, 1], keepdims=false} : f32[]  # loss @5
                  %7 = const() {value=1.0} : f32[]  # @5
                  %8 = reshape(%7) {shape=[1, 1]} : f32[1, 1]  # @5
                  %9 = identity(%8) {shape=[batch, 2]} : f32[batch, 2]  # @5
                  %11 = gemm(%16, %9) {transA=true, transB=false} : f32[4, 2]  # @5
                  %18 = gemm(%9, %2, %16) {mask=true, transA=false, transB=true} : f32[batch, 4]  # @5
                  %15 = gemm(%0, %18) {transA=true, transB=false} : f32[3, 4]  # @5
                  loss = %6
                  grad W = %15
                  grad V = %11
                }
                """, Printer.print(after(d)));
    }

    @Test
    void aBiasThatIsNotPerColumnIsNotFused() {
        Graph g = PassesTest.parse(" input x: float[batch, 3]\n param W: [3, 4]\n param c: [1]\n"
                + " output y = relu(x @ W + c)");
        assertSame(g, new EpilogueFusion().run(g));
        // over a convolution's width rather than its channels
        Graph conv = PassesTest.parse(" input x: float[batch, 1, 6, 6]\n param b: [4]\n"
                + " output y = relu(conv2d(x, 2, kernel=3, bias=false) + b)");
        assertSame(conv, new EpilogueFusion().run(conv));
    }
}
