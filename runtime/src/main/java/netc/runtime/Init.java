package netc.runtime;

import java.util.SplittableRandom;

/** Parameter initializers, with PyTorch's definitions of xavier (Glorot uniform) and he (Kaiming normal, fan-in). */
public final class Init {
    private Init() {
    }

    public static void fill(float[] w, String kind, double[] args, int fanIn, int fanOut, SplittableRandom rng) {
        switch (kind) {
            case "zeros" -> java.util.Arrays.fill(w, 0f);
            case "ones" -> java.util.Arrays.fill(w, 1f);
            case "constant" -> java.util.Arrays.fill(w, (float) args[0]);
            case "uniform" -> uniform(w, args[0], args[1], rng);
            case "normal" -> normal(w, args[0], args[1], rng);
            case "xavier" -> {
                double a = Math.sqrt(6.0 / (fanIn + fanOut));
                uniform(w, -a, a, rng);
            }
            case "he" -> normal(w, 0, Math.sqrt(2.0 / fanIn), rng);
            default -> throw new IllegalArgumentException("unknown initializer " + kind);
        }
    }

    /** The same values as the float version, for models generated in double precision (gradient checks). */
    public static void fill(double[] w, String kind, double[] args, int fanIn, int fanOut, SplittableRandom rng) {
        float[] f = new float[w.length];
        fill(f, kind, args, fanIn, fanOut, rng);
        for (int i = 0; i < w.length; i++) w[i] = f[i];
    }

    private static void uniform(float[] w, double a, double b, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) w[i] = (float) (a + (b - a) * rng.nextDouble());
    }

    private static void normal(float[] w, double mean, double std, SplittableRandom rng) {
        for (int i = 0; i < w.length; i += 2) {
            // Box-Muller: two normal values from two uniform ones
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            w[i] = (float) (mean + std * r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < w.length) w[i + 1] = (float) (mean + std * r * Math.sin(2 * Math.PI * u2));
        }
    }
}
