package sample.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import sample.train.model.SpiralNet;

/**
 * Trains {@link SpiralNet} (generated from {@code src/main/net/spiral_net.net} by the netc Maven plugin) from Java:
 * the application makes its data, shuffles it, and calls {@code trainStep} per mini-batch; {@code predict} measures
 * the test accuracy after each epoch.
 *
 * <pre>
 * java -cp ... sample.train.TrainSpirals [EPOCHS] [WEIGHTS.safetensors]
 * </pre>
 */
public final class TrainSpirals {
    /** Per epoch, the mean training loss and the test accuracy. */
    public record Epoch(int epoch, double loss, double accuracy) {
    }

    private TrainSpirals() {
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        SpiralNet model = new SpiralNet();
        train(model, epochs, 32, 1, System.out);
        if (args.length > 1) {
            model.saveWeights(Path.of(args[1]));
            System.out.println("saved " + args[1]);
        }
    }

    /** Trains for {@code epochs} epochs of shuffled mini-batches, printing the first, every 20th and the last epoch. */
    public static List<Epoch> train(SpiralNet model, int epochs, int batch, long seed, PrintStream out) {
        TwoSpirals train = TwoSpirals.generate(200, 0.02, seed), test = TwoSpirals.generate(100, 0.02, seed + 1);
        model.initParams(seed);
        Random shuffle = new Random(seed);
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        List<Epoch> log = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            for (int i = order.length - 1; i > 0; i--) {  // Fisher–Yates
                int j = shuffle.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double lossSum = 0;
            for (int from = 0; from < order.length; from += batch) {
                int n = Math.min(batch, order.length - from);
                float[][] x = new float[n][];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    x[i] = train.points()[order[from + i]];
                    y[i] = train.labels()[order[from + i]];
                }
                lossSum += model.trainStep(x, y) * n;
            }
            Epoch ep = new Epoch(e, lossSum / order.length, accuracy(model, test));
            log.add(ep);
            if (e == 1 || e % 20 == 0 || e == epochs) out.printf("epoch %3d: loss %.4f, test accuracy %.1f%%%n", e, ep.loss(), 100 * ep.accuracy());
        }
        return log;
    }

    /** The fraction of points whose most likely class is their arm. */
    public static double accuracy(SpiralNet model, TwoSpirals data) {
        float[][] p = model.predict(data.points());
        int right = 0;
        for (int i = 0; i < p.length; i++) if ((p[i][1] > p[i][0] ? 1 : 0) == data.labels()[i]) right++;
        return (double) right / p.length;
    }
}
