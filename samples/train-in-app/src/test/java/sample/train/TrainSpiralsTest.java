package sample.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sample.train.model.SpiralNet;

/** Training from Java separates the spirals, and the saved weights give the same predictions when loaded. */
class TrainSpiralsTest {
    @TempDir
    Path tmp;

    @Test
    void trainingFromJavaSeparatesTheSpirals() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SpiralNet model = new SpiralNet();
        List<TrainSpirals.Epoch> log = TrainSpirals.train(model, 200, 32, 1, new PrintStream(printed, true, StandardCharsets.UTF_8));
        TrainSpirals.Epoch first = log.get(0), last = log.get(log.size() - 1);
        assertEquals(200, log.size());
        assertTrue(first.accuracy() < 0.8, "the spirals are not linearly separable: " + first);
        assertTrue(last.accuracy() >= 0.95, "after 200 epochs: " + last);
        assertTrue(last.loss() < first.loss() / 3, first + " -> " + last);
        String[] lines = printed.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, "epochs 1, 20, 40, ..., 200");
        assertEquals(String.format("epoch 200: loss %.4f, test accuracy %.1f%%", last.loss(), 100 * last.accuracy()), lines[10]);

        Path w = tmp.resolve("spirals.safetensors");
        model.saveWeights(w);
        SpiralNet loaded = SpiralNet.load(w);
        TwoSpirals points = TwoSpirals.generate(50, 0.02, 7);
        assertArrayEquals(model.predict(points.points()), loaded.predict(points.points()));
        assertEquals(TrainSpirals.accuracy(model, points), TrainSpirals.accuracy(loaded, points));
    }
}
