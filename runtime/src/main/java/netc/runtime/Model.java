package netc.runtime;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import netc.runtime.io.Safetensors;
import netc.runtime.kernels.Dropout;
import netc.runtime.optim.Optimizer;

/**
 * The base of every generated model class. A subclass describes itself (inputs, parameters, outputs) in its
 * constructor and implements the computation; this class binds data, weights and the optimizer to it.
 *
 * <p>Buffers are {@code float[]} (or {@code double[]} in models generated for gradient checks, and {@code int[]}
 * for integer inputs), held as {@code Object}. Buffers sized by the batch are allocated for the largest batch seen,
 * so a smaller last batch costs no allocation.
 *
 * <p>An instance is not thread-safe: use one instance per thread. {@link #copy()} gives another instance that
 * shares this one's weights, so each thread of a server can predict with its own copy at the cost of its
 * activation buffers only.
 */
public abstract class Model {
    /** Whether dropout and other training-only behaviour is on. */
    public boolean training;
    /** The random source of dropout masks. */
    protected Dropout.Stream rng = new Dropout.Stream(0);
    protected Optimizer optimizer;
    /** The largest global gradient norm a step applies; 0 for no clipping (the train block's {@code clip_norm}). */
    protected double clipNorm;

    // ---- description, filled by the generated constructor ----
    protected String modelName;
    protected String[] inputNames;
    protected boolean[] inputIsInt;
    /**
     * Per input, its shape with -1 for the batch dimension and -(j + 2) for the other symbolic dimension j
     * ({@link #dimNames}).
     */
    protected int[][] inputShapes;
    /**
     * The symbolic dimensions other than the batch (such as {@code seq} of {@code input x: int[batch, seq]}), bound
     * like the batch when data arrives; none for most models.
     */
    protected String[] dimNames = new String[0];
    protected String[] paramNames;
    protected int[][] paramShapes;
    protected String[] outputNames;
    protected int[][] outputShapes;
    protected boolean hasLoss;
    /** Per input, whether the outputs depend on it (labels usually do not: predict needs no labels). */
    protected boolean[] inputNeededByOutputs;
    /** The output whose argmax (or 0.5 threshold) is the prediction, and the input holding the labels; or null. */
    protected String predictionOutput, labelInput;

    // ---- buffers, refreshed by allocate ----
    protected Object[] inputBufs, paramBufs, gradBufs, outputBufs;
    protected Object lossBuf;

    private int capacity;
    private int batch = -1;
    /** The values of {@link #dimNames} and the largest of each the buffers were allocated for. */
    private int[] dims = new int[0], dimCapacity = new int[0];
    private boolean[] dimsBound = new boolean[0];
    /**
     * The version of the weights, shared by the instances that share them ({@link #copy()}): kernels that keep a
     * rearranged copy of a weight matrix ({@link netc.runtime.kernels.PackedWeights}) make it again when it changes.
     */
    private AtomicLong weightsVersion = new AtomicLong();

    /**
     * A new instance of the same model that shares this one's parameter arrays: the weights are not copied, so a copy
     * costs only its own activation buffers. Give each thread that predicts its own copy. The weights are shared, so
     * they must not change while other threads read them: no {@link #trainStep}, {@link #loadWeights} or
     * {@link #initParams} on any instance of the group meanwhile. The copy is in evaluation mode, with a fresh
     * optimizer and its own dropout generator.
     */
    public abstract Model copy();

    /** Allocates the batch-sized buffers for {@code n} samples and refreshes the buffer arrays. */
    protected abstract void allocate(int n);

    /** Sets the batch dimension of the generated code. */
    protected abstract void bindBatch(int n);

    /** Sets the generated code's symbolic dimensions other than the batch, in the order of {@link #dimNames}. */
    protected void bindDims(int[] values) {
    }

    /**
     * The element count of an array whose size depends on symbolic dimensions other than the batch, checked to fit in
     * a Java array.
     */
    protected static int elements(long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new UserError("the buffers of this shape would hold " + String.format("%,d", n)
                    + " values, more than a Java array can; use a smaller batch or sequence length");
        }
        return (int) n;
    }

    /** Initialises the parameters with their declared initializers. */
    public abstract void initParams(long seed);

    /** Computes the outputs from the inputs. */
    public abstract void forwardOutputs();

    /** Computes the loss; call after {@link #forwardOutputs()}. */
    public abstract void forwardLoss();

    /** Computes the gradients of the loss; call after {@link #forwardLoss()}. */
    public abstract void backward();

    /** Applies the optimizer to every parameter that has a gradient; call after {@link #backward()}. */
    public abstract void step();

    /**
     * After a forward pass that produced a NaN or an infinity: replays it and returns the first value holding one,
     * described with its op and the {@code .net} line it came from; null when every value is finite.
     */
    public String firstNonFinite() {
        return null;
    }

    /** The index of the first NaN or infinity among the first {@code n} values, or -1. */
    public static int firstNonFinite(Object buffer, int n) {
        if (buffer instanceof float[] f) {
            for (int i = 0; i < n; i++) if (!Float.isFinite(f[i])) return i;
        } else if (buffer instanceof double[] d) {
            for (int i = 0; i < n; i++) if (!Double.isFinite(d[i])) return i;
        }
        return -1;
    }

    /** Updates the buffers (batch norm's running statistics) after a training forward pass; most models have none. */
    public void updateBuffers() {
    }

    /**
     * The time each kernel has taken, for a model compiled with timing ({@code netc bench --profile}); null for one
     * compiled for use, whose kernels run without reading the clock.
     */
    public KernelTimes kernelTimes() {
        return null;
    }

    // ---- description ----

    public String name() {
        return modelName;
    }

    /**
     * The inputs and the shape of one sample of each: the symbolic dimensions other than the batch at the values
     * bound by {@link #setDims} or the last {@link #setInputs}, -1 before they are bound.
     */
    public List<InputSpec> inputs() {
        List<InputSpec> l = new ArrayList<>();
        for (int i = 0; i < inputNames.length; i++) l.add(inputSpec(i));
        return l;
    }

    /** The inputs the outputs depend on: what a prediction needs (labels are left out). */
    public List<InputSpec> predictionInputs() {
        List<InputSpec> l = new ArrayList<>();
        for (int i = 0; i < inputNames.length; i++) if (inputNeededByOutputs[i]) l.add(inputSpec(i));
        return l;
    }

    private InputSpec inputSpec(int i) {
        int[] s = sampleShape(inputShapes[i]);
        int[] d = currentDims();
        int off = inputShapes[i].length - s.length;
        for (int k = 0; k < s.length; k++) {
            int code = inputShapes[i][k + off];
            if (code < -1 && dimsBound[-code - 2]) s[k] = d[-code - 2];
        }
        return new InputSpec(inputNames[i], inputIsInt[i], s);
    }

    /** The symbolic dimensions other than the batch that neither {@link #setDims} nor {@link #setInputs} has bound yet. */
    public final List<String> unboundDims() {
        currentDims();
        List<String> l = new ArrayList<>();
        for (int j = 0; j < dimNames.length; j++) if (!dimsBound[j]) l.add(dimNames[j]);
        return l;
    }

    public String[] paramNames() {
        return paramNames.clone();
    }

    public String[] outputNames() {
        return outputNames.clone();
    }

    public boolean hasLoss() {
        return hasLoss;
    }

    public String predictionOutput() {
        return predictionOutput;
    }

    public String labelInput() {
        return labelInput;
    }

    /** The number of values in one sample of an output. */
    public int outputSampleSize(String name) {
        return sampleSize(outputShapes[index(outputNames, name, "output")]);
    }

    /** The number of values in one sample of an input. */
    public int inputSampleSize(String name) {
        return sampleSize(inputShapes[index(inputNames, name, "input")]);
    }

    /** The shape without its batch dimension; the other symbolic dimensions stay -1 (bound from the data). */
    private static int[] sampleShape(int[] shape) {
        int[] s = shape.length > 0 && shape[0] == -1 ? java.util.Arrays.copyOfRange(shape, 1, shape.length) : shape.clone();
        for (int i = 0; i < s.length; i++) s[i] = Math.max(s[i], -1);
        return s;
    }

    /**
     * The element count of one sample of an input, output or the whole tensor when it has no batch dimension, with the
     * symbolic dimensions at their current values.
     */
    private int sampleSize(int[] shape) {
        return (int) Tensor.numel(sampleShape(resolved(shape, 1)));
    }

    /** The shape with the batch {@code n} and the other symbolic dimensions at their current values. */
    private int[] resolved(int[] shape, int n) {
        int[] s = shape.clone();
        int[] d = currentDims();
        for (int i = 0; i < s.length; i++) s[i] = s[i] == -1 ? n : s[i] < -1 ? d[-s[i] - 2] : s[i];
        return s;
    }

    private static boolean batched(int[] shape) {
        return shape.length > 0 && shape[0] == -1;
    }

    // ---- batch ----

    /**
     * The largest batch whose buffers fit in Java arrays (at most 2,147,483,639 values each); generated classes whose
     * largest buffer per sample limits it say so.
     */
    public int maxBatch() {
        return Integer.MAX_VALUE;
    }

    /**
     * Sets the number of samples of the next computation, growing the buffers if needed.
     *
     * @throws UserError when a buffer of {@code n} samples would not fit in a Java array ({@link #maxBatch()})
     */
    public final void setBatch(int n) {
        setShape(n, null);
    }

    /**
     * Binds the symbolic dimensions other than the batch by name (such as {@code seq}) and keeps the batch, growing the
     * buffers if needed. Data sources and the batch-only calls ({@link #setBatch}) keep these values.
     *
     * @throws UserError when a name is not one of the model's dimensions or a value is not positive
     */
    public final void setDims(Map<String, Integer> values) {
        int[] d = currentDims();
        boolean[] named = new boolean[dimNames.length];
        for (Map.Entry<String, Integer> e : values.entrySet()) {
            int j = java.util.Arrays.asList(dimNames).indexOf(e.getKey());
            if (j < 0) throw new UserError(modelName + " has no symbolic dimension '" + e.getKey() + "'");
            if (e.getValue() <= 0) throw new UserError("dimension '" + e.getKey() + "' must be positive, got " + e.getValue());
            d[j] = e.getValue();
            named[j] = true;
        }
        setShape(Math.max(batch, 1), d);
        for (int j = 0; j < named.length; j++) dimsBound[j] |= named[j];
    }

    /**
     * Binds the symbolic dimensions other than the batch from the shape of one sample of named inputs (a data set's
     * columns without their leading dimension), as {@link #setInputs} binds them from whole tensors. Inputs without
     * such a dimension, and names that are not inputs, are skipped.
     *
     * @throws UserError when a sample shape does not fit its input or two inputs disagree on a dimension
     */
    public final void setSampleShapes(Map<String, int[]> shapes) {
        int[] d = currentDims();
        boolean[] bound = new boolean[dimNames.length];
        for (int i = 0; i < inputNames.length; i++) {
            int[] shape = inputShapes[i], sample = shapes.get(inputNames[i]);
            if (sample == null || !hasDims(shape)) continue;
            int off = batched(shape) ? 1 : 0;
            boolean fits = sample.length == shape.length - off;
            for (int k = 0; fits && k < sample.length; k++) {
                int code = shape[k + off];
                if (code >= 0) fits = sample[k] == code;
                else if (code < -1) bindDim(-code - 2, sample[k], d, bound, i, sample);
            }
            if (!fits) {
                throw new UserError("input '" + inputNames[i] + "' gets samples shaped " + Tensor.shapeString(sample)
                        + ", the model expects " + shapeString(shape));
            }
        }
        Map<String, Integer> values = new LinkedHashMap<>();
        for (int j = 0; j < bound.length; j++) if (bound[j]) values.put(dimNames[j], d[j]);
        if (!values.isEmpty()) setDims(values);
    }

    /**
     * Dimension j takes size v from input i (of shape {@code shown}), where an earlier input may already have given it
     * one ({@code bound}): they must agree, and it must not be 0.
     */
    private void bindDim(int j, int v, int[] d, boolean[] bound, int i, int[] shown) {
        if (bound[j] && v != d[j]) throw new UserError("inputs disagree on dimension '" + dimNames[j] + "': " + d[j] + " and " + v);
        if (v == 0) throw new UserError("input '" + inputNames[i] + "' has shape " + Tensor.shapeString(shown) + ": dimension '" + dimNames[j] + "' is 0");
        d[j] = v;
        bound[j] = true;
    }

    /** The current value of each symbolic dimension other than the batch, by name. */
    public final Map<String, Integer> dims() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int j = 0; j < dimNames.length; j++) m.put(dimNames[j], dims[j]);
        return m;
    }

    /** The values of the symbolic dimensions other than the batch: 1 until they are bound. */
    private int[] currentDims() {
        if (dims.length != dimNames.length) {
            dims = new int[dimNames.length];
            dimCapacity = new int[dimNames.length];
            dimsBound = new boolean[dimNames.length];
            java.util.Arrays.fill(dims, 1);
        }
        return dims.clone();
    }

    /**
     * Binds the batch and the other symbolic dimensions (null: as they are), allocating when one grows past what the
     * buffers hold.
     */
    private void setShape(int n, int[] values) {
        if (n <= 0) throw new IllegalArgumentException("batch size must be positive");
        if (dims.length != dimNames.length) currentDims();
        if (values == null) values = dims;
        if (n > maxBatch()) {
            throw new UserError("a batch of " + String.format("%,d", n) + " samples is too large for " + modelName
                    + ": its buffers would not fit in Java arrays; the largest batch is " + String.format("%,d", maxBatch()));
        }
        boolean grows = n > capacity;
        for (int j = 0; j < values.length; j++) grows |= values[j] > dimCapacity[j];
        if (grows) {
            capacity = Math.max(capacity, n);
            for (int j = 0; j < values.length; j++) dimCapacity[j] = Math.max(dimCapacity[j], values[j]);
            bindBatch(capacity);
            bindDims(dimCapacity);
            allocate(capacity);
        }
        bindBatch(n);
        if (values != dims) System.arraycopy(values, 0, dims, 0, dims.length);
        bindDims(dims);
        batch = n;
    }

    public final int batch() {
        return batch;
    }

    // ---- buffers ----

    private static int index(String[] names, String name, String what) {
        for (int i = 0; i < names.length; i++) if (names[i].equals(name)) return i;
        throw new UserError("no " + what + " named '" + name + "'; the model has " + String.join(", ", names));
    }

    /** The buffer of an input ({@code float[]}, {@code double[]} or {@code int[]}), filled by the caller. */
    public Object inputBuffer(String name) {
        return inputBufs[index(inputNames, name, "input")];
    }

    /**
     * The live array of a parameter: writing into it changes the model's weights. Write before the next prediction or
     * step, or call {@link #weightsChanged()} after writing: kernels may keep a rearranged copy of a weight matrix,
     * remade when the model learns that its weights changed (which this call, like a step or a load, tells it).
     */
    public Object paramBuffer(String name) {
        Object buffer = paramBufs[index(paramNames, name, "parameter")];
        weightsChanged();
        return buffer;
    }

    /**
     * Tells this model, and the copies sharing its weights, that the weights changed. Steps, loading and
     * initialisation do so themselves; call it after writing into an array from {@link #paramBuffer} that was
     * obtained before the last prediction.
     */
    public final void weightsChanged() {
        weightsVersion.incrementAndGet();
    }

    /** The weights' version, which {@link #weightsChanged()} advances. */
    protected final long weightsVersion() {
        return weightsVersion.get();
    }

    /** {@code copy}, made to share this model's weights, also sharing their version; returns it. */
    protected final Model sharingWeights(Model copy) {
        copy.weightsVersion = weightsVersion;
        return copy;
    }

    /** The gradient buffer of a parameter, or null when the loss does not depend on it. */
    public Object gradBuffer(String name) {
        return gradBufs[index(paramNames, name, "parameter")];
    }

    public Object outputBuffer(String name) {
        return outputBufs[index(outputNames, name, "output")];
    }

    public double loss() {
        return lossBuf instanceof float[] f ? f[0] : ((double[]) lossBuf)[0];
    }

    public void setOptimizer(Optimizer o) {
        optimizer = o;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The global gradient norm above which {@link #step()} scales the gradients down; 0 when it never does. */
    public double clipNorm() {
        return clipNorm;
    }

    /** Sets the largest global gradient norm of a step, or 0 for none. */
    public void setClipNorm(double maxNorm) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) throw new IllegalArgumentException("clip norm must be a finite non-negative number");
        clipNorm = maxNorm;
    }

    /**
     * The factor the optimizer's update multiplies every gradient by: max_norm / (total + 1e-6) when that is below 1,
     * where total is the 2-norm of all parameters' gradients taken together, as torch.nn.utils.clip_grad_norm_;
     * 1 without a clip norm. The generated {@link #step()} passes it to each update, so clipping costs one reading
     * pass over the gradients and no pass that rewrites them; nothing is allocated.
     */
    protected final float clipScale() {
        if (clipNorm <= 0) return 1f;
        double total = 0;
        for (Object g : gradBufs) {
            if (g instanceof float[] f) total += sumOfSquares(f);
            else if (g instanceof double[] d) for (double v : d) total += v * v;
        }
        double coef = clipNorm / (Math.sqrt(total) + 1e-6);
        return coef >= 1 ? 1f : (float) coef;
    }

    /** Σ v², in double, with four partial sums so that the additions do not wait on each other. */
    private static double sumOfSquares(float[] f) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < f.length; i += 4) {
            s0 += (double) f[i] * f[i];
            s1 += (double) f[i + 1] * f[i + 1];
            s2 += (double) f[i + 2] * f[i + 2];
            s3 += (double) f[i + 3] * f[i + 3];
        }
        for (; i < f.length; i++) s0 += (double) f[i] * f[i];
        return (s0 + s1) + (s2 + s3);
    }

    public void setSeed(long seed) {
        rng = new Dropout.Stream(seed);
    }

    // ---- tensors in and out ----

    /** Copies named input tensors into the input buffers; the batch is their leading dimension. Every input is required. */
    public void setInputs(Map<String, Tensor> in) {
        setInputs(in, false);
    }

    /**
     * Copies named input tensors into the input buffers; the batch is their leading dimension. With
     * {@code outputsOnly}, inputs the outputs do not depend on (labels) may be left out.
     */
    public void setInputs(Map<String, Tensor> in, boolean outputsOnly) {
        int n = -1;
        int[] d = currentDims();
        boolean[] bound = new boolean[dimNames.length];
        for (int i = 0; i < inputNames.length; i++) {
            Tensor t = in.get(inputNames[i]);
            if (t == null && outputsOnly && !inputNeededByOutputs[i]) continue;
            if (t == null) throw new UserError("missing input '" + inputNames[i] + "'; got " + String.join(", ", in.keySet()));
            int[] shape = inputShapes[i];
            if (hasDims(shape)) {
                // dimension by dimension: the batch and the other symbols take the tensor's sizes
                boolean fits = t.rank() == shape.length;
                for (int k = 0; fits && k < shape.length; k++) {
                    int v = t.dim(k);
                    if (shape[k] == -1) {
                        if (n >= 0 && v != n) throw new UserError("inputs disagree on the batch size: " + n + " and " + v);
                        n = v;
                    } else if (shape[k] < -1) {
                        bindDim(-shape[k] - 2, v, d, bound, i, t.shape());
                    } else {
                        fits = v == shape[k];
                    }
                }
                if (!fits) {
                    throw new UserError("input '" + inputNames[i] + "' has shape " + Tensor.shapeString(t.shape())
                            + ", the model expects " + shapeString(shape));
                }
                continue;
            }
            int rows = batched(shape) ? (int) (t.size() / Math.max(1, sampleSize(shape))) : 1;
            if (batched(shape)) {
                if (t.rank() == 0 || t.size() != (long) rows * sampleSize(shape) || t.dim(0) != rows) {
                    throw new UserError("input '" + inputNames[i] + "' has shape " + Tensor.shapeString(t.shape())
                            + ", the model expects " + shapeString(shape));
                }
                if (n >= 0 && rows != n) throw new UserError("inputs disagree on the batch size: " + n + " and " + rows);
                n = rows;
            } else if (t.size() != sampleSize(shape)) {
                throw new UserError("input '" + inputNames[i] + "' has shape " + Tensor.shapeString(t.shape()) + ", the model expects " + shapeString(shape));
            }
        }
        if (n == 0) throw new UserError("the inputs have no samples (a batch dimension of 0): nothing to compute");
        setShape(Math.max(n, 1), d);
        for (int j = 0; j < bound.length; j++) dimsBound[j] |= bound[j];
        for (int i = 0; i < inputNames.length; i++) {
            if (in.containsKey(inputNames[i])) copyIn(in.get(inputNames[i]), inputBufs[i], inputNames[i]);
        }
    }

    /** Whether a shape has a symbolic dimension other than the batch. */
    private static boolean hasDims(int[] shape) {
        for (int v : shape) if (v < -1) return true;
        return false;
    }

    private String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] == -1 ? "batch" : shape[i] < -1 ? dimNames[-shape[i] - 2] : String.valueOf(shape[i]));
        }
        return sb.append(']').toString();
    }

    private static void copyIn(Tensor t, Object buf, String name) {
        if (buf instanceof int[] ib) {
            if (!t.isInt()) {
                float[] f = t.floats();
                for (int i = 0; i < f.length; i++) {
                    if (f[i] != Math.rint(f[i])) throw new UserError("input '" + name + "' holds class indices, got " + f[i]);
                }
            }
            System.arraycopy(t.ints(), 0, ib, 0, t.size());
        } else if (buf instanceof float[] fb) {
            System.arraycopy(t.floats(), 0, fb, 0, t.size());
        } else {
            double[] db = (double[]) buf;
            float[] f = t.floats();
            for (int i = 0; i < f.length; i++) db[i] = f[i];
        }
    }

    private Tensor tensorOf(Object buf, int[] shape) {
        int[] s = resolved(shape, batch);
        int n = (int) Tensor.numel(s);
        if (buf instanceof int[] ib) return Tensor.ofInts(s, java.util.Arrays.copyOf(ib, n));
        if (buf instanceof float[] fb) return Tensor.of(s, java.util.Arrays.copyOf(fb, n));
        double[] db = (double[]) buf;
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) db[i];
        return Tensor.of(s, f);
    }

    /** Runs the model on named inputs (eval mode unless {@link #training} is set) and returns the outputs. */
    public Map<String, Tensor> predict(Map<String, Tensor> in) {
        setInputs(in, true);
        forwardOutputs();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.length; i++) out.put(outputNames[i], tensorOf(outputBufs[i], outputShapes[i]));
        return out;
    }

    /**
     * Runs {@code n} samples at once and returns the first output. {@code x} holds the samples one after another
     * (n times the input's sample size); the result holds each sample's output values one after another. For models
     * whose outputs need one float input with a batch dimension.
     */
    public float[] predictBatch(float[] x, int n) {
        int in = predictionInput();
        int size = sampleSize(inputShapes[in]);
        if (n < 1 || x.length != (long) n * size) {
            throw new IllegalArgumentException("predictBatch needs " + n + " × " + size + " input values, got " + x.length);
        }
        setBatch(n);
        System.arraycopy(x, 0, (float[]) inputBufs[in], 0, x.length);
        forwardOutputs();
        int outSize = sampleSize(outputShapes[0]) * (batched(outputShapes[0]) ? n : 1);
        return java.util.Arrays.copyOf((float[]) outputBufs[0], outSize);
    }

    /**
     * Runs a batch of samples, one row each, and returns each sample's values of the first output. For models whose
     * outputs need one float input with a batch dimension, and whose first output has one.
     */
    public float[][] predict(float[][] samples) {
        int in = predictionInput();
        if (!batched(outputShapes[0])) throw new IllegalStateException(modelName + ": output '" + outputNames[0] + "' has no batch dimension; use predictBatch");
        fillRows(in, samples);
        forwardOutputs();
        int outSize = sampleSize(outputShapes[0]);
        float[] out = (float[]) outputBufs[0];
        float[][] rows = new float[samples.length][];
        for (int i = 0; i < rows.length; i++) rows[i] = java.util.Arrays.copyOfRange(out, i * outSize, (i + 1) * outSize);
        return rows;
    }

    /** The input a prediction reads: the only input the outputs depend on, holding floats, with a batch dimension. */
    private int predictionInput() {
        int found = -1;
        for (int i = 0; i < inputNames.length; i++) {
            if (!inputNeededByOutputs[i]) continue;
            if (found >= 0) throw new IllegalStateException(modelName + ": the outputs need several inputs; use predict(Map)");
            found = i;
        }
        if (found < 0 || outputNames.length == 0 || inputIsInt[found] || !batched(inputShapes[found])) {
            throw new IllegalStateException(modelName + ": predicting from arrays needs outputs computed from one float input with a batch dimension; use predict(Map)");
        }
        return found;
    }

    /** Sets the batch to the number of rows and copies each row into the input's buffer. */
    private void fillRows(int input, float[][] rows) {
        int size = sampleSize(inputShapes[input]);
        if (rows.length == 0) throw new IllegalArgumentException("no samples");
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != size) {
                throw new IllegalArgumentException("sample " + i + " of input '" + inputNames[input] + "' has " + rows[i].length + " values, the model expects " + size);
            }
        }
        setBatch(rows.length);
        float[] buf = (float[]) inputBufs[input];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, buf, i * size, size);
    }

    // ---- training ----

    /**
     * One training step on the batch already in the input buffers (after {@link #setBatch} and filling
     * {@link #inputBuffer}): forward pass, loss, buffer updates, backward pass, optimizer step. Returns the loss. When
     * the loss is NaN or infinite nothing is updated and the loss is returned: see {@link #diverged}. Runs in the
     * current mode; training loops set {@link #training}.
     */
    public double trainOnInputs() {
        forwardOutputs();
        forwardLoss();
        double loss = loss();
        if (!Double.isFinite(loss)) return loss;
        updateBuffers();
        backward();
        step();
        return loss;
    }

    /** The error of a step whose loss is not finite, naming the first non-finite value and its {@code .net} line. */
    public UserError diverged(String where, double loss) {
        String first = firstNonFinite();
        return new UserError("training diverged at " + where + ": the loss is " + loss
                + (first == null ? "" : "; the first non-finite value is " + first) + "; try a lower learning rate");
    }

    /**
     * One training step (in training mode) on a batch of named tensors, one per input, the batch as their leading
     * dimension; returns the loss. Throws a {@link UserError} when the loss is not finite, and then the weights are
     * unchanged.
     */
    public double trainStep(Map<String, Tensor> batch) {
        setInputs(batch);
        return trainStepOnInputs();
    }

    /**
     * One training step for a model with two inputs, float samples and an int class label per sample (such as
     * {@code input x: float[batch, 784]} and {@code input y: int[batch]}); returns the loss.
     */
    public double trainStep(float[][] x, int[] labels) {
        checkTwoInputs(true);
        if (labels.length != x.length) throw new IllegalArgumentException(x.length + " samples but " + labels.length + " labels");
        fillRows(0, x);
        System.arraycopy(labels, 0, (int[]) inputBufs[1], 0, labels.length);
        return trainStepOnInputs();
    }

    /**
     * One training step for a model with two float inputs, samples and targets (such as {@code input x: float[batch, 2]}
     * and {@code input t: float[batch, 1]}); returns the loss.
     */
    public double trainStep(float[][] x, float[][] targets) {
        checkTwoInputs(false);
        if (targets.length != x.length) throw new IllegalArgumentException(x.length + " samples but " + targets.length + " targets");
        fillRows(1, targets);
        fillRows(0, x);
        return trainStepOnInputs();
    }

    /** Checks that the model has two batched inputs: float samples, then int labels (one per sample) or float targets. */
    private void checkTwoInputs(boolean isInt) {
        if (inputNames.length != 2 || inputIsInt[0] || inputIsInt[1] != isInt || !batched(inputShapes[0]) || !batched(inputShapes[1])
                || isInt && sampleSize(inputShapes[1]) != 1) {
            throw new IllegalStateException(modelName + ": trainStep(float[][], " + (isInt ? "int[]" : "float[][]") + ") needs a model with two inputs, float samples and "
                    + (isInt ? "one int label" : "float targets") + " per sample; use trainStep(Map)");
        }
    }

    private double trainStepOnInputs() {
        if (!hasLoss) throw new IllegalStateException(modelName + " has no loss to train");
        boolean was = training;
        training = true;
        try {
            double loss = trainOnInputs();
            if (!Double.isFinite(loss)) throw diverged("this step", loss);
            return loss;
        } finally {
            training = was;
        }
    }

    /** The outputs as tensors after a forward pass. */
    public Map<String, Tensor> outputs() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.length; i++) out.put(outputNames[i], tensorOf(outputBufs[i], outputShapes[i]));
        return out;
    }

    /** The gradients as tensors named {@code grad.<param>} after a backward pass; zeros where the loss does not depend on a parameter. */
    public Map<String, Tensor> gradients() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < paramNames.length; i++) {
            Object g = gradBufs[i];
            out.put("grad." + paramNames[i], g == null ? Tensor.of(paramShapes[i], new float[(int) Tensor.numel(paramShapes[i])]) : tensorOf(g, paramShapes[i]));
        }
        return out;
    }

    // ---- weights ----

    /** The parameters as named tensors (a state dict). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < paramNames.length; i++) m.put(paramNames[i], tensorOf(paramBufs[i], paramShapes[i]));
        return m;
    }

    /**
     * Loads parameters by name. Every parameter must be present with its shape (but a batch norm's
     * {@code num_batches_tracked}, which loads as 0 when absent, as in PyTorch); tensors the model does not have are an
     * error, so a misspelt name is never silently ignored.
     */
    public void loadState(Map<String, Tensor> weights, String source) {
        List<String> missing = new ArrayList<>();
        weights = new LinkedHashMap<>(weights);
        for (int i = 0; i < paramNames.length; i++) {
            Tensor t = weights.get(paramNames[i]);
            if (t == null && paramNames[i].endsWith(TRACKED) && paramShapes[i].length == 0) {
                // as PyTorch's BatchNorm loads a state dict written without it (older versions, some exporters)
                weights.put(paramNames[i], Tensor.of(new int[0], new float[1]));
                continue;
            }
            if (t == null) {
                missing.add(paramNames[i]);
                continue;
            }
            if (!java.util.Arrays.equals(t.shape(), paramShapes[i])) {
                throw new UserError(source + ": tensor '" + paramNames[i] + "' has shape " + Tensor.shapeString(t.shape())
                        + ", the model's parameter has " + Tensor.shapeString(paramShapes[i]));
            }
        }
        if (!missing.isEmpty()) {
            throw new UserError(source + ": missing parameter" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + "; the file has " + String.join(", ", new TreeSet<>(weights.keySet())));
        }
        List<String> extra = new ArrayList<>();
        for (String k : weights.keySet()) if (!java.util.Arrays.asList(paramNames).contains(k)) extra.add(k);
        if (!extra.isEmpty()) {
            throw new UserError(source + ": tensor" + (extra.size() > 1 ? "s " : " ") + String.join(", ", extra)
                    + " not in the model; its parameters are " + String.join(", ", paramNames));
        }
        for (String name : paramNames) {
            String bad = weights.get(name).firstNonFinite();
            if (bad != null) throw new UserError(source + ": tensor '" + name + "' holds " + bad + "; weights must be finite numbers");
        }
        for (int i = 0; i < paramNames.length; i++) copyIn(weights.get(paramNames[i]), paramBufs[i], paramNames[i]);
        weightsChanged();
    }

    public void loadWeights(Path file) {
        loadState(Safetensors.read(file), file.toString());
    }

    /** Loads the parameters from a safetensors stream (a classpath resource), named {@code source} in messages; closes it. */
    public void loadWeights(InputStream in, String source) {
        loadState(Safetensors.read(in, source), source);
    }

    /** The batch-norm counter that a state dict may leave out: it then loads as 0. */
    private static final String TRACKED = ".num_batches_tracked";

    /** Writes the parameters atomically: a crash never leaves a torn file. */
    public void saveWeights(Path file) {
        Safetensors.write(file, state());
    }
}
