package netc.compiler.play;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.NetCompiler;
import netc.compiler.ir.TrainConfig;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import netc.runtime.optim.Optimizer;
import netc.runtime.train.Trainer;

/**
 * One page's training run: the compiled model (the class {@code netc train} would run), its data, and one daemon
 * thread that trains epoch after epoch while running, one epoch per {@link #step()} while paused. It publishes
 * snapshots (the losses so far, accuracy, and for a model of a 2-D input its output over the plane) at most
 * {@value #PUBLISH_MS} ms apart; the page's event stream reads the latest.
 */
final class PlaySession {
    static final int PUBLISH_MS = 100, GRID = 48;
    /** The loss curve keeps at most this many points: past it, every other one is dropped (the epochs are kept with them). */
    static final int CURVE_POINTS = 1000;

    /**
     * What the page overrides of the train block (null keeps the model's), and the epochs after which the run pauses
     * (null: none). Optimizer {@code momentum} is SGD with momentum 0.9.
     */
    record Overrides(Double lr, String optimizer, Integer batch, String data, Integer epochs) {
    }

    private final Model m;
    private final DataSet train, test;
    private final int batch;
    private final boolean shuffle;
    private final long seed;
    private final List<double[]> history = new ArrayList<>();
    private final boolean plane, images;
    private final float[] bounds;  // xmin, xmax, ymin, ymax of the plane drawn
    private final Thread thread;
    private final Integer epochLimit;
    private boolean running;
    private volatile boolean stopped;
    private int stepsWanted, epoch;
    private String error;
    private Map<String, Object> snapshot;
    private long version;

    /** Compiles and loads; a model or data error is a {@link UserError} with its located message. */
    PlaySession(String source, Overrides o, java.nio.file.Path root) {
        NetCompiler.Compiled c = NetCompiler.compile("model.net", source, "float");
        m = c.newModel();
        if (!m.hasLoss()) throw new UserError("the model has no loss to train; add 'loss = ...'");
        TrainConfig cfg = c.graph().train();
        String spec = o.data() != null ? o.data() : cfg.data();
        if (spec == null) throw new UserError("no data: choose a data set or write data = \"...\" in the train block");
        spec = PlayServer.withinRoot(spec, root);
        train = DataSources.load(spec, m.inputs(), false);
        test = DataSources.load(spec, m.inputs(), true);
        if (o.optimizer() != null) {
            boolean momentum = o.optimizer().equals("momentum");
            String name = momentum ? "sgd" : o.optimizer();
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("lr", o.lr() != null ? o.lr() : Optimizer.defaultLearningRate(name));
            if (momentum) args.put("momentum", 0.9);
            m.setOptimizer(Optimizer.create(name, args));
        } else if (o.lr() != null) {
            m.optimizer().setLearningRate(o.lr());
        }
        int b = o.batch() != null ? o.batch() : cfg.batch();
        if (b < 1) throw new UserError("the batch must be at least 1, got " + b);
        batch = Math.min(b, train.size());
        shuffle = cfg.shuffle();
        seed = cfg.seed();
        plane = m.predictionInputs().size() == 1 && m.inputSampleSize(m.predictionInputs().get(0).name()) == 2;
        int[] sample = m.predictionInputs().size() == 1 ? m.predictionInputs().get(0).sampleShape() : new int[0];
        images = !plane && sample.length >= 2 && sample[sample.length - 1] == sample[sample.length - 2] || sample.length == 1 && sample[0] == 784;
        bounds = plane ? bounds(train.column(m.predictionInputs().get(0).name()).floats()) : null;
        epochLimit = o.epochs();
        thread = new Thread(this::loop, "netc-play-" + m.name());
        thread.setDaemon(true);
        publish();
        thread.start();
    }

    private static float[] bounds(float[] xy) {
        float[] b = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        for (int i = 0; i + 1 < xy.length; i += 2) {
            b[0] = Math.min(b[0], xy[i]);
            b[1] = Math.max(b[1], xy[i]);
            b[2] = Math.min(b[2], xy[i + 1]);
            b[3] = Math.max(b[3], xy[i + 1]);
        }
        float px = 0.1f * (b[1] - b[0]) + 1e-3f, py = 0.1f * (b[3] - b[2]) + 1e-3f;
        return new float[] {b[0] - px, b[1] + px, b[2] - py, b[3] + py};
    }

    synchronized void run(boolean on) {
        running = on;
        notifyAll();
    }

    synchronized void step() {
        running = false;
        stepsWanted++;
        notifyAll();
    }

    /**
     * Ends the thread at the next batch (not by interrupting it: the kernels' shared thread pool is not to be disturbed);
     * called when the page resets, starts another model, or goes away.
     */
    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    /** Waits up to {@code millis} for the thread to end. */
    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    private void loop() {
        long last = 0;
        try {
            while (true) {
                synchronized (this) {
                    while (!stopped && !running && stepsWanted == 0) {
                        // paused between two epochs: the page learns it before the thread waits
                        if ("running".equals(snapshot.get("state"))) publish();
                        else wait();
                    }
                    if (stopped) return;
                    if (stepsWanted > 0) stepsWanted--;
                }
                long t0 = System.nanoTime();
                epoch();
                if (epochLimit != null && epoch >= epochLimit) {
                    synchronized (this) {
                        running = false;
                    }
                }
                // at most about a thousand epochs a second, so that a tiny model's curve can be watched
                if (System.nanoTime() - t0 < 1_000_000) Thread.sleep(1);
                long now = System.currentTimeMillis();
                boolean paused;
                synchronized (this) {
                    paused = !running;
                }
                if (paused || now - last >= PUBLISH_MS) {
                    publish();
                    last = now;
                }
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (UserError e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            fail("internal error: " + e);
        }
    }

    private void fail(String message) {
        synchronized (this) {
            error = message;
            running = false;
        }
        publish();
    }

    /** Thrown from a batch's end when the session stops, to leave {@link Trainer#fit} between two batches. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** One epoch of {@code netc train}'s loop ({@link Trainer#fit} from this epoch to this epoch), then its losses recorded. */
    private void epoch() {
        epoch++;
        Trainer.Options o = new Trainer.Options(epoch, batch, shuffle, seed, null).from(epoch);
        Trainer.Epoch e;
        try {
            e = Trainer.fit(m, train, test, o, new Trainer.Listener() {
                @Override
                public void batchDone(int b, double loss, int samples) {
                    if (stopped) throw new Stopped();
                }
            }).last();
        } catch (Stopped s) {
            return;
        }
        synchronized (this) {
            history.add(new double[] {epoch, e.trainLoss(), e.test().loss(), e.test().accuracy()});
            if (history.size() > CURVE_POINTS) {
                for (int i = history.size() - 2; i > 0; i -= 2) history.remove(i);
            }
        }
    }

    /** The latest snapshot and its version (0 before the first). */
    synchronized Object[] latest() {
        return new Object[] {snapshot, version};
    }

    private void publish() {
        Map<String, Object> s = new LinkedHashMap<>();
        List<double[]> h;
        synchronized (this) {
            h = new ArrayList<>(history);
            s.put("state", error != null ? "error" : running ? "running" : "paused");
            if (error != null) s.put("error", error);
        }
        s.put("model", m.name());
        s.put("epoch", epochsDone());
        // JSON has no NaN: a number that is not one (no accuracy metric) is null
        List<Double[]> rows = new ArrayList<>();
        for (double[] r : h) rows.add(new Double[] {r[0], finite(r[1]), finite(r[2]), finite(r[3])});
        s.put("history", rows);
        if (!rows.isEmpty()) {
            Double[] last = rows.get(rows.size() - 1);
            s.put("loss", last[1]);
            s.put("testLoss", last[2]);
            s.put("accuracy", last[3]);
        }
        if (plane) s.put("plane", plane());
        else if (images) s.put("images", images());
        s.put("histograms", histograms());
        synchronized (this) {
            snapshot = s;
            version++;
            notifyAll();
        }
    }

    private synchronized int epochsDone() {
        return history.isEmpty() ? 0 : (int) history.get(history.size() - 1)[0];
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The model's first output over a GRID × GRID grid of the plane (one value per cell), and the data's points. */
    private Map<String, Object> plane() {
        String in = m.predictionInputs().get(0).name(), out = m.outputNames()[0];
        float[] grid = new float[GRID * GRID * 2];
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                int k = (r * GRID + c) * 2;
                grid[k] = bounds[0] + (bounds[1] - bounds[0]) * (c + 0.5f) / GRID;
                grid[k + 1] = bounds[3] - (bounds[3] - bounds[2]) * (r + 0.5f) / GRID;
            }
        }
        m.training = false;
        float[] y = m.predictBatch(grid, GRID * GRID);
        int k = m.outputSampleSize(out);
        float[] value = new float[GRID * GRID];
        for (int i = 0; i < value.length; i++) {
            if (k == 1) {
                value[i] = y[i];
            } else {
                int best = 0;
                for (int j = 1; j < k; j++) if (y[i * k + j] > y[i * k + best]) best = j;
                value[i] = k == 2 ? y[i * k + 1] : best;
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("grid", GRID);
        p.put("bounds", bounds);
        p.put("classes", k == 1 ? 2 : k);
        p.put("value", value);
        p.put("points", points(train, in, 400));
        return p;
    }

    /** Each gradient's 2-norm now, by parameter name, as text: {@code |g| = 0.0123}. */
    synchronized Map<String, String> gradientNorms() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : m.paramNames()) {
            if (!(m.gradBuffer(name) instanceof float[] g)) continue;
            int n = Math.min(g.length, ((float[]) m.paramBuffer(name)).length);  // read while the run goes on
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double) g[i] * g[i];
            out.put(name, String.format("|g| = %.3g", Math.sqrt(sum)));
        }
        return out;
    }

    /** Per parameter (at most 12), a histogram of its values and one of its gradient's: {name, w: {min, max, counts}, g: ...}. */
    private List<Map<String, Object>> histograms() {
        List<Map<String, Object>> out = new ArrayList<>();
        String[] names = m.paramNames();
        for (int i = 0; i < names.length && i < 12; i++) {
            float[] w = (float[]) m.paramBuffer(names[i]);
            Object g = m.gradBuffer(names[i]);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("name", names[i]);
            h.put("w", histogram(w, w.length));
            if (g instanceof float[] gf) h.put("g", histogram(gf, w.length));
            out.add(h);
        }
        return out;
    }

    private static Map<String, Object> histogram(float[] v, int n) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(v[i])) continue;
            lo = Math.min(lo, v[i]);
            hi = Math.max(hi, v[i]);
        }
        int[] counts = new int[20];
        if (lo <= hi) {
            for (int i = 0; i < n; i++) {
                if (Float.isFinite(v[i])) counts[hi > lo ? Math.min(19, (int) ((v[i] - lo) / (hi - lo) * 20)) : 10]++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", lo <= hi ? lo : 0);
        m.put("max", lo <= hi ? hi : 0);
        m.put("counts", counts);
        return m;
    }

    /** The first 16 test images: pixels 0-255 (the input's last two axes), the true class and the predicted one. */
    private Map<String, Object> images() {
        String in = m.predictionInputs().get(0).name(), out = m.outputNames()[0];
        int n = Math.min(16, test.size()), size = m.inputSampleSize(in), side = (int) Math.round(Math.sqrt(size));
        float[] x = java.util.Arrays.copyOf(test.column(in).floats(), n * size);
        m.training = false;
        float[] y = m.predictBatch(x, n);
        int k = m.outputSampleSize(out);
        Tensor label = test.column(m.labelInput());
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (y[i * k + j] > y[i * k + best]) best = j;
            int[] px = new int[side * side];
            for (int j = 0; j < px.length && j < size; j++) px[j] = Math.max(0, Math.min(255, Math.round(255 * x[i * size + j])));
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("pixels", px);
            e.put("label", label.isInt() ? label.ints()[i] : -1);
            e.put("predicted", best);
            list.add(e);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("side", side);
        r.put("list", list);
        return r;
    }

    /** Up to {@code most} points {x, y, class} of a data set's 2-D input and its label. */
    private List<float[]> points(DataSet d, String in, int most) {
        float[] xy = d.column(in).floats();
        Tensor label = d.column(m.labelInput());
        List<float[]> p = new ArrayList<>();
        int n = d.size(), every = Math.max(1, n / most);
        for (int i = 0; i < n; i += every) {
            float cls = label.isInt() ? label.ints()[i] : label.floats()[i * (label.size() / n)];
            p.add(new float[] {xy[2 * i], xy[2 * i + 1], cls});
        }
        return p;
    }
}
