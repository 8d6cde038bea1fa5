package netc.compiler.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import netc.compiler.ir.DType;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;

/**
 * What an op's kernel emitter sees: the node, the Java names of its buffers, the element type of the
 * generated code ({@code float}, or {@code double} for gradient checks) and a code sink.
 */
public final class KernelContext {
    /**
     * Fewest elements per chunk of a parallel loop: 1–3 µs of work against well under one of dispatch to spinning
     * threads. At 32K, kernels of LeNet and the batch-norm CNN of 16K to 64K elements stayed on one or two threads of
     * 16; at 8K they are as fast on two cores (Zen 4) and take up to 16.
     */
    public static final int PARALLEL_GRAIN = 1 << 13;

    private final Node node;
    private final String elem;
    private final Function<Node, String> buffers;
    private final CodeBlock.Builder code;
    /** Where statements go: the code, or after a parallel loop ({@link #afterParallelLoop}) its caller's code. */
    private CodeBlock.Builder sink;
    /** The statements that follow a parallel loop, in the method that hands its ranges to the threads. */
    private final CodeBlock.Builder after = CodeBlock.builder();
    /** The trip count of the kernel's parallel loop, and the elements one of its iterations handles; or null. */
    private String parallelBound, parallelInner;
    /** Whether the code so far is only reads into locals ({@link LoopNest#reads}), which may precede a parallel loop. */
    private boolean onlyReads = true;
    /** The class of the kernel's state object, or null for none, and its constructor's arguments. */
    private ClassName state;
    private String stateField, stateArgs = "";

    public KernelContext(Node node, String elem, Function<Node, String> buffers, CodeBlock.Builder code) {
        this.node = node;
        this.elem = elem;
        this.buffers = buffers;
        this.code = code;
        this.sink = code;
    }

    public Node node() {
        return node;
    }

    /** The element type of float buffers in the generated code. */
    public String T() {
        return elem;
    }

    /** The Java field holding the output buffer. */
    public String out() {
        return buffers.apply(node);
    }

    /** The Java field holding the kernel's working array {@code i} (see {@link Kernel#scratch}). */
    public String scratch(int i) {
        return scratchName(node, i);
    }

    /** The field of node {@code n}'s working array {@code i}. */
    public static String scratchName(Node n, int i) {
        return "w" + n.id() + "_" + i;
    }

    /**
     * The Java field of an object of class {@code type} that the kernel keeps from call to call, one per model
     * instance, made by the constructor with these arguments (Java source; empty for none), in a field named
     * {@code stem} and the node's id (e.g. {@code geometry12}).
     */
    public String state(ClassName type, String stem, String args) {
        state = type;
        stateField = stem + node.id();
        stateArgs = args;
        return stateField;
    }

    /** The arguments of the state object's constructor (Java source; empty for none). */
    public String stateArgs() {
        return stateArgs;
    }

    /** The class of the kernel's state object ({@link #state}), or null. */
    public ClassName stateType() {
        return state;
    }

    /** The field holding the kernel's state object, or null. */
    public String stateField() {
        return stateField;
    }

    /** The Java field holding input {@code i}'s buffer. */
    public String in(int i) {
        return buffers.apply(node.input(i));
    }

    /**
     * Input {@code i}'s element at {@code index} (Java source): {@code v3[i]}, or the input's literal when it has one
     * ({@link Kernel#literal}), a constant that has no array.
     */
    public String read(int i, String index) {
        String literal = literal(i);
        return literal != null ? literal : in(i) + "[" + index + "]";
    }

    /** Input {@code i}'s value as a Java literal ({@link Kernel#literal}), or null when it is read from its array. */
    public String literal(int i) {
        Node in = node.input(i);
        return in.op() instanceof Kernel k ? k.literal(in, elem) : null;
    }

    public String size(Shape s) {
        return s.sizeExpr();
    }

    public KernelContext stmt(String format, Object... args) {
        sink.addStatement(format, args);
        onlyReads = false;
        return this;
    }

    /** A line comment for the reader of the generated code. */
    public KernelContext comment(String format, Object... args) {
        sink.add("// " + format + "\n", args);
        return this;
    }

    public KernelContext begin(String format, Object... args) {
        sink.beginControlFlow(format, args);
        onlyReads = false;
        return this;
    }

    public KernelContext end() {
        sink.endControlFlow();
        onlyReads = false;
        return this;
    }

    /**
     * Sends the statements that follow to where they run once the kernel's parallel loop ({@link #parallelLoop}) has
     * run over its whole range, on the calling thread (such as adding the partial sums the loop wrote): after the
     * hand-off to the threads, or simply after the loop when it is a plain one.
     */
    public KernelContext afterParallelLoop() {
        if (parallelBound != null) sink = after;
        return this;
    }

    /** The statements that follow the parallel loop (see {@link #afterParallelLoop}); empty for most kernels. */
    public CodeBlock afterCode() {
        return after.build();
    }

    /** Opens {@code for (int v = 0; v < bound; v++)}. */
    public KernelContext loop(String v, String bound) {
        return begin("for (int $L = 0; $L < $L; $L++)", v, v, bound, v);
    }

    /**
     * Opens the kernel's loop as one whose iterations may run on several threads: {@code for (int v = from; v < to;
     * v++)} in a body the generator calls for ranges of {@code [0, bound)} (see {@link netc.runtime.kernels.Parallel}).
     * It must be the whole kernel (nothing before it but reads into locals, {@link LoopNest#reads}, nothing after it
     * but {@link #afterParallelLoop}'s statements), and its iterations must write disjoint elements and read nothing
     * another iteration writes, so that the result does not depend on the split. A loop over fewer than
     * 2·{@value #PARALLEL_GRAIN} elements whatever the batch is a plain loop.
     *
     * @param inner the number of elements one iteration handles (a Java expression), which sets the chunk size
     * @param total the shape of all the elements the loop handles
     */
    public KernelContext parallelLoop(String v, String bound, String inner, Shape total) {
        if (!onlyReads || parallelBound != null) {
            throw new IllegalStateException("a parallel loop must be the whole of kernel " + node.ref());
        }
        if (total.isConcrete() && total.numelIfKnown() < 2L * PARALLEL_GRAIN) return loop(v, bound);
        parallelBound = bound;
        parallelInner = inner;
        return begin("for (int $L = from; $L < to; $L++)", v, v, v);
    }

    /**
     * As {@link #parallelLoop}, for a kernel that hands its range to a runtime method rather than looping itself: the
     * bounds of the range its one statement covers, {@code from} and {@code to} in a body run for ranges of
     * {@code [0, bound)}, or {@code 0} and {@code bound} where the elements are too few to share.
     *
     * @param inner the number of elements one unit of the range handles (a Java expression), which sets the chunk size
     */
    public String[] parallelRange(String bound, String inner, Shape total) {
        if (!code.isEmpty() || parallelBound != null) {
            throw new IllegalStateException("a parallel range must be the whole of kernel " + node.ref());
        }
        if (total.isConcrete() && total.numelIfKnown() < 2L * PARALLEL_GRAIN) return new String[] {"0", bound};
        parallelBound = bound;
        parallelInner = inner;
        return new String[] {"from", "to"};
    }

    /**
     * Whether this is a float kernel of more than one element and input {@code i} a float array of the node's shape,
     * read whole (no literal, no broadcast): what a runtime method over a range of flat indices can take.
     */
    public boolean readsFlatFloat(int i) {
        Node in = node.input(i);
        return elem.equals("float") && in.dtype() == DType.FLOAT && in.shape().equals(node.shape())
                && !node.shape().isUnit() && literal(i) == null;
    }

    /** The trip count of the kernel's parallel loop, or null when it has none. */
    public String parallelBound() {
        return parallelBound;
    }

    /** The elements one iteration of the parallel loop handles. */
    public String parallelInner() {
        return parallelInner;
    }

    /**
     * The index into a buffer of shape {@code in} that NumPy broadcasting pairs with flat index {@code i}
     * of shape {@code out}.
     */
    public static String broadcastIndex(Shape out, Shape in, String i) {
        if (in.equals(out)) return i;
        if (in.isUnit()) return "0";
        int r = out.rank(), rin = in.rank();
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < r; d++) {
            int a = d - (r - rin);
            if (a < 0 || in.dim(a).isOne()) continue;
            String outStride = out.productExpr(d + 1, r);
            String coord = outStride.equals("1") ? i : "(" + i + " / (" + outStride + "))";
            if (d > 0) coord = "(" + coord + " % " + out.dim(d).javaExpr() + ")";
            String inStride = in.productExpr(a + 1, rin);
            if (sb.length() > 0) sb.append(" + ");
            sb.append(inStride.equals("1") ? coord : coord + " * (" + inStride + ")");
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    /** Loops over {@code iter} in row-major order, with the index of each operand broadcast to it; see {@link LoopNest}. */
    public LoopNest nest(Shape iter, List<Shape> operands) {
        return new LoopNest(this, iter, operands, false);
    }

    /** As {@link #nest}, with the outermost loop a {@link #parallelLoop}: for maps, each element written once. */
    public LoopNest parallelNest(Shape iter, List<Shape> operands) {
        return new LoopNest(this, iter, operands, true);
    }

    /**
     * Nested loops over an iteration shape with the element index of each operand, where an operand is broadcast
     * NumPy-style to the iteration shape. Adjacent dimensions in which every operand behaves alike (varies, or is
     * broadcast) are merged into one loop, and size-1 dimensions dropped, so {@code [batch, 6, 28, 28] + [6, 1, 1]}
     * is three loops whose innermost runs over 784 contiguous elements with the bias fixed: no division or remainder
     * per element, and a loop the JIT can vectorise. Use: {@link #openOuter}, {@link #openInner}, {@link #index} in the
     * body, {@link #closeInner}, {@link #closeOuter}.
     */
    public static final class LoopNest {
        private final KernelContext k;
        private final List<Shape> operands;
        private final List<List<netc.compiler.ir.Dim>> runs = new ArrayList<>();
        private final List<String> sizes = new ArrayList<>();
        private final List<boolean[]> varies = new ArrayList<>();
        private final String[] offset;
        private final Shape iter;
        private final boolean parallel;

        LoopNest(KernelContext k, Shape iter, List<Shape> operands, boolean parallel) {
            this.k = k;
            this.iter = iter;
            this.operands = operands;
            this.parallel = parallel;
            int r = iter.rank();
            for (int d = 0; d < r; d++) {
                if (iter.dim(d).isOne()) continue;
                boolean[] v = new boolean[operands.size()];
                for (int j = 0; j < v.length; j++) {
                    Shape s = operands.get(j);
                    int a = d - (r - s.rank());
                    v[j] = a >= 0 && !s.dim(a).isOne();
                }
                int last = runs.size() - 1;
                if (last >= 0 && Arrays.equals(varies.get(last), v)) {
                    runs.get(last).add(iter.dim(d));
                } else {
                    runs.add(new ArrayList<>(List.of(iter.dim(d))));
                    varies.add(v);
                }
            }
            for (List<netc.compiler.ir.Dim> run : runs) sizes.add(Shape.of(run).sizeExpr());
            offset = new String[operands.size()];
            Arrays.fill(offset, "0");
        }

        /** The number of loops. */
        public int levels() {
            return sizes.size();
        }

        /** The trip count of loop {@code level} (0 is the outermost). */
        public String size(int level) {
            return sizes.get(level);
        }

        /** Whether operand j's index changes in loop {@code level}. */
        public boolean varies(int level, int j) {
            return varies.get(level)[j];
        }

        private String step(int j, int level) {
            String v = "i" + level;
            return offset[j].equals("0") ? v : offset[j] + " * (" + sizes.get(level) + ") + " + v;
        }

        /** Opens every loop but the innermost, declaring the operands' offsets at each level. */
        public LoopNest openOuter() {
            for (int l = 0; l < levels() - 1; l++) {
                open(l);
                java.util.Map<String, String> declared = new java.util.HashMap<>();
                for (int j = 0; j < offset.length; j++) {
                    if (!varies.get(l)[j]) continue;
                    String expr = step(j, l);
                    if (expr.equals("i" + l)) {
                        offset[j] = expr;
                        continue;
                    }
                    String name = declared.get(expr);
                    if (name == null) {
                        name = "p" + j + "_" + l;
                        k.stmt("int $L = $L", name, expr);
                        declared.put(expr, name);
                    }
                    offset[j] = name;
                }
            }
            return this;
        }

        /** Opens the innermost loop (nothing when there are no loops: a single element). */
        public LoopNest openInner() {
            if (levels() > 0) open(levels() - 1);
            return this;
        }

        private void open(int level) {
            if (parallel && level == 0) {
                String inner = Shape.of(runs.subList(1, runs.size()).stream().flatMap(List::stream).toList()).sizeExpr();
                k.parallelLoop("i0", sizes.get(0), inner, iter);
            } else {
                k.loop("i" + level, sizes.get(level));
            }
        }

        /** The Java expression for the innermost loop's trip count. */
        public String innerSize() {
            return levels() > 0 ? sizes.get(levels() - 1) : "1";
        }

        /**
         * Operand j's index at the start of the innermost loop; inside it the index is this plus the loop variable when
         * the operand varies there.
         */
        public String outerIndex(int j) {
            if (levels() == 0 || !innerVaries(j)) return offset[j];
            return offset[j].equals("0") ? "0" : offset[j] + " * (" + innerSize() + ")";
        }

        /** True when operand j's index changes in the innermost loop. */
        public boolean innerVaries(int j) {
            return levels() > 0 && varies.get(levels() - 1)[j];
        }

        /** Operand j's element index inside the innermost loop (outside it, when it does not vary there). */
        public String index(int j) {
            return innerVaries(j) ? step(j, levels() - 1) : offset[j];
        }

        /**
         * The kernel's inputs in the innermost loop (Java source, input i being operand i + 1): its literal, a read
         * of its array there, or, for an input that does not change there (a per-channel bias, a scalar), a local
         * named {@code prefix + i} read here, before the loop opens. Call it between {@link #openOuter} and
         * {@link #openInner}. Read in the loop, such a value would be read again for every element (the output array
         * might be the input's, as far as the JIT knows), and the JIT would not vectorise the loop: with LeNet-sized
         * channels, a batch norm step ran ten times slower.
         */
        public String[] reads(String prefix) {
            String[] x = new String[operands.size() - 1];
            for (int i = 0; i < x.length; i++) {
                String literal = k.literal(i);
                if (literal != null) {
                    x[i] = literal;
                } else if (innerVaries(i + 1)) {
                    x[i] = k.in(i) + "[" + index(i + 1) + "]";
                } else {
                    x[i] = prefix + i;
                    k.sink.addStatement("$L $L = $L[$L]", k.T(), x[i], k.in(i), index(i + 1));
                }
            }
            return x;
        }

        public LoopNest closeInner() {
            if (levels() > 0) k.end();
            return this;
        }

        public LoopNest closeOuter() {
            for (int l = 0; l < levels() - 1; l++) k.end();
            return this;
        }
    }
}
