package netc.spark;

import java.io.Serializable;

/**
 * How {@link NetcSpark#fit} trains: the columns, epochs, the batch per worker (the global batch is that times the
 * workers), the number of workers, the seed of the shuffles, the learning rate (default: the model's train block),
 * and where worker 0 keeps its checkpoints (a path every executor reads, such as a shared file system: a restarted
 * stage resumes from it).
 */
public final class TrainOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    String features = "features", label = "label";
    int epochs = 1, batch = 64, workers = 2, checkpointEvery = 1;
    long seed = 42;
    Double lr;
    String checkpoint;
    String schedule = "constant";
    java.util.HashMap<String, Object> scheduleArgs = new java.util.HashMap<>();
    /** Tests: the task of worker {@code failWorker} fails once, on its first attempt, at step {@code failStep} of epoch {@code failEpoch}. */
    int failWorker = -1, failEpoch, failStep;

    public TrainOptions features(String column) {
        features = column;
        return this;
    }

    public TrainOptions label(String column) {
        label = column;
        return this;
    }

    public TrainOptions epochs(int n) {
        if (n < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + n);
        epochs = n;
        return this;
    }

    /** The batch of each worker; every step of the global model sees {@code batch × workers} samples. */
    public TrainOptions batchPerWorker(int n) {
        if (n < 1) throw new IllegalArgumentException("the batch must be at least 1, got " + n);
        batch = n;
        return this;
    }

    /** The number of workers (barrier tasks); the cluster must have as many task slots free at once. */
    public TrainOptions workers(int n) {
        if (n < 1) throw new IllegalArgumentException("workers must be at least 1, got " + n);
        workers = n;
        return this;
    }

    public TrainOptions seed(long s) {
        seed = s;
        return this;
    }

    public TrainOptions learningRate(double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException("the learning rate must be a positive number, got " + v);
        lr = v;
        return this;
    }

    /**
     * The learning-rate schedule over the epochs, as a train block names it ({@code constant}, {@code cosine},
     * {@code step_decay} with its arguments, ...); constant by default.
     */
    public TrainOptions schedule(String name, java.util.Map<String, ?> args) {
        netc.runtime.optim.Schedule.create(name, new java.util.HashMap<>(args));  // refused here, not on the executors
        schedule = name;
        scheduleArgs = new java.util.HashMap<>(args);
        return this;
    }

    /** Worker 0 writes a checkpoint (as {@code netc train --checkpoint-every} does) to {@code path} every {@code every} epochs. */
    public TrainOptions checkpoint(String path, int every) {
        if (every < 1) throw new IllegalArgumentException("checkpoint every must be at least 1, got " + every);
        checkpoint = path;
        checkpointEvery = every;
        return this;
    }

    TrainOptions failOnce(int worker, int epoch, int step) {
        failWorker = worker;
        failEpoch = epoch;
        failStep = step;
        return this;
    }
}
