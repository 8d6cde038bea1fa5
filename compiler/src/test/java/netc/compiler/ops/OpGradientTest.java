package netc.compiler.ops;

import static netc.compiler.GradCheck.Dist.POSITIVE;
import static netc.compiler.GradCheck.Dist.PROB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import netc.compiler.GradCheck;
import netc.compiler.GradCheck.Dist;
import netc.runtime.Model;
import netc.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference checks of every op's and layer's symbolic gradient, in double precision. Each case declares
 * parameters, an expression y, and the shape of y; the loss is sum(y * K) with a random K so that every element
 * of y's gradient is checked.
 */
class OpGradientTest {
    /** A case: name, parameter declarations, expression, its shape, and the distributions of the parameters. */
    static Arguments c(String name, String params, String expr, String shape, Object... dists) {
        Map<String, Dist> d = new HashMap<>();
        for (int i = 0; i < dists.length; i += 2) d.put((String) dists[i], (Dist) dists[i + 1]);
        return Arguments.of(name, params, expr, shape, d);
    }

    static Stream<Arguments> elementwise() {
        return Stream.of(
                c("add broadcast", "param A: [3, 4]\n param B: [4]", "A + B", "[3, 4]"),
                c("sub column broadcast", "param A: [3, 4]\n param B: [3, 1]", "A - B", "[3, 4]"),
                c("mul row broadcast", "param A: [2, 3]\n param B: [1, 3]", "A * B", "[2, 3]"),
                c("mul by scalar param", "param A: [2, 3]\n param s: []", "A * s", "[2, 3]"),
                c("div", "param A: [2, 3]\n param B: [2, 3]", "A / B", "[2, 3]", "B", POSITIVE),
                c("div scalar by tensor", "param A: [2, 3]", "1 / A", "[2, 3]", "A", POSITIVE),
                c("neg", "param A: [2, 3]", "-A", "[2, 3]"),
                c("exp", "param A: [2, 3]", "exp(A)", "[2, 3]"),
                c("log", "param A: [2, 3]", "log(A)", "[2, 3]", "A", POSITIVE),
                c("sqrt", "param A: [2, 3]", "sqrt(A)", "[2, 3]", "A", POSITIVE),
                c("abs", "param A: [2, 3]", "abs(A)", "[2, 3]"),
                c("pow constant", "param A: [2, 3]", "A ^ 3", "[2, 3]", "A", POSITIVE),
                c("pow tensor", "param A: [2, 3]\n param B: [3]", "pow(A, B)", "[2, 3]", "A", POSITIVE),
                c("max", "param A: [2, 3]\n param B: [2, 3]", "max(A, B)", "[2, 3]"),
                c("min broadcast", "param A: [2, 3]\n param B: [3]", "min(A, B)", "[2, 3]"),
                c("sigmoid", "param A: [2, 3]", "sigmoid(A)", "[2, 3]"),
                c("tanh", "param A: [2, 3]", "tanh(A)", "[2, 3]"),
                c("relu", "param A: [2, 3]", "relu(A)", "[2, 3]"),
                c("leaky_relu", "param A: [2, 3]", "leaky_relu(A, alpha=0.1)", "[2, 3]"),
                c("leaky_relu second order", "param A: [2, 3]", "grad(sum(leaky_relu(A, 0.1) ^ 2), A)", "[2, 3]"),
                c("relu second order", "param A: [2, 3]", "grad(sum(relu(A) ^ 2), A)", "[2, 3]"),
                c("max second order", "param A: [2, 3]\n param B: [2, 3]", "grad(sum(max(A, B) ^ 2), A)", "[2, 3]"),
                c("log2", "param A: [2, 3]", "log2(A)", "[2, 3]", "A", POSITIVE),
                c("log10", "param A: [2, 3]", "log10(A)", "[2, 3]", "A", POSITIVE),
                c("xlogy", "param A: [2, 3]\n param B: [2, 3]", "xlogy(A, B)", "[2, 3]", "B", POSITIVE),
                c("max over an axis", "param A: [3, 4]", "max(A, axis=1)", "[3]"),
                c("prod over an axis", "param A: [3, 4]", "prod(A, axis=1)", "[3]"),
                c("prod over axes, kept", "param A: [2, 3, 2]", "prod(A, axis=[0, 2], keepdims=true)", "[1, 3, 1]"),
                c("min over axes, kept", "param A: [2, 3, 4]", "min(A, axis=[0, 2], keepdims=true)", "[1, 3, 1]"),
                c("maximum and minimum", "param A: [2, 3]\n param B: [3]", "maximum(A, B) + minimum(A, 0.3)", "[2, 3]"),
                c("sign has zero gradient", "param A: [2, 3]\n param B: [2, 3]", "sign(A) * B", "[2, 3]"),
                c("identity", "param A: [2, 3]", "identity(A)", "[2, 3]"),
                c("step has zero gradient", "param A: [2, 3]\n param B: [2, 3]", "step(A) * B", "[2, 3]"),
                c("chain", "param A: [2, 3]\n param B: [3]", "tanh(A * B + exp(-A)) / (1 + A * A)", "[2, 3]"),
                c("elu", "param A: [2, 3]", "elu(A)", "[2, 3]"),
                c("elu alpha", "param A: [2, 3]", "elu(A, alpha=0.5)", "[2, 3]"),
                c("elu second order", "param A: [2, 3]", "grad(sum(elu(A, 1.5) ^ 2), A)", "[2, 3]"),
                c("prelu", "param A: [2, 3]", "prelu(A, name=\"act\")", "[2, 3]"),
                c("prelu second order", "param A: [2, 3]", "grad(sum(prelu(A) ^ 2), A) + grad(sum(prelu(A, name=\"p\") ^ 2), p.weight)", "[2, 3]"),
                c("softplus", "param A: [2, 3]", "softplus(A)", "[2, 3]"),
                c("softplus beta threshold", "param A: [2, 4]", "softplus(A, beta=2, threshold=1.5)", "[2, 4]"),
                c("softplus second order", "param A: [2, 3]", "grad(sum(softplus(A, beta=3) ^ 2), A)", "[2, 3]"),
                c("atan", "param A: [2, 3]", "atan(A)", "[2, 3]"),
                c("gelu", "param A: [3, 4]", "gelu(A * 3)", "[3, 4]"),
                c("gelu tanh", "param A: [3, 4]", "gelu(A * 3, approximate=\"tanh\")", "[3, 4]"),
                c("gelu second order", "param A: [3, 4]", "grad(sum(gelu(A * 3) ^ 2), A)", "[3, 4]"),
                c("gelu tanh second order", "param A: [3, 4]", "grad(sum(gelu(A * 3, approximate=\"tanh\") ^ 2), A)", "[3, 4]"),
                c("bce_logits kernel second order", "param Z: [2, 3]\n param T: [2, 3]", "grad(bce_logits(Z, T) * sum(Z), Z)", "[2, 3]", "T", PROB));
    }

    static Stream<Arguments> structural() {
        return Stream.of(
                c("softmax", "param A: [3, 5]", "softmax(A)", "[3, 5]"),
                c("batched matmul rank 3", "param A: [2, 3, 4]\n param B: [2, 4, 5]", "A @ B", "[2, 3, 5]"),
                c("batched matmul rank 4, broadcast", "param A: [2, 3, 2, 4]\n param B: [3, 4, 3]", "A @ B", "[2, 3, 2, 3]"),
                c("batched matmul, broadcast size 1", "param A: [2, 1, 2, 4]\n param B: [1, 3, 4, 3]", "A @ B", "[2, 3, 2, 3]"),
                c("matrix times a batch", "param A: [3, 4]\n param B: [2, 4, 5]", "A @ B", "[2, 3, 5]"),
                c("batched matmul with a transposed operand", "param Q: [2, 3, 4]\n param R: [2, 5, 4]", "Q @ transpose(R)", "[2, 3, 5]"),
                c("batched matmul second order", "param A: [2, 3, 4]\n param B: [2, 4, 2]", "grad(sum((A @ B) ^ 2), A)", "[2, 3, 4]"),
                c("permute rank 4", "param A: [2, 3, 2, 4]", "permute(A, [0, 2, 1, 3])", "[2, 2, 3, 4]"),
                c("permute reversed", "param A: [2, 3, 4]", "permute(A, [-1, 1, 0])", "[4, 3, 2]"),
                c("layer_norm", "param A: [3, 5]", "layer_norm(A * 2, name=\"ln\") * A", "[3, 5]"),
                c("layer_norm rank 3, eps", "param A: [2, 3, 4]", "layer_norm(A, eps=0.1, name=\"ln\")", "[2, 3, 4]"),
                c("self_attention", "param A: [2, 3, 4]", "self_attention(A, heads=2, name=\"att\")", "[2, 3, 4]"),
                c("self_attention causal", "param A: [2, 4, 4]", "self_attention(A, heads=1, causal=true, name=\"att\")", "[2, 4, 4]"),
                c("softmax rank 4", "param A: [2, 2, 3, 4]", "softmax(A)", "[2, 2, 3, 4]"),
                c("log_softmax", "param A: [3, 5]", "log_softmax(A)", "[3, 5]"),
                c("softmax 3-d", "param A: [2, 3, 4]", "softmax(A, axis=-1)", "[2, 3, 4]"),
                c("softmax over columns", "param A: [3, 5]", "softmax(A, axis=0)", "[3, 5]"),
                c("log_softmax over the middle axis", "param A: [2, 3, 4]", "log_softmax(A, axis=1)", "[2, 3, 4]"),
                c("sum axis", "param A: [3, 4]", "sum(A, axis=1)", "[3]"),
                c("sum keepdims", "param A: [3, 4]", "sum(A, axis=0, keepdims=true)", "[1, 4]"),
                c("sum all", "param A: [3, 4]", "sum(A)", "[]"),
                c("mean axes", "param A: [2, 3, 4]", "mean(A, axis=[0, 2])", "[3]"),
                c("mean all", "param A: [2, 3]", "mean(A)", "[]"),
                c("sum over a long run", "param A: [3, 37]", "sum(A, axis=1)", "[3]"),
                c("sum fused with its elementwise producer", "param A: [4, 3]\n param b: [3]\n param T: [4, 3]", "sum(relu(A + b) * T, axis=0)", "[3]"),
                c("sum of a long inner run fused with its producer", "param A: [2, 37]\n param b: [2, 1]", "sum(tanh(A * b), axis=1, keepdims=true)", "[2, 1]"),
                c("mean over outer and inner axes", "param A: [2, 3, 5, 6]", "mean(A, axis=[0, 2, 3], keepdims=true) * A", "[2, 3, 5, 6]"),
                c("broadcast in the middle", "param A: [2, 3, 4]\n param B: [3, 1]", "A * B + B", "[2, 3, 4]"),
                c("transpose", "param A: [3, 4]", "transpose(A)", "[4, 3]"),
                c("transpose 3-d", "param A: [2, 3, 4]", "transpose(A)", "[2, 4, 3]"),
                c("reshape", "param A: [3, 4]", "reshape(A, [2, 6])", "[2, 6]"),
                c("flatten", "param A: [2, 3, 4]", "flatten(A)", "[2, 12]"),
                c("index", "param A: [3, 4]", "A[1]", "[4]"),
                c("index last", "param A: [3, 4]", "A[:, -1]", "[3]"),
                c("slice", "param A: [3, 4]", "A[:, 1:3]", "[3, 2]"),
                c("slice with step", "param A: [5, 4]", "A[0:5:2, 1]", "[3]"),
                c("slice backwards", "param A: [5, 4]", "A[::-2, 3:0:-1]", "[3, 3]"),
                c("flip", "param A: [2, 3, 4]", "flip(A, axis=[0, 2])", "[2, 3, 4]"),
                c("pad the last two axes", "param A: [2, 3, 4]", "pad(A, [1, 2, 0, 1])", "[2, 4, 7]"),
                c("matmul", "param A: [3, 4]\n param B: [4, 5]", "A @ B", "[3, 5]"),
                c("matmul batched left", "param A: [2, 3, 4]\n param B: [4, 5]", "A @ B", "[2, 3, 5]"),
                c("matmul vector", "param a: [4]\n param B: [4, 5]", "a @ B", "[5]"),
                c("matrix times vector", "param W: [3, 4]\n param x: [4]", "W @ x", "[3]"),
                c("dot product", "param u: [4]\n param v: [4]", "u @ v", "[]"),
                c("matmul of transposes", "param A: [4, 3]\n param B: [5, 4]", "transpose(A) @ transpose(B)", "[3, 5]"),
                c("matmul shared operand", "param A: [3, 3]", "A @ A", "[3, 3]"),
                c("dense", "param X: [3, 5]", "dense(X, 4)", "[3, 4]"),
                c("dense without bias", "param X: [3, 5]", "dense(X, 4, bias=false)", "[3, 4]"),
                c("dense on 3-d input", "param X: [2, 3, 5]", "dense(X, 4, name=\"fc\")", "[2, 3, 4]"),
                c("dropout in evaluation", "param A: [2, 3]", "dropout(A, 0.5)", "[2, 3]"),
                c("grad inside the model", "param A: [3]", "grad(sum(A * A * A), A)", "[3]"),
                c("grad of a grad's sum", "param A: [2, 2]\n param B: [2, 2]", "grad(sum(tanh(A @ B)), B) * A", "[2, 2]"),
                c("def", "param A: [2, 3]", "sq(A) + sq(2 * A)", "[2, 3]"),
                c("lstm", "param X: [2, 5, 3]", "lstm(X, 4)", "[2, 5, 4]"),
                c("lstm last step", "param X: [3, 4, 2]", "lstm(tanh(X), 3, name=\"rnn\")[:, -1]", "[3, 3]"),
                c("stacked lstm", "param X: [2, 3, 2]", "lstm(lstm(X, 3), 2)", "[2, 3, 2]"),
                c("rnn", "param X: [2, 5, 3]", "rnn(X, 4)", "[2, 5, 4]"),
                c("gru", "param X: [2, 5, 3]", "gru(X, 4)", "[2, 5, 4]"),
                c("gru last step of a gru", "param X: [3, 4, 2]", "gru(gru(X, 3), 2)[:, -1]", "[3, 2]"),
                c("maxout", "param A: [2, 6]", "maxout(A, 3)", "[2, 2]"),
                c("maxout 3-d", "param A: [2, 2, 4]", "maxout(A, 2)", "[2, 2, 2]"),
                c("maxout second order", "param A: [2, 6]", "grad(sum(maxout(A, 2) ^ 3), A)", "[2, 6]"),
                c("concat last axis", "param A: [2, 3]\n param B: [2, 2]", "concat(A, B)", "[2, 5]"),
                c("concat first axis", "param A: [2, 3]\n param B: [1, 3]", "concat(A, B, axis=0)", "[3, 3]"),
                c("concat middle axis of three", "param A: [2, 1, 2]\n param B: [2, 3, 2]\n param C: [2, 2, 2]", "concat(A, B, C, axis=1)", "[2, 6, 2]"),
                c("concat a list with a repeated operand", "param A: [2, 3]", "concat([A, tanh(A), A], axis=-1)", "[2, 9]"));
    }

    /** Convolution and pooling: every option, 1-d and 2-d, non-square shapes, and second derivatives through each. */
    static Stream<Arguments> convolution() {
        return Stream.of(
                c("conv2d", "param X: [2, 3, 5, 5]", "conv2d(X, 4, kernel=3)", "[2, 4, 3, 3]"),
                c("conv2d stride and pad, non-square", "param X: [2, 2, 6, 7]", "conv2d(X, 3, kernel=[3, 2], stride=[2, 1], pad=[1, 0])", "[2, 3, 3, 6]"),
                c("conv2d dilation", "param X: [1, 2, 7, 6]", "conv2d(X, 2, kernel=3, dilation=[2, 1], pad=1)", "[1, 2, 5, 6]"),
                c("conv2d stride above kernel", "param X: [1, 1, 7, 7]", "conv2d(X, 2, kernel=2, stride=3, pad=1)", "[1, 2, 3, 3]"),
                c("conv2d pad wider than kernel", "param X: [1, 2, 3, 3]", "conv2d(X, 2, kernel=2, pad=2)", "[1, 2, 6, 6]"),
                c("conv2d without bias", "param X: [2, 2, 4, 4]", "conv2d(X, 3, kernel=2, bias=false)", "[2, 3, 3, 3]"),
                c("conv2d 1x1", "param X: [2, 3, 3, 4]", "conv2d(X, 2, kernel=1)", "[2, 2, 3, 4]"),
                c("conv1d stride pad dilation", "param X: [2, 3, 8]", "conv1d(X, 4, kernel=3, stride=2, pad=1, dilation=2)", "[2, 4, 3]"),
                c("conv1d without bias", "param X: [2, 2, 5]", "conv1d(X, 2, kernel=2, bias=false)", "[2, 2, 4]"),
                c("conv, pool, conv", "param X: [2, 1, 8, 8]", "X |> conv2d(2, kernel=3, pad=1) |> tanh |> maxpool(2) |> conv2d(3, kernel=2)", "[2, 3, 3, 3]"),
                c("maxpool", "param X: [2, 2, 4, 6]", "maxpool(X, 2)", "[2, 2, 2, 3]"),
                c("maxpool stride not size, non-square", "param X: [1, 2, 5, 6]", "maxpool(X, [3, 2], stride=[1, 2])", "[1, 2, 3, 3]"),
                c("maxpool 1-d", "param X: [2, 3, 7]", "maxpool(X, 3, stride=2)", "[2, 3, 3]"),
                c("avgpool", "param X: [2, 2, 4, 4]", "avgpool(X, 2)", "[2, 2, 2, 2]"),
                c("avgpool overlapping", "param X: [1, 2, 4, 5]", "avgpool(X, [2, 3], stride=1)", "[1, 2, 3, 3]"),
                c("avgpool 1-d", "param X: [2, 2, 9]", "avgpool(X, 4, stride=3)", "[2, 2, 2]"),
                c("grad of conv for its input", "param X: [1, 2, 4, 4]", "grad(sum(conv2d(X, 2, kernel=2, pad=1) ^ 2), X) * X", "[1, 2, 4, 4]"),
                c("grad of conv for its weight", "param X: [2, 2, 4, 3]", "grad(sum(conv2d(X, 2, kernel=2, stride=[2, 1], name=\"c\") ^ 3), c.weight)", "[2, 2, 2, 2]"),
                c("grad of maxpool", "param X: [1, 2, 4, 4]", "grad(sum(maxpool(X, 2, stride=1) ^ 2), X) * X", "[1, 2, 4, 4]"),
                // max pooling's gradient (maxpool_grad) is linear in dy, its gradient a gather (take): reached by a third
                // derivative; the gather's gradient scatters (take_grad): a fourth
                c("grad of grad of maxpool", "param X: [1, 2, 4, 4]",
                        "grad(sum(grad(sum(maxpool(X, 2, stride=1) ^ 3), X) ^ 2), X) * X", "[1, 2, 4, 4]"),
                c("grad of grad of grad of maxpool", "param X: [1, 2, 4, 4]",
                        "grad(sum(grad(sum(grad(sum(maxpool(X, 2, stride=1) ^ 3), X) ^ 2), X) ^ 2), X) * X", "[1, 2, 4, 4]"),
                c("grad of avgpool", "param X: [1, 2, 4, 4]", "grad(sum(avgpool(X, 2, stride=1) ^ 2), X) * X", "[1, 2, 4, 4]"));
    }

    static Stream<Arguments> losses() {
        return Stream.of(
                c("mse", "param A: [3, 2]\n param B: [3, 2]", "mse(A, B)", "[]"),
                c("mse sum", "param A: [3, 2]\n param B: [3, 2]", "mse(A, B, reduction=\"sum\")", "[]"),
                c("mae", "param A: [3, 2]\n param B: [3, 2]", "mae(A, B)", "[]"),
                c("bce", "param P: [3, 2]\n param T: [3, 2]", "bce(P, T)", "[]", "P", PROB, "T", PROB),
                c("cross_entropy with probabilities", "param Z: [3, 4]\n param P: [3, 4]", "cross_entropy(Z, softmax(P))", "[]"),
                c("cross_entropy over columns", "param Z: [4, 3]\n param P: [4, 3]", "cross_entropy(Z, softmax(P, axis=0), axis=0)", "[]"),
                c("l2", "param A: [3, 2]\n param B: [2]", "l2(A, B)", "[]"),
                c("l1", "param A: [3, 2]", "l1(A)", "[]"),
                c("bce_logits", "param Z: [3, 2]\n param T: [3, 2]", "bce_logits(Z, T)", "[]", "T", PROB),
                c("bce of sigmoid uses the logits", "param Z: [3, 2]\n param T: [3, 2]", "bce(sigmoid(Z), T, reduction=\"sum\")", "[]", "T", PROB),
                c("kl_div", "param A: [3, 4]\n param B: [3, 4]", "kl_div(log_softmax(A), softmax(B))", "[]"),
                c("kl_div sum of probabilities", "param A: [3, 4]\n param P: [3, 4]", "kl_div(log_softmax(A), P, reduction=\"sum\")", "[]", "P", PROB),
                c("kl_div second order", "param A: [2, 3]\n param P: [2, 3]", "grad(kl_div(log_softmax(A), P) ^ 2, P)", "[2, 3]", "P", PROB),
                c("huber", "param A: [3, 4]\n param B: [3, 4]", "huber(A, B, delta=0.7)", "[]"),
                c("huber sum", "param A: [3, 4]\n param B: [3, 4]", "huber(A, B, reduction=\"sum\")", "[]"),
                c("huber second order", "param A: [3, 4]\n param B: [3, 4]", "grad(huber(A, B, 0.6) * sum(A), A)", "[3, 4]"));
    }

    private static String source(String params, String expr, String shape) {
        return "def sq(v) = v * v\nmodel T {\n  " + params + "\n  param K: " + shape + "\n  y = " + expr + "\n  loss = sum(y * K)\n}\n";
    }

    /**
     * Every op of the registry with a gradient rule has that rule checked: it is in the graph some case differentiates
     * (a second-order case differentiates the gradient ops its grad(...) made).
     */
    @Test
    void everyOpWithAGradientRuleIsChecked() throws Exception {
        java.util.Set<String> checked = new java.util.TreeSet<>();
        for (Stream<Arguments> cases : java.util.List.of(elementwise(), structural(), convolution(), losses())) {
            for (Arguments a : (Iterable<Arguments>) cases::iterator) {
                Object[] v = a.get();
                netc.compiler.ir.Graph g = netc.compiler.NetCompiler.parse("t.net", source((String) v[1], (String) v[2], (String) v[3]));
                for (netc.compiler.ir.Node n : netc.compiler.passes.Pipeline.beforeDifferentiation(g, false).nodes()) checked.add(n.op().name());
            }
        }
        // ops with int operands or a mode, or that finite differences cannot see (stop_gradient), checked by the tests named here
        Map<String, String> elsewhere = Map.of("gather", "embeddingGathersAndScattersRows", "scatter_rows", "embeddingGathersAndScattersRows",
                "mode_select", "batchnormInTrainingAndEvaluation", "one_hot", "crossEntropyWithClassIndices",
                "stop_gradient", "stopGradientBlocksTheGradient");
        for (String test : elsewhere.values()) OpGradientTest.class.getDeclaredMethod(test);
        checked.addAll(elsewhere.keySet());
        java.util.Set<String> unchecked = new java.util.TreeSet<>();
        for (java.lang.reflect.Field f : Ops.class.getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) || !netc.compiler.ir.Op.class.isAssignableFrom(f.getType())) continue;
            f.setAccessible(true);
            Object op = f.get(null);
            if (op instanceof netc.compiler.autodiff.Differentiable && !checked.contains(((netc.compiler.ir.Op) op).name())) {
                unchecked.add(((netc.compiler.ir.Op) op).name());
            }
        }
        assertEquals(java.util.Set.of(), unchecked, "ops whose gradient rule no case checks");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"elementwise", "structural", "convolution", "losses"})
    void gradientMatchesFiniteDifferences(String name, String params, String expr, String shape, Map<String, Dist> dists) {
        GradCheck.check(source(params, expr, shape), dists, GradCheck.none());
    }

    @Test
    void crossEntropyWithClassIndices() {
        String src = "model T {\n input y: int[batch]\n param Z: [3, 4]\n loss = cross_entropy(Z, y)\n}\n";
        // Z has 3 rows and the batch is 3: rows and labels pair up
        GradCheck.check(src.replace("param Z: [3, 4]", "param W: [3, 4]\n z = reshape(W, [3, 4])")
                .replace("cross_entropy(Z, y)", "cross_entropy(z, y)").replace("int[batch]", "int[3]"), Map.of(),
                Map.of("y", Tensor.ofInts(new int[] {3}, new int[] {2, 0, 3})));
        GradCheck.check("model T {\n input y: int[3]\n param Z: [3, 4]\n loss = nll(log_softmax(Z), y)\n}\n", Map.of(),
                Map.of("y", Tensor.ofInts(new int[] {3}, new int[] {1, 1, 0})));
        // with the probabilities as an output, the fused gradient reads them instead of recomputing the softmax
        GradCheck.check("model T {\n input y: int[3]\n param Z: [3, 4]\n output p = softmax(Z * 2)\n loss = cross_entropy(Z * 2, y)\n}\n", Map.of(),
                Map.of("y", Tensor.ofInts(new int[] {3}, new int[] {3, 0, 3})));
    }

    @Test
    void hingeWithClassIndices() {
        GradCheck.check("model T {\n input y: int[4]\n param Z: [4, 3]\n loss = hinge(Z, y)\n}\n", Map.of(),
                Map.of("y", Tensor.ofInts(new int[] {4}, new int[] {2, 0, 1, 2})));
        GradCheck.check("model T {\n input y: int[2, 2]\n param Z: [2, 2, 5]\n loss = hinge(Z * 2, y, margin=0.5, reduction=\"sum\")\n}\n",
                Map.of(), Map.of("y", Tensor.ofInts(new int[] {2, 2}, new int[] {4, 0, 1, 3})));
    }

    @Test
    void concatOfBatchedInputs() {
        GradCheck.check("model T {\n input x: float[batch, 2]\n param W: [2, 3]\n param K: [5, 3]\n"
                + " loss = sum(concat(x, x @ W) @ K)\n}\n", Map.of(),
                Map.of("x", Tensor.of(new int[] {3, 2}, new float[] {0.5f, -1, 2, 0.1f, 0.3f, -0.7f})));
    }

    @Test
    void embeddingGathersAndScattersRows() {
        Map<String, Tensor> tok = Map.of("tok", Tensor.ofInts(new int[] {2, 3}, new int[] {4, 0, 4, 1, 2, 0}));
        GradCheck.check("model T {\n input tok: int[2, 3]\n param K: [2, 3, 4]\n loss = sum(embedding(tok, 5, 4) * K)\n}\n", Map.of(), tok);
        // second order: the table's gradient scatter_rows(K, tok), differentiated in K, is a gather
        GradCheck.check("model T {\n input tok: int[2, 3]\n param K: [2, 3, 4]\n e = embedding(tok, 5, 4, name=\"emb\")\n"
                + " g = grad(sum(e * K), emb.weight)\n loss = sum(g * g)\n}\n", Map.of(), tok);
    }

    @Test
    void batchedInputsAndMeanOverTheBatch() {
        String src = "model T {\n input x: float[batch, 3]\n input y: int[batch]\n"
                + " h = dense(x, 4) |> tanh\n logits = dense(h, 2)\n loss = cross_entropy(logits, y) + 0.01 * l2(dense1.weight)\n}\n";
        GradCheck.check(src, Map.of(), Map.of(
                "x", Tensor.of(new int[] {5, 3}, new float[] {0.5f, -1, 2, 0.1f, 0.3f, -0.7f, 1, 1, -1, 0, 0.25f, 0.5f, -2, 1.5f, 0.75f}),
                "y", Tensor.ofInts(new int[] {5}, new int[] {0, 1, 1, 0, 1})));
    }

    @Test
    void batchnormInTrainingAndEvaluation() {
        String src = "model T {\n param X: [4, 3]\n param K: [4, 3]\n loss = sum(batchnorm(X * 2, name=\"bn\") * K)\n}\n";
        GradCheck.check(src, Map.of(), GradCheck.none(), true);
        GradCheck.check(src, Map.of(), GradCheck.none(), false);
        String img = "model T {\n param X: [2, 3, 2, 2]\n param K: [2, 3, 2, 2]\n loss = sum(batchnorm(X) * K)\n}\n";
        GradCheck.check(img, Map.of(), GradCheck.none(), true);
    }

    @Test
    void stopGradientBlocksTheGradient() {
        Model m = GradCheck.model("model T {\n param A: [3]\n param B: [3]\n loss = sum(stop_gradient(A) * B)\n}\n", Map.of(), Map.of(), 3);
        Map<String, double[]> g = GradCheck.gradients(m);
        assertArrayEquals(new double[3], g.get("A"), 0);
        assertArrayEquals((double[]) m.paramBuffer("A"), g.get("B"), 1e-12);
    }

    @Test
    void perceptronLossGivesThePerceptronRule() {
        // gradient of mean((step(z) - t) * z) with z = x·w is mean((step(z) - t) * x): the perceptron rule
        Model m = GradCheck.model("model T {\n input x: float[batch, 2]\n input t: float[batch, 1]\n param w: [2, 1]\n"
                + " z = x @ w\n loss = perceptron(z, t)\n}\n", Map.of(), Map.of(
                "x", Tensor.of(new int[] {2, 2}, new float[] {1, 2, -1, 0.5f}),
                "t", Tensor.of(new int[] {2, 1}, new float[] {0, 1})), 5);
        double[] w = (double[]) m.paramBuffer("w");
        double[][] x = {{1, 2}, {-1, 0.5}};
        double[] t = {0, 1};
        double[] expected = new double[2];
        for (int i = 0; i < 2; i++) {
            double z = x[i][0] * w[0] + x[i][1] * w[1];
            double err = (z > 0 ? 1 : 0) - t[i];
            for (int j = 0; j < 2; j++) expected[j] += err * x[i][j] / 2;
        }
        assertArrayEquals(expected, GradCheck.gradients(m).get("w"), 1e-12);
    }

    @Test
    void dropoutMasksInTrainingAndScalesBySurvivalRate() {
        Model m = GradCheck.model("model T {\n param A: [1000]\n output y = dropout(A, 0.25)\n loss = sum(y)\n}\n", Map.of(), Map.of(), 1);
        m.training = true;
        m.forwardOutputs();
        double[] a = (double[]) m.paramBuffer("A"), y = (double[]) m.outputBuffer("y");
        int dropped = 0;
        for (int i = 0; i < a.length; i++) {
            if (y[i] == 0) dropped++;
            else assertEquals(a[i] / 0.75, y[i], 1e-12);
        }
        assertEquals(250, dropped, 50);
    }
}
