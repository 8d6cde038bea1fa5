package sample.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import netc.runtime.Tensor;
import netc.runtime.data.Idx;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;

/**
 * The class the plugin imported from {@code lenet.onnx} gives the probabilities PyTorch recorded when it exported the
 * model ({@code make_lenet.py}), and PyTorch's accuracy on the whole Fashion-MNIST test set where the data is installed.
 */
class ClassifyTest {
    static final Path TEST_IMAGES = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    static final Path TEST_LABELS = Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");

    static Map<String, Tensor> recorded() {
        return Safetensors.read(ClassifyTest.class.getResourceAsStream("/lenet.recorded.safetensors"), "lenet.recorded.safetensors");
    }

    @Test
    void probabilitiesArePyTorchsRecordedOnes() {
        Map<String, Tensor> r = recorded();
        Tensor images = r.get("image"), probs = r.get("probs");
        int n = images.dim(0);
        assertArrayEquals(new int[] {n, 1, 28, 28}, images.shape());
        Lenet model = Classify.model();
        float[][] batch = new float[n][];
        float[] out = new float[10];
        for (int i = 0; i < n; i++) {
            batch[i] = Arrays.copyOfRange(images.floats(), i * Classify.PIXELS, (i + 1) * Classify.PIXELS);
            float[] expected = Arrays.copyOfRange(probs.floats(), i * 10, i * 10 + 10);
            model.predict(batch[i], out);
            assertArrayEquals(expected, out, 1e-5f, "image " + i + ", one at a time");
        }
        float[][] all = model.predict(batch);
        for (int i = 0; i < n; i++) assertArrayEquals(Arrays.copyOfRange(probs.floats(), i * 10, i * 10 + 10), all[i], 1e-5f, "image " + i + " in a batch");
    }

    @Test
    void accuracyOnTheTestSetIsPyTorchs() {
        assumeTrue(Files.exists(TEST_IMAGES) && Files.exists(TEST_LABELS), "Fashion-MNIST is installed (apt-get install dataset-fashion-mnist)");
        Tensor images = Idx.read(TEST_IMAGES);
        int[] labels = Idx.read(TEST_LABELS).ints();
        Lenet model = Classify.model();
        float[] x = new float[Classify.PIXELS], probs = new float[10];
        int right = 0;
        for (int k = 0; k < labels.length; k++) {
            Classify.pixels(images, k, x);
            model.predict(x, probs);
            if (Classify.argmax(probs) == labels[k]) right++;
        }
        double accuracy = right / (double) labels.length, torch = recorded().get("test_accuracy").floats()[0];
        assertEquals(torch, accuracy, 2e-4, "at most 2 of 10,000 images change class between the two sums' orders");
        assertTrue(accuracy > 0.85, "a trained LeNet: " + accuracy);
    }

    @Test
    void theCommandLinePrintsEachImagesClassOrOneLineOfError() {
        assumeTrue(Files.exists(TEST_IMAGES), "Fashion-MNIST is installed");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        assertEquals(0, Classify.run(new String[] {TEST_IMAGES.toString(), "0", "1"}, print(out), print(err)));
        // the first test images are an ankle boot and a pullover
        assertEquals(2, out.toString(StandardCharsets.UTF_8).lines().count(), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("image 0: Ankle boot ("), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("image 1: Pullover ("), out.toString(StandardCharsets.UTF_8));

        assertEquals(1, Classify.run(new String[] {TEST_IMAGES.toString(), "10000"}, print(out), print(err)));
        assertEquals("classify: '10000' is not an image index (0 to 9999)\n", err.toString(StandardCharsets.UTF_8));
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
