package netc.runtime.data;

import java.nio.file.Files;
import java.nio.file.Path;

import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * Fashion-MNIST from its four gzipped IDX files (as Debian's {@code dataset-fashion-mnist} installs them): 28×28
 * grey images scaled to [0, 1] as features, and class indices 0..9 as targets.
 */
final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    static final String NAME = "fashion-mnist";
    static final int PIXELS = 28 * 28;
    static final int CLASSES = 10;

    /** {@code SCALE[b]} is {@code b / 255f}: a table spares a division per pixel. */
    private static final float[] SCALE = new float[256];

    static {
        for (int b = 0; b < 256; b++) SCALE[b] = b / 255f;
    }

    private FashionMnist() {
    }

    /** The training split (60000 images) of the files in {@code dir}, or the test split (10000) when {@code test}. */
    static Labeled load(Path dir, boolean test) {
        String prefix = test ? "t10k" : "train";
        Path imagesFile = existing(dir.resolve(prefix + "-images-idx3-ubyte.gz"));
        Idx.Bytes images = Idx.readBytes(imagesFile);
        Path labelsFile = existing(dir.resolve(prefix + "-labels-idx1-ubyte.gz"));
        Idx.Bytes labels = Idx.readBytes(labelsFile);
        int n = labels.data().length;
        if (labels.shape().length != 1 || images.shape()[0] != n || images.data().length != (long) n * PIXELS) {
            throw new UserError(imagesFile + " holds images " + Tensor.shapeString(images.shape()) + " and " + labelsFile
                    + " labels " + Tensor.shapeString(labels.shape()) + ": they do not match; expected [n, 28, 28] and [n]");
        }
        float[] pixels = new float[images.data().length];
        byte[] raw = images.data();
        for (int i = 0; i < raw.length; i++) pixels[i] = SCALE[raw[i] & 0xFF];
        float[] classes = new float[n];
        for (int i = 0; i < n; i++) {
            int c = labels.data()[i] & 0xFF;
            if (c >= CLASSES) {
                throw new UserError(labelsFile + ": label " + i + " is " + c + ", outside the classes 0..9");
            }
            classes[i] = c;
        }
        return new Labeled(NAME, pixels, PIXELS, classes, CLASSES);
    }

    private static Path existing(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError(NAME + ": " + file + " not found; install Debian's dataset-fashion-mnist"
                    + " (apt-get install dataset-fashion-mnist) or pass --data " + NAME + ":DIR");
        }
        return file;
    }
}
