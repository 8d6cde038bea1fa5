package sample.classifier;

import java.io.PrintStream;
import java.nio.file.Path;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.Idx;
import sample.fashion.FashionMLP;

/**
 * Classifies Fashion-MNIST images with weights trained by {@code netc train --save}. The class {@link FashionMLP} is
 * generated from {@code src/main/net/fashion_mlp.net} by the netc Maven plugin.
 *
 * <pre>
 * java -jar target/embedded-classifier.jar WEIGHTS.safetensors IMAGES.idx[.gz] [INDEX...]
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

    /** Prints one line per image, its most likely class and that class's probability; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) {
            err.println("usage: classify WEIGHTS.safetensors IMAGES.idx[.gz] [INDEX...]  (default: the first 10 images)");
            return 1;
        }
        try {
            int[] indices = new int[args.length > 2 ? args.length - 2 : 10];
            for (int i = 0; i < indices.length; i++) indices[i] = args.length > 2 ? index(args[i + 2]) : i;
            float[][] probs = classify(Path.of(args[0]), Path.of(args[1]), indices);
            for (int i = 0; i < indices.length; i++) {
                int c = argmax(probs[i]);
                out.printf("image %d: %s (%.1f%%)%n", indices[i], CLASSES[c], 100 * probs[i][c]);
            }
            return 0;
        } catch (UserError e) {
            err.println("classify: " + e.getMessage());
            return 1;
        }
    }

    /** The ten class probabilities of each chosen image of an IDX file of 28×28 images. */
    static float[][] classify(Path weights, Path images, int[] indices) {
        FashionMLP model = FashionMLP.load(weights);
        Tensor t = Idx.read(images);
        if (t.rank() != 3 || t.dim(1) != 28 || t.dim(2) != 28) {
            throw new UserError(images + ": expected 28×28 images, the file holds " + Tensor.shapeString(t.shape()));
        }
        int[] pixels = t.ints();
        float[][] x = new float[indices.length][PIXELS];
        for (int i = 0; i < indices.length; i++) {
            int k = indices[i];
            if (k >= t.dim(0)) throw new UserError("image " + k + " is out of range: " + images + " holds " + t.dim(0) + " images");
            for (int j = 0; j < PIXELS; j++) x[i][j] = pixels[k * PIXELS + j] / 255f;  // as netc's fashion-mnist source
        }
        return model.predict(x);
    }

    private static int index(String s) {
        try {
            int k = Integer.parseInt(s);
            if (k >= 0) return k;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("'" + s + "' is not an image index (0, 1, 2, ...)");
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
        return best;
    }
}
