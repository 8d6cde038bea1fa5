package netc.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * A netc model on Apache Spark: {@link #score} adds the model's outputs to a DataFrame, {@link #udf} makes it a SQL
 * function, {@link #fit} trains it data-parallel in a barrier stage with a ring all-reduce between the tasks.
 */
public final class NetcSpark {
    /** Rows scored per call of the model. */
    static final int SCORE_BATCH = 256;

    /**
     * Each executor's instance per broadcast weight file; every task scores with a copy sharing its weights. Kept for
     * the executor's life: one model's weights per {@code score} or {@code udf} call.
     */
    private static final Map<Long, Model> LOADED = new ConcurrentHashMap<>();

    private NetcSpark() {
    }

    /** {@link #score(Dataset, ModelFactory, Path, String)} for a generated class on the executors' class path. */
    public static Dataset<Row> score(Dataset<Row> df, Class<? extends Model> model, Path weights, String featuresColumn) {
        return score(df, ModelFactory.of(model), weights, featuresColumn);
    }

    /**
     * The rows of {@code df} with one more column per output of the model ({@code array<float>}, named as the output),
     * computed from {@code featuresColumn} ({@code array<float>}, {@code array<double>} or an ML {@code Vector}). The
     * weights are read here and broadcast once; each task predicts {@value #SCORE_BATCH} rows per call on a copy of one
     * instance per executor.
     */
    public static Dataset<Row> score(Dataset<Row> df, ModelFactory model, Path weights, String featuresColumn) {
        Model probe = model.create();
        String input = probe.predictionInputs().get(0).name();
        int features = probe.inputSampleSize(input);
        String[] outputs = probe.outputNames();
        int[] sizes = new int[outputs.length];
        for (int i = 0; i < outputs.length; i++) sizes[i] = probe.outputSampleSize(outputs[i]);
        int at = column(df, featuresColumn);
        List<StructField> fields = new ArrayList<>(Arrays.asList(df.schema().fields()));
        for (String o : outputs) {
            if (Arrays.asList(df.columns()).contains(o)) throw new UserError("the DataFrame already has a column '" + o + "', the name of an output of " + probe.name());
            fields.add(DataTypes.createStructField(o, DataTypes.createArrayType(DataTypes.FloatType, false), false));
        }
        Broadcast<byte[]> w = broadcastWeights(df.sparkSession(), weights, probe);
        String source = weights.getFileName().toString();
        MapPartitionsFunction<Row, Row> f = rows -> new Iterator<>() {
            final Model m = copyOf(w, model, source);
            final Row[] batch = new Row[SCORE_BATCH];
            final float[][] out = new float[outputs.length][];
            int filled, next;

            @Override
            public boolean hasNext() {
                if (next < filled) return true;
                filled = next = 0;
                while (filled < SCORE_BATCH && rows.hasNext()) batch[filled++] = rows.next();
                if (filled == 0) return false;
                m.setBatch(filled);
                float[] x = (float[]) m.inputBuffer(input);
                for (int r = 0; r < filled; r++) Features.copy(batch[r].get(at), featuresColumn, x, r * features, features);
                m.forwardOutputs();
                for (int k = 0; k < outputs.length; k++) out[k] = (float[]) m.outputBuffer(outputs[k]);
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                Row in = batch[next];
                Object[] values = new Object[in.length() + outputs.length];
                for (int c = 0; c < in.length(); c++) values[c] = in.get(c);
                for (int k = 0; k < outputs.length; k++) values[in.length() + k] = Arrays.copyOfRange(out[k], next * sizes[k], (next + 1) * sizes[k]);
                batch[next++] = null;
                return RowFactory.create(values);
            }
        };
        return df.mapPartitions(f, Encoders.row(new StructType(fields.toArray(new StructField[0]))));
    }

    /**
     * Registers SQL function {@code name(features)} returning the model's first output as {@code array<float>}: one
     * row per call, on one copy of the model per thread.
     */
    public static void udf(SparkSession spark, String name, ModelFactory model, Path weights) {
        Model probe = model.create();
        String input = probe.predictionInputs().get(0).name();
        int features = probe.inputSampleSize(input);
        Broadcast<byte[]> w = broadcastWeights(spark, weights, probe);
        String source = weights.getFileName().toString();
        UDF1<Object, float[]> f = new UDF1<>() {
            private transient ThreadLocal<Model> local;

            @Override
            public float[] call(Object v) {
                if (local == null) local = ThreadLocal.withInitial(() -> copyOf(w, model, source));
                Model m = local.get();
                float[] x = new float[features];
                Features.copy(v, name + "()", x, 0, features);
                return m.predictBatch(x, 1);
            }
        };
        spark.udf().register(name, f, DataTypes.createArrayType(DataTypes.FloatType, false));
    }

    /** The weight file's bytes, checked against the model on the driver, broadcast. */
    private static Broadcast<byte[]> broadcastWeights(SparkSession spark, Path weights, Model probe) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(weights);
        } catch (IOException e) {
            throw new UserError(weights + ": cannot read: " + e.getMessage());
        }
        probe.loadWeights(new ByteArrayInputStream(bytes), weights.toString());
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes);
    }

    /** A copy, sharing weights, of this executor's instance for the broadcast weights. */
    private static Model copyOf(Broadcast<byte[]> w, ModelFactory model, String source) {
        Model base = LOADED.computeIfAbsent(w.id(), id -> {
            Model m = model.create();
            m.loadWeights(new ByteArrayInputStream(w.value()), source);
            return m;
        });
        synchronized (base) {
            return base.copy();
        }
    }

    private static int column(Dataset<Row> df, String name) {
        List<String> cols = Arrays.asList(df.columns());
        int i = cols.indexOf(name);
        if (i < 0) throw new UserError("the DataFrame has no column '" + name + "'; its columns are " + String.join(", ", cols));
        return i;
    }

    // ---- training ----

    /** What {@link #fit} returns: the trained weights (worker 0's, as every worker's) and what the run measured. */
    public record FitResult(LinkedHashMap<String, Tensor> weights, double[] epochLoss, int firstEpoch, long steps, double stepSeconds,
                            double reduceSeconds, int reducedFloats) {
        /** Mean seconds of a step's own work (forward, backward, optimizer) and of its all-reduce. */
        public double stepMillis() {
            return 1e3 * stepSeconds / Math.max(1, steps);
        }

        public double reduceMillis() {
            return 1e3 * reduceSeconds / Math.max(1, steps);
        }
    }

    /** {@link #fit(Dataset, ModelFactory, TrainOptions)} for a generated class on the executors' class path. */
    public static FitResult fit(Dataset<Row> df, Class<? extends Model> model, TrainOptions o) {
        return fit(df, ModelFactory.of(model), o);
    }

    /**
     * Trains the model data-parallel on {@code o.workers} barrier tasks. Row i of {@code df} goes to worker i mod
     * workers (in the DataFrame's order); each epoch a worker shuffles its rows, and step s of the epoch takes each
     * worker's s-th batch of {@code o.batch}: the global batch is their union. After each step the gradients are summed
     * over the workers by a ring all-reduce of the tasks' sockets, and every worker applies the same optimizer step.
     * Worker 0 writes a checkpoint every {@code o.checkpointEvery} epochs when {@code o.checkpoint} is set; Spark
     * restarts a failed barrier stage as a whole, which resumes from it.
     */
    public static FitResult fit(Dataset<Row> df, ModelFactory model, TrainOptions o) {
        Model probe = model.create();
        if (!probe.hasLoss()) throw new UserError(probe.name() + " has no loss to train; add 'loss = ...' to the model");
        int x = column(df, o.features), y = column(df, o.label);
        int n = o.workers;
        JavaPairRDD<Long, Row> indexed = df.select(df.columns()[x], df.columns()[y]).javaRDD().zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()));
        org.apache.spark.rdd.RDD<Row> shards = indexed.repartitionAndSortWithinPartitions(new ByWorker(n)).values().rdd();
        List<Replica.Result> results;
        try {
            results = shards.barrier().mapPartitions(new TrainTask(model, o), false,
                    scala.reflect.ClassTag$.MODULE$.apply(Replica.Result.class)).toJavaRDD()
                    // a shuffle after the barrier stage makes it a map stage, which Spark retries as a whole when a task
                    // fails (a failed barrier result stage is not retried)
                    .repartition(1).collect();
        } catch (Exception e) {  // Spark's exceptions are checked ones that Scala does not declare
            if (String.valueOf(e.getMessage()).contains("more slots than the total number of slots")) {
                throw new UserError(n + " workers need " + n + " task slots at once, more than the cluster has; use fewer workers");
            }
            if (e instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e);
        }
        Replica.Result r = results.stream().filter(t -> t.rank() == 0).findFirst().orElseThrow();
        for (Replica.Result t : results) {
            if (t.weightsHash() != r.weightsHash()) throw new IllegalStateException("worker " + t.rank() + "'s weights differ from worker 0's after training");
        }
        LinkedHashMap<String, Tensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < r.names().length; i++) weights.put(r.names()[i], Tensor.of(r.shapes()[i], r.values()[i]));
        return new FitResult(weights, r.epochLoss(), r.firstEpoch(), r.steps(), r.stepSeconds(), r.reduceSeconds(), r.reducedFloats());
    }

    /** Row i to worker i mod n. */
    static final class ByWorker extends Partitioner {
        private final int n;

        ByWorker(int n) {
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((Long) key % n);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByWorker b && b.n == n;
        }

        @Override
        public int hashCode() {
            return n;
        }
    }

    /** The body of a barrier task: the worker's rows in, its result out. */
    static final class TrainTask extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Row>, scala.collection.Iterator<Replica.Result>>
            implements java.io.Serializable {
        private final ModelFactory model;
        private final TrainOptions o;

        TrainTask(ModelFactory model, TrainOptions o) {
            this.model = model;
            this.o = o;
        }

        @Override
        public scala.collection.Iterator<Replica.Result> apply(scala.collection.Iterator<Row> rows) {
            org.apache.spark.BarrierTaskContext ctx = org.apache.spark.BarrierTaskContext.get();
            Model m = model.create();
            Replica.Shard shard = shard(m, scala.jdk.javaapi.CollectionConverters.asJava(rows));
            boolean fail = o.failWorker == ctx.partitionId() && ctx.stageAttemptNumber() == 0;
            try {
                Replica.Result r = Replica.train(m, shard, ctx.partitionId(), o.workers, o, ctx::allGather, fail);
                return scala.jdk.javaapi.CollectionConverters.asScala(List.of(r).iterator());
            } catch (IOException e) {
                throw new UncheckedIOException("worker " + ctx.partitionId() + ": all-reduce: " + e.getMessage(), e);
            }
        }

        private Replica.Shard shard(Model m, Iterator<Row> rows) {
            String featureInput = m.predictionInputs().get(0).name(), labelInput = m.labelInput();
            int features = m.inputSampleSize(featureInput);
            boolean intLabels = m.inputs().stream().filter(s -> s.name().equals(labelInput)).findFirst().orElseThrow().isInt();
            int k = m.inputSampleSize(labelInput);
            float[] xs = new float[1024 * features], ts = intLabels ? null : new float[1024 * k];
            int[] ls = intLabels ? new int[1024] : null;
            int n = 0;
            while (rows.hasNext()) {
                Row row = rows.next();
                if ((n + 1) * (long) features > xs.length) {
                    xs = Arrays.copyOf(xs, xs.length * 2);
                    if (intLabels) ls = Arrays.copyOf(ls, ls.length * 2);
                    else ts = Arrays.copyOf(ts, ts.length * 2);
                }
                Features.copy(row.get(0), o.features, xs, n * features, features);
                if (intLabels) ls[n] = Features.label(row.get(1), o.label);
                else Features.copy(row.get(1), o.label, ts, n * k, k);
                n++;
            }
            return new Replica.Shard(xs, ls, ts, n);
        }
    }
}
