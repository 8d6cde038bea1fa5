package sample.onnx;

import java.io.PrintStream;
import java.nio.file.Path;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.Idx;

/**
 * Classifies Fashion-MNIST images with a LeNet trained in PyTorch. The class {@link Lenet} is generated at build time
 * by the netc Maven plugin from {@code src/main/onnx/lenet.onnx}; its weights are a resource beside it, so the jar
 * holds the whole model.
 *
 * <pre>
 * java -jar target/onnx-classifier.jar IMAGES.idx[.gz] [INDEX...]
 * </pre>
 */
public final class Classify {
    static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    static final int PIXELS = 28 * 28;

    private Classify() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The model with the weights the plugin imported from the ONNX file. */
    static Lenet model() {
        return Lenet.load(Lenet.class.getResourceAsStream("Lenet.safetensors"), "Lenet.safetensors");
    }

    /** Prints one line per image, its most likely class and that class's probability; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 1) {
            err.println("usage: classify IMAGES.idx[.gz] [INDEX...]  (default: the first 10 images)");
            return 1;
        }
        try {
            Tensor t = Idx.read(Path.of(args[0]));
            if (t.rank() != 3 || t.dim(1) != 28 || t.dim(2) != 28) {
                throw new UserError(args[0] + ": expected 28×28 images, the file holds " + Tensor.shapeString(t.shape()));
            }
            Lenet model = model();
            float[] x = new float[PIXELS], probs = new float[CLASSES.length];
            int[] indices = new int[args.length > 1 ? args.length - 1 : Math.min(10, t.dim(0))];
            for (int i = 0; i < indices.length; i++) indices[i] = args.length > 1 ? index(args[i + 1], t.dim(0)) : i;
            for (int k : indices) {
                pixels(t, k, x);
                model.predict(x, probs);
                int c = argmax(probs);
                out.printf("image %d: %s (%.1f%%)%n", k, CLASSES[c], 100 * probs[c]);
            }
            return 0;
        } catch (UserError e) {
            err.println("classify: " + e.getMessage());
            return 1;
        }
    }

    /** Image {@code k} of an IDX tensor as the model's input: pixels / 255, as the model was trained. */
    static void pixels(Tensor images, int k, float[] x) {
        int[] p = images.ints();
        for (int j = 0; j < PIXELS; j++) x[j] = p[k * PIXELS + j] / 255f;
    }

    private static int index(String s, int count) {
        try {
            int k = Integer.parseInt(s);
            if (k >= 0 && k < count) return k;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("'" + s + "' is not an image index (0 to " + (count - 1) + ")");
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
        return best;
    }
}
