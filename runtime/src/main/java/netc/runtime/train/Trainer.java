package netc.runtime.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.Batcher;
import netc.runtime.data.DataSet;
import netc.runtime.optim.Schedule;

/** The training loop: seeded shuffled mini-batches, forward, backward, optimizer step, and evaluation. */
public final class Trainer {
    /** How often the warm-up also runs a smaller batch (see {@link #fewer}): every this many steps. */
    private static final int FEWER_EVERY = 8;

    private Trainer() {
    }

    /**
     * Settings of a run; {@code lr} overrides the model's learning rate when not null. With {@code patience} above 0
     * the run stops early once the validation loss (the training loss without validation data) has not improved for
     * that many epochs, and ends with the weights of its best epoch (Keras' EarlyStopping with restore_best_weights).
     */
    public record Options(int epochs, int batch, boolean shuffle, long seed, Double lr, Schedule schedule, int firstEpoch, int patience) {
        public Options(int epochs, int batch, boolean shuffle, long seed, Double lr, Schedule schedule) {
            this(epochs, batch, shuffle, seed, lr, schedule, 1, 0);
        }

        public Options(int epochs, int batch, boolean shuffle, long seed, Double lr) {
            this(epochs, batch, shuffle, seed, lr, Schedule.CONSTANT);
        }

        /** The same run continued from epoch {@code first} (1-based), e.g. after a checkpoint. */
        public Options from(int first) {
            return new Options(epochs, batch, shuffle, seed, lr, schedule, first, patience);
        }

        /** The same run, stopping early after {@code epochs} epochs without improvement (0: never). */
        public Options withPatience(int epochs) {
            return new Options(this.epochs, batch, shuffle, seed, lr, schedule, firstEpoch, epochs);
        }
    }

    /** Called as training proceeds, e.g. to draw a progress bar. */
    public interface Listener {
        default void epochStart(int epoch, int epochs, int batches) {
        }

        default void batchDone(int batch, double loss, int samples) {
        }

        default void epochEnd(Epoch e) {
        }
    }

    /**
     * Loss and accuracy of an evaluation; accuracy is NaN when the model has no classes. {@code confusion} counts the
     * samples of each true class (row) by predicted class (column), for classifiers; else it is null.
     */
    public record Evaluation(double loss, double accuracy, int samples, long[][] confusion) {
        public Evaluation(double loss, double accuracy, int samples) {
            this(loss, accuracy, samples, null);
        }

        /** Per class, the fraction of its samples predicted right (its recall); NaN for a class with no sample. */
        public double[] perClassAccuracy() {
            if (confusion == null) return null;
            double[] a = new double[confusion.length];
            for (int c = 0; c < a.length; c++) {
                long all = 0;
                for (long v : confusion[c]) all += v;
                a[c] = all == 0 ? Double.NaN : (double) confusion[c][c] / all;
            }
            return a;
        }
    }

    /** One epoch's figures; {@code validation} and {@code test} are null without such data. */
    public record Epoch(int epoch, double trainLoss, double trainAccuracy, Evaluation validation, Evaluation test, double trainSeconds,
                        long samples) {
    }

    /**
     * The epochs run and the training throughput; with early stopping, the epoch whose weights the model ends with
     * ({@code bestEpoch}, else 0) and whether the run stopped before its last epoch.
     */
    public record Result(List<Epoch> epochs, double samplesPerSecond, int bestEpoch, boolean stoppedEarly) {
        public Result(List<Epoch> epochs, double samplesPerSecond) {
            this(epochs, samplesPerSecond, 0, false);
        }

        public Epoch last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    public static Result fit(Model m, DataSet train, DataSet test, Options o, Listener listener) {
        return fit(m, train, null, test, o, listener);
    }

    /** Trains on {@code train}, evaluating on {@code validation} and {@code test} (either may be null) after each epoch. */
    public static Result fit(Model m, DataSet train, DataSet validation, DataSet test, Options o, Listener listener) {
        if (!m.hasLoss()) throw new UserError(m.name() + " has no loss to train; add 'loss = ...' to the model");
        if (o.lr() != null) m.optimizer().setLearningRate(o.lr());
        double baseLr = m.optimizer().learningRate();
        Batcher batches = new Batcher(train, o.batch(), o.shuffle(), o.seed());
        List<Epoch> epochs = new ArrayList<>();
        long totalNanos = 0, totalSamples = 0;
        boolean acc = Metrics.hasAccuracy(m, train);
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = 0, since = 0;
        java.util.Map<String, netc.runtime.Tensor> bestWeights = null;
        boolean stopped = false;
        for (int e = o.firstEpoch(); e <= o.epochs() && !stopped; e++) {
            m.optimizer().setLearningRate(o.schedule().lr(e - 1, baseLr, o.epochs()));
            listener.epochStart(e, o.epochs(), batches.batchesPerEpoch());
            batches.startEpoch(e - 1);  // the order of an epoch depends only on the seed and the epoch
            m.setSeed(epochSeed(o.seed(), e));  // and so do its dropout masks: a resumed run equals an uninterrupted one
            m.training = true;
            bindDims(m, train);  // evaluation may have bound other sequence lengths
            double lossSum = 0, correct = 0;
            long seen = 0;
            long t0 = System.nanoTime();
            int b = 0;
            while (batches.next()) {
                int n = batches.batchSize();
                fill(m, batches);
                double loss = m.trainOnInputs();
                if (!Double.isFinite(loss)) throw m.diverged("epoch " + e + ", batch " + (b + 1), loss);
                lossSum += loss * n;
                if (acc) correct += Metrics.correct(m, n);
                seen += n;
                listener.batchDone(++b, loss, n);
            }
            long dt = System.nanoTime() - t0;
            totalNanos += dt;
            totalSamples += seen;
            Evaluation val = validation == null ? null : evaluate(m, validation, o.batch());
            Evaluation ev = test == null ? null : evaluate(m, test, o.batch());
            Epoch ep = new Epoch(e, lossSum / seen, acc ? (double) correct / seen : Double.NaN, val, ev, dt / 1e9, seen);
            epochs.add(ep);
            if (o.patience() > 0) {
                double monitored = val != null ? val.loss() : ep.trainLoss();
                if (monitored < best) {
                    best = monitored;
                    bestEpoch = e;
                    since = 0;
                    bestWeights = m.state();
                } else {
                    stopped = ++since >= o.patience() && e < o.epochs();
                }
            }
            listener.epochEnd(ep);
        }
        m.training = false;
        if (bestWeights != null && bestEpoch != epochs.get(epochs.size() - 1).epoch()) m.loadState(bestWeights, "the weights of epoch " + bestEpoch);
        return new Result(epochs, totalSamples / (totalNanos / 1e9), bestEpoch, stopped);
    }

    /** The seed of epoch {@code epoch}'s dropout masks: a mix of the run's seed and the epoch (SplitMix64's finaliser). */
    static long epochSeed(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * epoch;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Trains {@code spare}, a fresh instance of the model's class that is then thrown away, on batches of {@code train}
     * for as long as {@code goOn} says (it is asked before each step with the steps done so far): the JIT compiles the
     * generated kernels, the runtime's and the data path's while no clock runs, so the first epoch of the real run goes
     * at full speed; every {@value #FEWER_EVERY}th step also evaluates and trains on fewer samples ({@link #fewer}). The
     * real model, its optimizer state and its random streams are untouched: results are the same with or without it.
     *
     * <p>The spare takes its steps at learning rate 0 and its batches shuffled, as the run's: trained, it would learn
     * the few random samples by heart (all of a batch right after a few hundred steps), the JIT would compile the
     * branches of a wrong prediction out of the accuracy's count, and the first epoch would deoptimise it and run it in
     * the interpreter again; unshuffled, the batches would not compile the shuffled gather.
     *
     * @return the steps taken
     */
    public static long warmUp(Model spare, DataSet train, int batch, LongPredicate goOn) {
        if (!spare.hasLoss() || train.size() == 0) return 0;
        spare.initParams(0);
        spare.optimizer().setLearningRate(0);
        spare.training = true;
        bindDims(spare, train);
        boolean acc = Metrics.hasAccuracy(spare, train);
        Batcher batches = new Batcher(train, batch, true, 0);
        long done = 0;
        while (goOn.test(done)) {
            batches.startEpoch();
            while (batches.next() && goOn.test(done)) {
                fill(spare, batches);
                int n = batches.batchSize();
                if (done % FEWER_EVERY == FEWER_EVERY - 1 && n > 1) {
                    // sizes from 1 to n − 1, spread: 37 apart (mod n − 1)
                    fewer(spare, n, 1 + (int) (done / FEWER_EVERY * 37 % (n - 1)));
                }
                spare.trainOnInputs();
                if (acc) Metrics.correct(spare, n);
                done++;
            }
        }
        return done;
    }

    /**
     * A warm-up's evaluation and training step on the first {@code fewer} samples of the batch of {@code n} in the
     * buffers: the last, partial batch of an epoch or of an evaluation takes other paths through the kernels (products
     * of a few rows, tiles of other heights) and the forward pass in evaluation mode others again. Profiled in the
     * warm-up, they are compiled in; otherwise the first such batch (the test set's last, after the first epoch) throws
     * the compiled kernels away and the next epoch runs while the JIT compiles them again.
     */
    private static void fewer(Model spare, int n, int fewer) {
        spare.setBatch(fewer);
        spare.training = false;
        spare.forwardOutputs();
        spare.forwardLoss();
        spare.training = true;
        spare.trainOnInputs();
        spare.setBatch(n);
    }

    /** Binds the model's symbolic dimensions other than the batch ({@code seq}) to the shapes of the data's samples. */
    private static void bindDims(Model m, DataSet data) {
        Map<String, int[]> shapes = new java.util.HashMap<>();
        for (Map.Entry<String, Tensor> c : data.columns().entrySet()) {
            int[] s = c.getValue().shape();
            shapes.put(c.getKey(), java.util.Arrays.copyOfRange(s, 1, s.length));
        }
        m.setSampleShapes(shapes);
    }

    /** Feeds the current batch to the model's input buffers. */
    private static void fill(Model m, Batcher batches) {
        m.setBatch(batches.batchSize());
        for (InputSpec in : m.inputs()) {
            Object buf = m.inputBuffer(in.name());
            if (buf instanceof int[] ib) batches.fill(in.name(), ib);
            else batches.fill(in.name(), (float[]) buf);
        }
    }

    /** Loss and accuracy over a whole data set, in evaluation mode. */
    public static Evaluation evaluate(Model m, DataSet data, int batch) {
        boolean was = m.training;
        m.training = false;
        bindDims(m, data);
        Batcher batches = new Batcher(data, batch, false, 0);
        batches.startEpoch();
        boolean acc = Metrics.hasAccuracy(m, data);
        long[][] confusion = null;
        double lossSum = 0, correct = 0;
        long seen = 0;
        while (batches.next()) {
            int n = batches.batchSize();
            fill(m, batches);
            m.forwardOutputs();
            m.forwardLoss();
            lossSum += m.loss() * n;
            if (acc) {
                correct += Metrics.correct(m, n);
                if (confusion == null) confusion = new long[Metrics.classes(m)][Metrics.classes(m)];
                Metrics.confusion(m, n, confusion);
            }
            seen += n;
        }
        m.training = was;
        return new Evaluation(lossSum / seen, acc ? (double) correct / seen : Double.NaN, (int) seen, confusion);
    }
}
