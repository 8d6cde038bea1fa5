package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import netc.compiler.Cli;
import org.junit.jupiter.api.Test;

/** {@code netc summary}: the rows of LeNet and of a batch-norm network, and the totals, as Keras' model.summary(). */
class SummaryTest {
    static List<String> lines(Cli r) {
        assertEquals(0, r.status(), r.err());
        return r.out().lines().map(String::strip).toList();
    }

    /** The words of each row: name, kind, shape, params. */
    static void assertRow(List<String> lines, String row) {
        assertTrue(lines.stream().anyMatch(l -> l.replaceAll(" {2,}", " | ").equals(row)), () -> "no row '" + row + "' in\n" + String.join("\n", lines));
    }

    @Test
    void leNetLayerByLayer() {
        List<String> l = lines(Cli.run("summary", Path.of("../models/lenet.net")));
        assertEquals("Model: LeNet (../models/lenet.net)", l.get(0));
        assertRow(l, "x | input | [batch, 1, 28, 28] | 0");
        assertRow(l, "conv1 | conv2d | [batch, 6, 28, 28] | 156");
        assertRow(l, "maxpool | [batch, 6, 14, 14] | 0");
        assertRow(l, "conv2 | conv2d | [batch, 16, 10, 10] | 2,416");
        assertRow(l, "flatten | [batch, 400] | 0");
        assertRow(l, "fc1 | dense | [batch, 120] | 48,120");
        assertRow(l, "fc3 | dense | [batch, 10] | 850");
        assertRow(l, "probs | softmax | [batch, 10] | 0");
        assertTrue(l.contains("Total params: 61,706 (242 KB)") && l.contains("Trainable params: 61,706 (242 KB)")
                && l.contains("Non-trainable params: 0 (0 B)"), String.join("\n", l));
        assertTrue(l.get(l.size() - 1).startsWith("Buffers for training at batch 16: "), l.get(l.size() - 1));
    }

    @Test
    void batchNormStatisticsAreNotTrainable() {
        List<String> l = lines(Cli.run("summary", Path.of("../models/cnn_bn.net"), "--batch", 32));
        // bn1: weight, bias (trainable) and running_mean, running_var, num_batches_tracked (not): 8 + 8 + 8 + 8 + 1
        assertRow(l, "bn1 | batchnorm | [batch, 8, 28, 28] | 33");
        assertTrue(l.contains("Trainable params: 52,162 (204 KB)") && l.contains("Non-trainable params: 50 (200 B)"), String.join("\n", l));
        assertTrue(l.get(l.size() - 1).startsWith("Buffers for training at batch 32: "), l.get(l.size() - 1));
    }

    @Test
    void parametersOfNoLayerCountForTheValueThatUsesThem() {
        List<String> l = lines(Cli.run("summary", Path.of("../models/xor_mlp.net")));
        assertRow(l, "h | tanh | [batch, 2] | 6");
        assertRow(l, "p | sigmoid | [batch, 1] | 3");
    }
}
