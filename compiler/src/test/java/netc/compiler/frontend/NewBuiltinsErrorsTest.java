package netc.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import netc.compiler.NetCompiler;
import netc.compiler.ir.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Located compile-time errors for the activations, losses, concat, optimizers, schedules and clip_norm: each names
 * the line and column of the faulty argument. (The cases' leading blanks are trimmed by CsvSource and put back here.)
 */
class NewBuiltinsErrorsTest {
    static final String HEAD = "model T {\n  input x: float[batch, 6]\n  input y: int[batch]\n";

    static String errorOf(String body) {
        CompileError e = assertThrows(CompileError.class, () -> NetCompiler.parse("t.net", HEAD + body + "\n}\n"));
        return e.getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "  h = maxout(x, 4)                               | t.net:4:17: error: maxout: the last dimension of [batch, 6] (6) is not a multiple of k = 4",
            "  h = maxout(x, 0)                               | t.net:4:17: error: maxout: k must be a positive integer, got 0",
            "  h = softplus(x, beta=0)                        | t.net:4:19: error: softplus: beta must be positive, got 0.0",
            "  h = elu(x, alpa=2)                             | t.net:4:14: error: elu has no argument 'alpa' (did you mean 'alpha'?); it takes x, alpha",
            "  h = concat(x, y)                               | t.net:4:7: error: concat(x, y): concat: tensors of different element types f32[batch, 6] and i32[batch]",
            "  h = concat(x, x[:, 0:2], axis=0)               | t.net:4:7: error: concat(x, x[:, 0:2], axis=0): concat cannot join along the symbolic dimension 'batch'",
            "  h = concat(x, reshape(x, [-1, 3, 2]))          | t.net:4:7: error: concat(x, reshape(x, [-1, 3, 2])): concat: shapes [batch, 6] and [batch, 3, 2] differ in rank",
            "  h = concat(x, x, axis=2)                       | t.net:4:20: error: concat: axis 2 is out of range for shape [batch, 6]",
            "  h = concat(x, x, dim=1)                        | t.net:4:20: error: concat has no argument 'dim'",
            "  l = huber(x, x, delta=-1)                      | t.net:4:19: error: huber: delta must be positive, got -1.0",
            "  l = hinge(x, x)                                | t.net:4:16: error: hinge: labels must be int class indices [batch] for logits [batch, 6], got f32[batch, 6]",
            "  l = kl_div(x, x, reduction=\"none\")           | t.net:4:20: error: kl_div: reduction must be \"batchmean\", \"mean\" or \"sum\", got \"none\"",
            "  l = bce_logits(x, x[:, 0:1])                   | t.net:4:7: error: bce_logits: prediction [batch, 6] and target [batch, 1] differ in shape",
    })
    void builtinErrorsAreLocated(String body, String expected) {
        String msg = errorOf("  " + body);
        assertTrue(msg.startsWith(expected), msg);
    }

    static String trainError(String settings) {
        return errorOf("  loss = cross_entropy(dense(x, 3), y)\n  train {\n" + settings + "\n  }");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "    optimizer = sgd(lr=-0.1)                            | t.net:6:21: error: sgd: 'lr' must be positive, got -0.1",
            "    optimizer = adam(lr=0)                              | t.net:6:22: error: adam: 'lr' must be positive, got 0",
            "    optimizer = sgd(lr=0.1, nesterov=true)              | t.net:6:29: error: sgd: nesterov momentum needs momentum > 0",
            "    optimizer = sgd(0.1, 0.9, 0.5, 0, true)             | t.net:6:31: error: sgd: nesterov momentum needs dampening = 0",
            "    optimizer = sgd(lr=0.1, nesterov=1)                 | t.net:6:29: error: sgd: 'nesterov' must be true or false, got 1",
            "    optimizer = adamw(beta1=1)                          | t.net:6:23: error: adamw: 'beta1' must be at least 0 and below 1, got 1",
            "    optimizer = adamw(weight_decay=-0.01)               | t.net:6:23: error: adamw: 'weight_decay' must be at least 0, got -0.01",
            "    optimizer = rmsprop(alpha=1.5)                      | t.net:6:25: error: rmsprop: 'alpha' must be between 0 and 1, got 1.5",
            "    optimizer = rmsprop(centered=\"yes\")               | t.net:6:25: error: rmsprop: 'centered' must be true or false, got \"yes\"",
            "    optimizer = adadelta(rho=2)                         | t.net:6:26: error: adadelta: 'rho' must be between 0 and 1, got 2",
            "    optimizer = adagrad(eps=-1e-10)                     | t.net:6:25: error: adagrad: 'eps' must be at least 0, got -1.0E-10",
            "    optimizer = adagrad(momentum=0.9)                   | t.net:6:25: error: adagrad has no argument 'momentum'",
            "    optimizer = rmsprp(lr=0.1)                          | t.net:6:17: error: unknown optimizer 'rmsprp' (did you mean 'rmsprop'?)",
            "    lr_schedule = step_decay(step_size=0)               | t.net:6:30: error: step_decay: 'step_size' must be a positive integer, got 0",
            "    lr_schedule = step_decay(step_size=2.5)             | t.net:6:30: error: step_decay: 'step_size' must be a positive integer, got 2.5",
            "    lr_schedule = exponential_decay(gamma=-0.5)         | t.net:6:37: error: exponential_decay: 'gamma' must be positive, got -0.5",
            "    lr_schedule = cosine(t_max=0)                       | t.net:6:26: error: cosine: 't_max' must be a positive integer, got 0",
            "    clip_norm = 0                                       | t.net:6:17: error: clip_norm must be a positive number (the largest gradient norm), got 0",
            "    clip_norm = \"big\"                                 | t.net:6:17: error: clip_norm must be a positive number (the largest gradient norm), got \"big\"",
            "    optimizer = gd(lr=0.1);;    batch = 16              | t.net:7:5: error: gd is full-batch gradient descent",
    })
    void trainSettingErrorsAreLocated(String settings, String expected) {
        String msg = trainError("    " + settings.replace(";;", "\n"));
        assertTrue(msg.startsWith(expected), msg);
    }

    @Test
    void newOptimizersAndClipNormAreRead() {
        TrainConfig c = NetCompiler.parse("t.net", HEAD + "  loss = cross_entropy(dense(x, 3), y)\n  train {\n"
                + "    optimizer = rmsprop(0.02, momentum=0.5, centered=true)\n    clip_norm = 2.5\n  }\n}\n").train();
        assertEquals("rmsprop", c.optimizer());
        assertEquals(java.util.Map.of("lr", 0.02, "momentum", 0.5, "centered", true), c.optimizerArgs());
        assertEquals(2.5, c.clipNorm());
        assertEquals(1.0, NetCompiler.parse("t.net", HEAD + "  loss = cross_entropy(dense(x, 3), y)\n  train {\n"
                + "    optimizer = adadelta\n  }\n}\n").train().lr());
        assertTrue(NetCompiler.parse("t.net", HEAD + "  loss = cross_entropy(dense(x, 3), y)\n  train {\n"
                + "    optimizer = gd\n  }\n}\n").train().fullBatch());
    }
}
