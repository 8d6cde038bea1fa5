package netc.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.optim.Schedule;
import netc.runtime.train.Checkpoints;

/**
 * One worker of synchronous data-parallel training: the model's own training step on the worker's shard of every
 * global batch, then one ring all-reduce of a flat buffer holding every gradient (summed, then divided by the number
 * of workers: the gradient of the global batch's mean loss), the loss, and worker 0's buffers (batch norm's running
 * statistics; the others contribute zeros), then the optimizer step. Every replica starts from the same weights and
 * applies the same reduced gradient, so they stay bit-identical; batch norm uses each worker's own batch statistics
 * (as PyTorch's DistributedDataParallel without SyncBatchNorm) and keeps worker 0's running statistics (as DDP
 * broadcasting rank 0's buffers).
 */
final class Replica {
    /** A worker's rows: features row-major, labels as class indices or as float targets. */
    record Shard(float[] x, int[] labels, float[] targets, int rows) {
    }

    /**
     * What a worker returns: a hash of its weights' bits (equal on every worker), and on worker 0 the weights, the loss
     * of each epoch, and timings.
     */
    record Result(int rank, long weightsHash, String[] names, int[][] shapes, float[][] values, double[] epochLoss, int firstEpoch, long steps,
                  double stepSeconds, double reduceSeconds, int reducedFloats) implements Serializable {
    }

    private Replica() {
    }

    /** The order of a worker's rows in an epoch: a shuffle that depends only on the seed, the epoch and the worker. */
    static int[] order(long seed, int epoch, int worker, int rows) {
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(mix(seed, epoch, worker));
        for (int i = rows - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static long mix(long seed, int epoch, int worker) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch * 65_537L + worker + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Trains {@code m} on this worker's shard. {@code exchange} gives every worker's string for this worker's (Spark's
     * allGather); {@code failOnce} lets a test fail the task once.
     */
    static Result train(Model m, Shard shard, int rank, int n, TrainOptions o, Function<String, String[]> exchange, boolean failOnce)
            throws IOException {
        String featureInput = m.predictionInputs().get(0).name(), labelInput = m.labelInput();
        int features = m.inputSampleSize(featureInput), b = o.batch;
        if (o.lr != null) m.optimizer().setLearningRate(o.lr);
        double baseLr = m.optimizer().learningRate();
        Schedule schedule = Schedule.create(o.schedule, o.scheduleArgs);
        int first = 1;
        Path ckpt = o.checkpoint == null ? null : Path.of(o.checkpoint);
        if (ckpt != null && Files.exists(ckpt)) first = Checkpoints.restore(ckpt, m, o.epochs, o.schedule) + 1;
        // every worker takes as many steps as the smallest shard allows
        int fewest = Integer.MAX_VALUE;
        for (String s : exchange.apply(Integer.toString(shard.rows()))) fewest = Math.min(fewest, Integer.parseInt(s));
        int steps = fewest / b;
        if (steps == 0) throw new UserError("a worker holds " + fewest + " rows, fewer than one batch of " + b + "; use fewer workers or a smaller batch");

        m.setBatch(b);  // the buffers, gradients included, exist from the first batch on
        String[] names = m.paramNames();
        float[][] grads = new float[names.length][], params = new float[names.length][];
        int total = 1;  // the loss
        for (int i = 0; i < names.length; i++) {
            params[i] = (float[]) m.paramBuffer(names[i]);
            grads[i] = (float[]) m.gradBuffer(names[i]);
            total += grads[i] != null ? grads[i].length : params[i].length;
        }
        float[] flat = new float[total];
        double[] epochLoss = new double[Math.max(0, o.epochs - first + 1)];
        long stepNanos = 0, reduceNanos = 0, stepCount = 0;
        try (RingAllReduce ring = RingAllReduce.connect(rank, n, exchange)) {
            broadcastFromWorker0(ring, params, rank);
            m.weightsChanged();
            float[] xBuf = null;
            for (int e = first; e <= o.epochs; e++) {
                m.optimizer().setLearningRate(schedule.lr(e - 1, baseLr, o.epochs));
                int[] perm = order(o.seed, e, rank, shard.rows());
                m.setSeed(mix(o.seed ^ 0x5DEECE66DL, e, rank));
                m.training = true;
                double lossSum = 0;
                for (int s = 0; s < steps; s++) {
                    if (failOnce && e == o.failEpoch && s == o.failStep) throw new IllegalStateException("worker " + rank + ": failing once, as the test asked");
                    long t0 = System.nanoTime();
                    m.setBatch(b);
                    xBuf = (float[]) m.inputBuffer(featureInput);
                    for (int r = 0; r < b; r++) {
                        int row = perm[s * b + r];
                        System.arraycopy(shard.x(), row * features, xBuf, r * features, features);
                    }
                    fillLabels(m, labelInput, shard, perm, s * b, b);
                    m.forwardOutputs();
                    m.forwardLoss();
                    double loss = m.loss();
                    if (!Double.isFinite(loss)) throw m.diverged("worker " + rank + ", epoch " + e + ", step " + (s + 1), loss);
                    m.updateBuffers();
                    m.backward();
                    // gradients, then the buffers (worker 0's; zeros from the others), then the loss
                    int at = 0;
                    for (int i = 0; i < names.length; i++) {
                        float[] src = grads[i] != null ? grads[i] : params[i];
                        int len = src.length;
                        if (grads[i] == null && rank != 0) java.util.Arrays.fill(flat, at, at + len, 0f);
                        else System.arraycopy(src, 0, flat, at, len);
                        at += len;
                    }
                    flat[at] = (float) loss;
                    long t1 = System.nanoTime();
                    ring.sum(flat);
                    long t2 = System.nanoTime();
                    float inv = 1f / n;
                    at = 0;
                    for (int i = 0; i < names.length; i++) {
                        float[] dst = grads[i] != null ? grads[i] : params[i];
                        int len = dst.length;
                        if (grads[i] != null) for (int j = 0; j < len; j++) dst[j] = flat[at + j] * inv;
                        else System.arraycopy(flat, at, dst, 0, len);
                        at += len;
                    }
                    m.step();
                    lossSum += flat[at] * inv;
                    stepNanos += System.nanoTime() - t0 - (t2 - t1);
                    reduceNanos += t2 - t1;
                    stepCount++;
                }
                epochLoss[e - first] = lossSum / steps;
                if (rank == 0 && ckpt != null && (e % o.checkpointEvery == 0 || e == o.epochs)) Checkpoints.write(ckpt, m, e, o.epochs, o.schedule);
            }
        }
        m.training = false;
        long hash = 1;
        for (float[] p : params) for (float v : p) hash = 31 * hash + Float.floatToRawIntBits(v);
        if (rank != 0) return new Result(rank, hash, null, null, null, null, first, stepCount, 0, 0, total);
        List<int[]> shapes = new ArrayList<>();
        float[][] values = new float[names.length][];
        int i = 0;
        for (var t : m.state().entrySet()) {
            Tensor v = t.getValue();
            shapes.add(v.shape());
            values[i++] = v.floats().clone();
        }
        return new Result(0, hash, names, shapes.toArray(new int[0][]), values, epochLoss, first, stepCount, stepNanos / 1e9, reduceNanos / 1e9, total);
    }

    /** Every worker takes worker 0's values (as DDP starts from rank 0's weights): the others add zeros. */
    private static void broadcastFromWorker0(RingAllReduce ring, float[][] arrays, int rank) throws IOException {
        int total = 0;
        for (float[] a : arrays) total += a.length;
        float[] flat = new float[total];
        if (rank == 0) {
            int at = 0;
            for (float[] a : arrays) {
                System.arraycopy(a, 0, flat, at, a.length);
                at += a.length;
            }
        }
        ring.sum(flat);
        int at = 0;
        for (float[] a : arrays) {
            System.arraycopy(flat, at, a, 0, a.length);
            at += a.length;
        }
    }

    private static void fillLabels(Model m, String labelInput, Shard shard, int[] perm, int from, int b) {
        Object buf = m.inputBuffer(labelInput);
        if (buf instanceof int[] labels) {
            for (int r = 0; r < b; r++) labels[r] = shard.labels()[perm[from + r]];
        } else {
            float[] t = (float[]) buf;
            int k = m.inputSampleSize(labelInput);
            for (int r = 0; r < b; r++) System.arraycopy(shard.targets(), perm[from + r] * k, t, r * k, k);
        }
    }
}
