package netc.runtime.data;

import java.util.List;
import java.util.Random;

/**
 * Small 2-D classification sets for trying out models: the truth tables {@code xor}, {@code and} and {@code or},
 * {@code moons} (as scikit-learn's {@code make_moons(noise=0.1)}) and {@code spirals} (CS231n's three-arm spiral).
 * The random ones are deterministic: fixed seeds, one for the training split and another for the test split.
 */
final class ToyData {
    /** The names of the toy sets. */
    static final List<String> NAMES = List.of("xor", "and", "or", "moons", "spirals");

    static final int TRAIN_SIZE = 600;
    static final int TEST_SIZE = 300;
    private static final double MOONS_NOISE = 0.1;
    private static final int SPIRAL_ARMS = 3;
    private static final double SPIRAL_ANGLE_NOISE = 0.2;
    private static final long MOONS_TRAIN_SEED = 1_000_001;
    private static final long MOONS_TEST_SEED = 1_000_002;
    private static final long SPIRALS_TRAIN_SEED = 2_000_001;
    private static final long SPIRALS_TEST_SEED = 2_000_002;
    private static final float[] CORNERS = {0, 0, 0, 1, 1, 0, 1, 1};

    private ToyData() {
    }

    /** The toy set {@code name} (one of {@link #NAMES}); its test split when {@code test}. */
    static Labeled load(String name, boolean test) {
        int n = test ? TEST_SIZE : TRAIN_SIZE;
        return switch (name) {
            case "xor" -> truthTable(name, 0, 1, 1, 0);
            case "and" -> truthTable(name, 0, 0, 0, 1);
            case "or" -> truthTable(name, 0, 1, 1, 1);
            case "moons" -> moons(n, new Random(test ? MOONS_TEST_SEED : MOONS_TRAIN_SEED));
            case "spirals" -> spirals(n, new Random(test ? SPIRALS_TEST_SEED : SPIRALS_TRAIN_SEED));
            default -> throw new IllegalArgumentException("not a toy data set: " + name);
        };
    }

    /** The four corners of the unit square, labelled by a truth table; the same for both splits. */
    private static Labeled truthTable(String name, float f00, float f01, float f10, float f11) {
        return new Labeled(name, CORNERS.clone(), 2, new float[] {f00, f01, f10, f11}, 2);
    }

    /** Two interleaving half circles with Gaussian noise, as {@code sklearn.datasets.make_moons}. */
    private static Labeled moons(int n, Random rng) {
        int outer = n / 2;
        int inner = n - outer;
        float[] xy = new float[2 * n];
        float[] label = new float[n];
        for (int i = 0; i < n; i++) {
            boolean isOuter = i < outer;
            double a = Math.PI * linspace(isOuter ? i : i - outer, isOuter ? outer : inner);
            double x = isOuter ? Math.cos(a) : 1 - Math.cos(a);
            double y = isOuter ? Math.sin(a) : 0.5 - Math.sin(a);
            xy[2 * i] = (float) (x + MOONS_NOISE * rng.nextGaussian());
            xy[2 * i + 1] = (float) (y + MOONS_NOISE * rng.nextGaussian());
            label[i] = isOuter ? 0 : 1;
        }
        return shuffled("moons", xy, label, 2, rng);
    }

    /** CS231n's spiral: arm j's points at radius 0..1 and angle 4j..4(j+1) plus Gaussian noise. */
    private static Labeled spirals(int n, Random rng) {
        int perArm = n / SPIRAL_ARMS;
        float[] xy = new float[2 * perArm * SPIRAL_ARMS];
        float[] label = new float[perArm * SPIRAL_ARMS];
        for (int j = 0, i = 0; j < SPIRAL_ARMS; j++) {
            for (int p = 0; p < perArm; p++, i++) {
                double r = linspace(p, perArm);
                double t = 4 * (j + linspace(p, perArm)) + SPIRAL_ANGLE_NOISE * rng.nextGaussian();
                xy[2 * i] = (float) (r * Math.sin(t));
                xy[2 * i + 1] = (float) (r * Math.cos(t));
                label[i] = j;
            }
        }
        return shuffled("spirals", xy, label, SPIRAL_ARMS, rng);
    }

    /** Point {@code i} of {@code count} evenly spaced over [0, 1], both ends included. */
    private static double linspace(int i, int count) {
        return count == 1 ? 0 : (double) i / (count - 1);
    }

    /** The points in a random order (so that even unshuffled batches mix the classes). */
    private static Labeled shuffled(String name, float[] xy, float[] label, int classes, Random rng) {
        int n = label.length;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = label[i];
            label[i] = label[j];
            label[j] = t;
            for (int c = 0; c < 2; c++) {
                t = xy[2 * i + c];
                xy[2 * i + c] = xy[2 * j + c];
                xy[2 * j + c] = t;
            }
        }
        return new Labeled(name, xy, 2, label, classes);
    }
}
