package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import netc.compiler.NetCompiler;
import netc.compiler.ir.TrainConfig;
import netc.compiler.report.Report;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.optim.Schedule;
import netc.runtime.train.Checkpoints;
import netc.runtime.train.Metrics;
import netc.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "train", description = "Compile a model in memory and train it, with per-epoch loss and metrics and a final evaluation.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--data", paramLabel = "SRC", description = "training data: FILE.safetensors, fashion-mnist[:DIR], csv:FILE[?label=COL], xor, and, or, spirals, moons (default: the train block's data)")
    String data;

    @Option(names = "--test", paramLabel = "SRC", description = "test data (default: the train block's test, or the test split of fashion-mnist and the toy sets)")
    String test;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs to train (default: the train block's)")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "samples per step (default: the train block's; the whole set for gd)")
    Integer batch;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    Double lr;

    @Option(names = "--clip-norm", paramLabel = "X", description = "clip the global gradient norm of each step to X (default: the train block's clip_norm)")
    Double clipNorm;

    @Option(names = "--seed", paramLabel = "N", description = "seeds initialisation, shuffling and dropout (default: the train block's, 42)")
    Long seed;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--init", paramLabel = "W.safetensors", description = "start from these weights")
    Path init;

    @Option(names = "--save", paramLabel = "W.safetensors", description = "write the final weights here")
    Path save;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "checkpoint file (default: MODEL.ckpt.safetensors in the working directory)")
    Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "write a checkpoint every N epochs (and after the last)")
    Integer checkpointEvery;

    @Option(names = "--resume", description = "continue from the checkpoint's last finished epoch")
    boolean resume;

    @Option(names = "--validation-split", paramLabel = "X", description = "hold out this fraction of the shuffled training data and report val_loss and val_accuracy each epoch (default: the train block's validation_split, none)")
    Double validationSplit;

    @Option(names = "--early-stopping", paramLabel = "N", description = "stop once the validation loss (else the training loss) has not improved for N epochs, keeping the best epoch's weights (default: the train block's early_stopping, none)")
    Integer earlyStopping;

    @Option(names = "--no-shuffle", description = "keep the data's order")
    boolean noShuffle;

    @Option(names = "--json", description = "end with one JSON line of figures")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE.html", description = "write an HTML report: loss and accuracy curves, settings, parameters, graph")
    Path report;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (epochs != null && epochs < 1) throw new UserError("--epochs must be at least 1, got " + epochs);
        if (batch != null && batch < 1) throw new UserError("--batch must be at least 1, got " + batch);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) throw new UserError("--lr must be a positive number, got " + lr);
        if (clipNorm != null && !(clipNorm > 0 && Double.isFinite(clipNorm))) throw new UserError("--clip-norm must be a positive number, got " + clipNorm);
        if (save != null) Common.outputFile(save, "--save");
        if (report != null) Common.outputFile(report, "--report");
        if (checkpointEvery != null && checkpointEvery < 1) throw new UserError("--checkpoint-every must be at least 1, got " + checkpointEvery);
        if (validationSplit != null && !(validationSplit > 0 && validationSplit < 1)) {
            throw new UserError("--validation-split must be a fraction between 0 and 1, such as 0.1, got " + validationSplit);
        }
        if (earlyStopping != null && earlyStopping < 1) throw new UserError("--early-stopping must be at least 1 epoch, got " + earlyStopping);
        if (resume && init != null) throw new UserError("--resume and --init both set the starting weights; use one");
        Path ckpt = checkpoint != null ? checkpoint : Path.of(model.getFileName().toString().replaceFirst("\\.net$", "") + ".ckpt.safetensors");
        if (checkpointEvery != null || resume) Common.outputFile(ckpt, "--checkpoint");
        if (resume) Checkpoints.existing(ckpt);
        for (Path target : new Path[] {save, report, checkpointEvery != null ? ckpt : null}) {
            if (target != null) Common.removeStaleTemporaries(target);
        }
        Common.setThreads(threads, spec.commandLine().getErr());

        NetCompiler.Compiled c = NetCompiler.compile(Common.existingFile(model, "model file"));
        TrainConfig cfg = c.forward().train();
        HeapCheck.require(model, c, 1, true);
        Model m = c.newModel();
        if (!m.hasLoss()) throw new UserError(model + ": " + m.name() + " has no loss to train; add 'loss = ...'");
        if (CheckCommand.nothingToTrain(c.graph())) {
            throw new UserError(model + ": the loss of " + m.name() + " depends on no trainable parameter: training would change nothing");
        }
        CheckCommand.warnUntrained(model, c.graph(), spec.commandLine().getErr());
        Common.bindDims(model, m, cfg);
        Path modelDir = model.toAbsolutePath().getParent();
        String trainSrc = data != null ? data : DataPaths.relativeTo(cfg.data(), modelDir);
        if (trainSrc == null) throw new UserError(model + ": no training data; pass --data SRC or set data = \"...\" in the train block");
        String testSrc = test != null ? test : cfg.test() != null ? DataPaths.relativeTo(cfg.test(), modelDir) : defaultTest(trainSrc);
        // the data loads while this thread warms the JIT up, at the run's batch where it is known before (a
        // full-batch run's is the data's size: no warm-up), once the model is known to fit at that batch
        Integer known = batch != null ? batch : cfg.fullBatch() ? null : Integer.valueOf(cfg.batch());
        if (known != null) HeapCheck.require(model, c, known, true);
        long runEpochs = epochs != null ? epochs : cfg.epochs();
        DataSet[] loaded = WarmUp.whileLoading(c, m, known, () -> {
            DataSet tr = DataSources.load(trainSrc, m.inputs(), false);
            DataSet te = testSrc == null ? null : DataSources.load(testSrc, m.inputs(), true);
            DataRanges.check(c.forward(), trainSrc, tr.columns());
            if (te != null) DataRanges.check(c.forward(), testSrc, te.columns());
            return new DataSet[] {tr, te};
        }, d -> runEpochs * ((d[0].size() + known - 1) / known)).value();
        DataSet trainData = loaded[0], testData = loaded[1];
        String noAccuracy = Metrics.whyNoAccuracy(m, trainData);
        if (noAccuracy != null && cfg.metrics().contains("accuracy")) {
            spec.commandLine().getErr().println("netc: warning: metrics = [accuracy] does not apply: " + noAccuracy + "; only the loss is reported");
        }

        long s = seed != null ? seed : cfg.seed();
        double split = validationSplit != null ? validationSplit : cfg.validationSplit();
        DataSet validationData = null;
        if (split > 0) {
            DataSet[] parts = trainData.holdOut(split, s, "validation split of " + trainSrc);
            trainData = parts[0];
            validationData = parts[1];
        }
        if (init != null) m.loadWeights(Common.existingFile(init, "weights file"));
        else m.initParams(s);
        if (clipNorm != null) m.setClipNorm(clipNorm);
        // gd is full-batch gradient descent: one step per epoch over the whole training set, unless --batch says otherwise
        int b = batch != null ? batch : cfg.fullBatch() ? Math.max(1, trainData.size()) : cfg.batch();
        HeapCheck.require(model, c, b, true);
        Trainer.Options o = new Trainer.Options(epochs != null ? epochs : cfg.epochs(), b,
                !noShuffle && cfg.shuffle(), s, lr, Schedule.create(cfg.schedule(), cfg.scheduleArgs()))
                .withPatience(earlyStopping != null ? earlyStopping : cfg.earlyStopping());
        out.printf("%s: %s samples%s, batch %d, %d epoch%s, %s (compiled in %.0f ms)%n", m.name(), Common.thousands(trainData.size()),
                validationData == null ? "" : " (" + Common.thousands(validationData.size()) + " more held out for validation)",
                o.batch(), o.epochs(), o.epochs() == 1 ? "" : "s", cfg.optimizer(), c.compileMillis());
        double baseline = DataSources.baselineLoss(testSrc != null ? testSrc : trainSrc);
        if (!Double.isNaN(baseline)) out.printf("unigram baseline: %.4f nats per character on the test text%n", baseline);
        if (resume) {
            int done = Checkpoints.restore(ckpt, m, o.epochs(), cfg.schedule());
            if (done >= o.epochs()) throw new UserError(ckpt + ": already trained " + done + " of " + o.epochs() + " epochs; raise --epochs to go on");
            out.printf("resuming from %s after epoch %d%n", ckpt, done);
            o = o.from(done + 1);
        }
        Progress progress = new Progress(out);
        if (checkpointEvery != null) {
            int every = checkpointEvery, last = o.epochs();
            progress.after = e -> {
                if (e.epoch() % every == 0 || e.epoch() == last) Checkpoints.write(ckpt, m, e.epoch(), last, cfg.schedule());
            };
        }
        Report rep = report == null ? null : new Report(report, model, c, m, o, trainSrc, trainData, testSrc, testData);
        Trainer.Result r;
        try (CtrlC ctrlC = new CtrlC()) {
            progress.ctrlC = ctrlC;
            try {
                r = Trainer.fit(m, trainData, validationData, testData, o, rep == null ? progress : rep.around(progress));
            } catch (CtrlC.Interrupted e) {
                progress.close();
                if (rep != null) rep.stopped(e.getMessage());
                String resumeHint = checkpointEvery == null || !java.nio.file.Files.exists(ckpt)
                        ? "nothing was saved (--checkpoint-every N keeps a checkpoint to resume from)"
                        : "the checkpoint " + ckpt + " holds epoch " + Checkpoints.epochOf(ckpt) + "; go on with: netc train " + model
                        + " --resume" + (checkpoint != null ? " --checkpoint " + checkpoint : "") + " --epochs " + o.epochs();
                spec.commandLine().getErr().println("netc: " + e.getMessage() + "; " + resumeHint
                        + (rep != null ? "; the report is in " + report : ""));
                return 130;
            } catch (UserError e) {
                if (rep != null) rep.stopped(e.getMessage());  // the report shows the epochs before the stop, and why
                throw e;
            }
        }
        Trainer.Epoch last = r.last();
        if (r.bestEpoch() > 0) {
            out.printf("%s; the weights are epoch %d's, whose %s loss was the lowest%n", r.stoppedEarly()
                    ? "early stopping after epoch " + last.epoch() + ": no lower " + (validationData != null ? "validation" : "training")
                    + " loss for " + o.patience() + " epoch" + (o.patience() == 1 ? "" : "s") : "finished", r.bestEpoch(),
                    validationData != null ? "validation" : "training");
        }
        // the weights the model ends with: the best epoch's when early stopping went back to them
        Trainer.Evaluation test = r.bestEpoch() > 0 && r.bestEpoch() != last.epoch() && testData != null
                ? Trainer.evaluate(m, testData, o.batch()) : last.test();
        if (test != null) {
            out.printf("test: loss %.4f%s (%s samples)%n", test.loss(),
                    Double.isNaN(test.accuracy()) ? "" : String.format(", accuracy %.2f%%", 100 * test.accuracy()),
                    Common.thousands(test.samples()));
        }
        UserError notSaved = null;
        if (save != null) {
            try {
                m.saveWeights(save);
                out.println("saved weights" + (r.bestEpoch() > 0 ? " of epoch " + r.bestEpoch() : "") + " to " + save);
            } catch (UserError e) {
                notSaved = e;
            }
        }
        if (rep != null) {
            rep.finished(r);
            out.println("wrote report to " + report);
        }
        if (notSaved != null) {
            // hours of training are not lost to a disk that filled up: the weights go where they can
            Path rescue = Path.of(System.getProperty("java.io.tmpdir"), m.name() + "-" + ProcessHandle.current().pid() + ".safetensors");
            m.saveWeights(rescue);
            throw new UserError(notSaved.getMessage() + "; the weights were saved to " + rescue + " instead");
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("epochs", last.epoch());
            if (r.bestEpoch() > 0) j.put("best_epoch", r.bestEpoch());
            j.put("train_loss", last.trainLoss());
            if (last.validation() != null) {
                j.put("val_loss", last.validation().loss());
                if (!Double.isNaN(last.validation().accuracy())) j.put("val_accuracy", last.validation().accuracy());
            }
            if (test != null) j.put("test_loss", test.loss());
            if (test != null && !Double.isNaN(test.accuracy())) j.put("test_accuracy", test.accuracy());
            if (test != null && test.confusion() != null) {
                Map<String, Object> classes = EvaluateCommand.figures(test);
                j.put("test_per_class_accuracy", classes.get("per_class_accuracy"));
                j.put("test_confusion", classes.get("confusion"));
            }
            j.put("samples_per_s", Math.round(r.samplesPerSecond()));
            j.put("compile_ms", Math.round(c.compileMillis() * 10) / 10.0);
            out.println(Common.jsonLine(j));
        }
        return 0;
    }

    /** fashion-mnist, text files and the toy sets have a test split of their own; other files do not. */
    static String defaultTest(String trainSrc) {
        if (trainSrc.startsWith("fashion-mnist") || trainSrc.startsWith("text:")) return trainSrc;
        return switch (trainSrc) {
            case "xor", "and", "or", "spirals", "moons" -> trainSrc;
            default -> null;
        };
    }

    /** Per-epoch lines, and a progress bar with loss, throughput and ETA when writing to a terminal. */
    private static final class Progress implements Trainer.Listener {
        private final PrintWriter out;
        private final boolean terminal = System.console() != null;
        private ProgressBar bar;
        private long epochStart;
        private long samples;
        private double lossEma = Double.NaN;
        private int epochs;
        /** The lowest validation loss so far: an epoch that lowers it is always printed. */
        private double bestValidation = Double.POSITIVE_INFINITY;
        /** Runs after each epoch's line, e.g. to write a checkpoint. */
        java.util.function.Consumer<Trainer.Epoch> after = e -> { };
        /** Asked after each step whether Ctrl-C was pressed. */
        CtrlC ctrlC;
        private int epoch;

        Progress(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void epochStart(int epoch, int epochs, int batches) {
            this.epoch = epoch;
            this.epochs = epochs;
            epochStart = System.nanoTime();
            samples = 0;
            lossEma = Double.NaN;
            if (terminal) {
                bar = new ProgressBarBuilder().setTaskName(String.format("epoch %d/%d", epoch, epochs)).setInitialMax(batches)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build();
            }
        }

        @Override
        public void batchDone(int batch, double loss, int n) {
            if (ctrlC != null) ctrlC.check(() -> "in epoch " + epoch + " after batch " + batch);
            samples += n;
            lossEma = Double.isNaN(lossEma) ? loss : 0.95 * lossEma + 0.05 * loss;
            if (bar != null) {
                bar.step();
                double secs = (System.nanoTime() - epochStart) / 1e9;
                bar.setExtraMessage(String.format(" loss %.4f  %,.0f samples/s", lossEma, samples / Math.max(secs, 1e-9)));
            }
        }

        /** Closes the progress bar of the epoch under way. */
        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }

        @Override
        public void epochEnd(Trainer.Epoch e) {
            close();
            // long runs of small models print about ten epoch lines, and every epoch that lowers the validation loss
            boolean best = e.validation() != null && e.validation().loss() < bestValidation;
            if (best) bestValidation = e.validation().loss();
            if (epochs > 20 && e.epoch() % (epochs / 10) != 0 && e.epoch() != 1 && e.epoch() != epochs && !best) {
                after.accept(e);
                return;
            }
            StringBuilder sb = new StringBuilder(String.format("epoch %d: train loss %.4f", e.epoch(), e.trainLoss()));
            if (!Double.isNaN(e.trainAccuracy())) sb.append(String.format(", accuracy %.2f%%", 100 * e.trainAccuracy()));
            if (e.validation() != null) {
                sb.append(String.format("; val_loss %.4f", e.validation().loss()));
                if (!Double.isNaN(e.validation().accuracy())) sb.append(String.format(", val_accuracy %.2f%%", 100 * e.validation().accuracy()));
            }
            if (e.test() != null) {
                sb.append(String.format("; test loss %.4f", e.test().loss()));
                if (!Double.isNaN(e.test().accuracy())) sb.append(String.format(", accuracy %.2f%%", 100 * e.test().accuracy()));
            }
            sb.append(String.format("; %.1f s, %,.0f samples/s", e.trainSeconds(), e.samples() / e.trainSeconds()));
            out.println(sb);
            out.flush();
            after.accept(e);
        }
    }
}
