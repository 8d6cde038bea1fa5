package sample.spark;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import netc.compiler.NetCompiler;
import netc.compiler.ir.TrainConfig;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.io.Safetensors;
import netc.runtime.train.Trainer;
import netc.spark.ModelFactory;
import netc.spark.NetcSpark;
import netc.spark.TrainOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-fashion train} trains a {@code .net} model data-parallel on a Spark cluster (or {@code local[N]}) and
 * tests it; {@code spark-fashion score} adds the model's outputs to every test image. The executors compile the model
 * from its text, so the cluster needs nothing but this application's jar.
 */
@Command(name = "spark-fashion", mixinStandardHelpOptions = true, subcommands = {SparkFashion.Train.class, SparkFashion.Score.class},
        description = "Train and score a netc model on Apache Spark.")
public final class SparkFashion {
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; the exit status: 0, 1 for bad input (one line), 2 for a bug. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new SparkFashion()).setOut(out).setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("spark-fashion: " + String.valueOf(ex.getMessage()).strip().replace('\n', ' ') + "; try 'spark-fashion --help'");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof UserError u) {
                    err.println(u.getMessage().contains(": error: ") ? u.getMessage() : "spark-fashion: " + u.getMessage());
                    return 1;
                }
            }
            err.println("spark-fashion: internal error: " + ex);
            ex.printStackTrace(err);
            return 2;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** A model compiled from its {@code .net} text, once per JVM (the driver's and each executor's). */
    record NetModel(String file, String source) implements ModelFactory {
        private static final Map<String, NetCompiler.Compiled> COMPILED = new ConcurrentHashMap<>();

        static NetModel read(Path file) {
            try {
                return new NetModel(file.toString(), Files.readString(file));
            } catch (IOException e) {
                throw new UserError(file + ": cannot read: " + e.getMessage());
            }
        }

        NetCompiler.Compiled compiled() {
            return COMPILED.computeIfAbsent(source, s -> NetCompiler.compile(file, s, "float"));
        }

        @Override
        public Model create() {
            return compiled().newModel();
        }
    }

    static SparkSession session(String master) {
        SparkSession s = SparkSession.builder().master(master).appName("spark-fashion").config("spark.ui.enabled", "false").getOrCreate();
        s.sparkContext().setLogLevel("WARN");
        return s;
    }

    /** Rows (id, features, and the label when the data has one) of a data set's feature and label columns. */
    static Dataset<Row> frame(SparkSession spark, DataSet d, String features, String label) {
        Tensor x = d.column(features), y = label == null ? null : d.column(label);
        int n = d.size(), k = x.size() / n;
        float[] xs = x.floats();
        List<Row> rows = new ArrayList<>(n);
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (y != null) schema = schema.add("label", DataTypes.IntegerType, false);
        for (int i = 0; i < n; i++) {
            float[] row = java.util.Arrays.copyOfRange(xs, i * k, (i + 1) * k);
            rows.add(y == null ? RowFactory.create((long) i, row) : RowFactory.create((long) i, row, y.ints()[i]));
        }
        return spark.createDataFrame(rows, schema);
    }

    static void writable(Path file, String option) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new UserError(option + " " + file + ": the folder " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new UserError(option + " " + file + ": the folder " + dir + " is not writable");
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train a .net model data-parallel on Spark, then test it.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--master", required = true, description = "Spark master: local[N], spark://HOST:PORT, ...") String master;
        @Option(names = "--model", required = true, paramLabel = "FILE.net") Path model;
        @Option(names = "--epochs", description = "default: the train block's") Integer epochs;
        @Option(names = "--workers", description = "barrier tasks (default: Spark's default parallelism)") Integer workers;
        @Option(names = "--batch", description = "samples per worker and step (default: the train block's batch / workers)") Integer batch;
        @Option(names = "--data", paramLabel = "SRC", description = "training data, a netc source name (default: the train block's)") String data;
        @Option(names = "--seed") Long seed;
        @Option(names = "--checkpoint", paramLabel = "FILE", description = "worker 0's checkpoint, on storage every executor reads") Path checkpoint;
        @Option(names = "--save", paramLabel = "W.safetensors") Path save;
        @Option(names = "--json", description = "end with one JSON line of the results") boolean json;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            NetModel net = NetModel.read(model);
            NetCompiler.Compiled c = net.compiled();
            TrainConfig cfg = c.graph().train();
            if (save != null) writable(save, "--save");
            Model m = c.newModel();
            List<InputSpec> inputs = m.inputs();
            String src = data != null ? data : cfg.data();
            if (src == null) throw new UserError(model + ": no data: give --data SRC or data = \"...\" in the train block");
            DataSet train = DataSources.load(src, inputs, false), test = DataSources.load(src, inputs, true);
            long t0 = System.nanoTime();
            SparkSession spark = session(master);
            try {
                int n = workers != null ? workers : spark.sparkContext().defaultParallelism();
                int b = batch != null ? batch : Math.max(1, cfg.batch() / n);
                int e = epochs != null ? epochs : cfg.epochs();
                String x = m.predictionInputs().get(0).name(), y = m.labelInput();
                TrainOptions o = new TrainOptions().features("features").label("label").workers(n).batchPerWorker(b).epochs(e)
                        .seed(seed != null ? seed : cfg.seed()).schedule(cfg.schedule(), cfg.scheduleArgs());
                if (checkpoint != null) o.checkpoint(checkpoint.toAbsolutePath().toString(), 1);
                out.printf("%s: %,d training samples on %d workers, %d per worker and step (%d a step), %d epoch%s, %s%n", m.name(),
                        train.size(), n, b, b * n, e, e == 1 ? "" : "s", master);
                NetcSpark.FitResult r = NetcSpark.fit(frame(spark, train, x, y), net, o);
                for (int i = 0; i < r.epochLoss().length; i++) out.printf("epoch %d: train loss %.4f%n", r.firstEpoch() + i, r.epochLoss()[i]);
                m.loadState(r.weights(), "the trained weights");
                Trainer.Evaluation ev = Trainer.evaluate(m, test, 256);
                out.printf("test: loss %.4f, accuracy %.2f%% (%,d samples)%n", ev.loss(), 100 * ev.accuracy(), ev.samples());
                out.printf("step %.2f ms of work and %.2f ms of all-reduce (%,d floats) on each worker%n", r.stepMillis(), r.reduceMillis(), r.reducedFloats());
                if (save != null) {
                    Safetensors.write(save, r.weights());
                    out.println("saved " + save);
                }
                if (json) {
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("model", m.name());
                    j.put("workers", n);
                    j.put("batch_per_worker", b);
                    j.put("epochs", e);
                    j.put("train_loss", r.epochLoss());
                    j.put("test_loss", ev.loss());
                    j.put("test_accuracy", ev.accuracy());
                    j.put("step_ms", r.stepMillis());
                    j.put("allreduce_ms", r.reduceMillis());
                    j.put("floats_per_step", r.reducedFloats());
                    j.put("seconds", (System.nanoTime() - t0) / 1e9);
                    out.println(new Gson().toJson(j));
                }
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true, description = "Add a model's outputs to every sample of a data set's test split.")
    static final class Score implements Callable<Integer> {
        @Option(names = "--master", required = true) String master;
        @Option(names = "--model", required = true, paramLabel = "FILE.net") Path model;
        @Option(names = "--weights", required = true, paramLabel = "W.safetensors") Path weights;
        @Option(names = "--data", required = true, paramLabel = "SRC", description = "a netc source name: its test split (fashion-mnist: 10,000 images)") String data;
        @Option(names = "--out", required = true, paramLabel = "FILE.safetensors|FILE.parquet") Path outFile;
        @Option(names = "--json") boolean json;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            String name = outFile.getFileName().toString();
            boolean parquet = name.endsWith(".parquet");
            if (!parquet && !name.endsWith(".safetensors")) throw new UserError("--out " + outFile + ": the name must end in .safetensors or .parquet");
            writable(outFile, "--out");
            NetModel net = NetModel.read(model);
            Model m = net.create();
            m.loadWeights(weights);
            String x = m.predictionInputs().get(0).name();
            DataSet d = DataSources.load(data, m.inputs(), true);
            long t0 = System.nanoTime();
            SparkSession spark = session(master);
            try {
                Dataset<Row> df = frame(spark, d, x, null).repartition(spark.sparkContext().defaultParallelism());
                Dataset<Row> scored = NetcSpark.score(df, net, weights, "features").drop("features");
                String[] outputs = m.outputNames();
                if (parquet) {
                    writeParquet(scored, outFile);
                } else {
                    List<Row> rows = new ArrayList<>(scored.collectAsList());
                    rows.sort(Comparator.comparingLong(r -> r.getLong(0)));
                    LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
                    for (int k = 0; k < outputs.length; k++) {
                        int size = m.outputSampleSize(outputs[k]);
                        float[] v = new float[rows.size() * size];
                        for (int i = 0; i < rows.size(); i++) {
                            List<Float> p = rows.get(i).getList(1 + k);
                            for (int j = 0; j < size; j++) v[i * size + j] = p.get(j);
                        }
                        t.put(outputs[k], Tensor.of(new int[] {rows.size(), size}, v));
                    }
                    Safetensors.write(outFile, t);
                }
                out.printf("scored %,d samples: %s written to %s%n", d.size(), String.join(", ", outputs), outFile);
                if (json) {
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("samples", d.size());
                    j.put("outputs", outputs);
                    j.put("out", outFile.toString());
                    j.put("seconds", (System.nanoTime() - t0) / 1e9);
                    out.println(new Gson().toJson(j));
                }
                return 0;
            } finally {
                spark.stop();
            }
        }

        /** Parquet into a folder beside the target, then moved over it: a failed run leaves an earlier result whole. */
        private static void writeParquet(Dataset<Row> scored, Path target) throws IOException {
            Path dir = target.toAbsolutePath().getParent(), tmp = dir.resolve("." + target.getFileName() + ".tmp-" + System.nanoTime());
            try {
                scored.write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
                Path old = null;
                if (Files.exists(target)) {
                    old = dir.resolve("." + target.getFileName() + ".old-" + System.nanoTime());
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                if (old != null) deleteTree(old);
            } finally {
                if (Files.exists(tmp)) deleteTree(tmp);
            }
        }

        private static void deleteTree(Path p) throws IOException {
            try (var s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
            }
        }
    }
}
