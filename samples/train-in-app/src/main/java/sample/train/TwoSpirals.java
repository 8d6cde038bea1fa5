package sample.train;

import java.util.Random;

/**
 * The application's own data: two interleaved spirals in the plane, one class each. Point i of arm k has radius
 * r = i / n and angle 3π·r + kπ, with Gaussian noise on both coordinates.
 */
public record TwoSpirals(float[][] points, int[] labels) {
    public static TwoSpirals generate(int perArm, double noise, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[2 * perArm][];
        int[] y = new int[2 * perArm];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < perArm; i++) {
                double r = (double) (i + 1) / perArm, a = 3 * Math.PI * r + k * Math.PI;
                int j = k * perArm + i;
                x[j] = new float[] {(float) (r * Math.cos(a) + noise * rnd.nextGaussian()), (float) (r * Math.sin(a) + noise * rnd.nextGaussian())};
                y[j] = k;
            }
        }
        return new TwoSpirals(x, y);
    }

    public int size() {
        return labels.length;
    }
}
