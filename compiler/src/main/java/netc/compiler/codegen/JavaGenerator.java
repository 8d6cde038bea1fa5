package netc.compiler.codegen;

import com.squareup.javapoet.ArrayTypeName;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.JavaFile;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.compiler.ir.Printer;
import netc.compiler.ir.Shape;

/**
 * Emits one Java class per model with JavaPoet: a buffer per value, one small method per node (each carrying
 * the {@code .net} line it came from), and the forward, loss, backward and optimizer-step entry points of
 * {@link netc.runtime.Model}. The same source is compiled in memory (Janino) or written to disk.
 */
public final class JavaGenerator {
    private static final ClassName MODEL = ClassName.get("netc.runtime", "Model");
    private static final ClassName INIT = ClassName.get("netc.runtime", "Init");
    private static final ClassName OPTIMIZER = ClassName.get("netc.runtime.optim", "Optimizer");
    private static final ClassName RNG = ClassName.get("java.util", "SplittableRandom");
    private static final ClassName PARALLEL = ClassName.get("netc.runtime.kernels", "Parallel");
    private static final ClassName PARALLEL_BODY = PARALLEL.nestedClass("Body");
    private static final ClassName KERNEL_TIMES = ClassName.get("netc.runtime", "KernelTimes");

    /**
     * Where the class goes, the element type of its float buffers ({@code float}, or {@code double} for checks), and
     * whether its steps time each kernel ({@link KernelTimes}, for {@code netc bench --profile}; not in code for use).
     */
    public record Options(String packageName, String className, String elemType, boolean timed) {
        public static Options of(String pkg, String cls) {
            return new Options(pkg, cls, "float", false);
        }
    }

    private final Graph g;
    private final Options o;
    /** What each lap of a timed class times, in the order of their indices (timed classes only). */
    private final List<String> laps = new ArrayList<>();
    private final TypeName elemArray;
    /** The largest batch whose arrays fit in Java arrays, lowered as allocate() is written. */
    private long maxBatch = Integer.MAX_VALUE;

    private JavaGenerator(Graph g, Options o) {
        this.g = g;
        this.o = o;
        this.elemArray = ArrayTypeName.of(o.elemType().equals("double") ? TypeName.DOUBLE : TypeName.FLOAT);
    }

    public static JavaFile generate(Graph g, Options o) {
        return new JavaGenerator(g, o).file();
    }

    /**
     * A Java class name from a model name: {@code FashionMLP}, {@code Opt_sgd}; a name that Java reserves ({@code class},
     * {@code var}, {@code _}) or that would hide a class of {@code java.lang} that the generated code uses
     * ({@code String}, {@code Math}, {@code System}) gets the suffix {@code Model}: {@code StringModel}.
     */
    public static String className(String modelName) {
        StringBuilder sb = new StringBuilder();
        for (char c : modelName.toCharArray()) sb.append(Character.isJavaIdentifierPart(c) ? c : '_');
        if (sb.length() == 0 || !Character.isJavaIdentifierStart(sb.charAt(0))) sb.insert(0, 'M');
        String name = sb.toString();
        return reserved(name) ? name + "Model" : name;
    }

    /** Java's keywords and restricted identifiers, and the types every Java file sees without an import. */
    private static boolean reserved(String name) {
        if (SourceVersion.isKeyword(name) || RESTRICTED.contains(name)) return true;
        try {
            Class.forName("java.lang." + name, false, JavaGenerator.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static final Set<String> RESTRICTED = Set.of("_", "var", "yield", "record", "sealed", "permits");

    /** The field of a node's buffer: {@code v} and its id, then the name the model gives the value ({@code v40_h}, {@code v2_W1}). */
    static String buf(Node n) {
        String name = n.op().isLeaf() ? n.attrs().s("name") : n.label();
        return name == null ? "v" + n.id() : "v" + n.id() + "_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private TypeName typeOf(Node n) {
        return n.dtype() == DType.INT ? ArrayTypeName.of(TypeName.INT) : elemArray;
    }

    private String newArray(Node n, String size) {
        return "new " + (n.dtype() == DType.INT ? "int" : o.elemType()) + "[" + size + "]";
    }

    private JavaFile file() {
        Phases phases = Phases.of(g);
        List<Node> outputsPart = phases.outputs(), lossPart = phases.loss(), updatePart = phases.updates(), backPart = phases.backward();
        MemoryPlan plan = MemoryPlan.of(g, phases);

        TypeSpec.Builder cls = TypeSpec.classBuilder(o.className())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(MODEL)
                .addJavadoc("Generated by netc from $L: model $L.\n", fileName(), g.name())
                .addJavadoc("Not thread-safe: use one instance per thread; {@code copy()} gives one that shares these weights.\n");
        String batch = g.batchSymbol();
        if (batch != null) cls.addField(FieldSpec.builder(TypeName.INT, "n_" + batch, Modifier.PRIVATE).build());
        for (String d : g.dimSymbols()) cls.addField(FieldSpec.builder(TypeName.INT, "n_" + d, Modifier.PRIVATE).build());

        MethodSpec.Builder allocate = MethodSpec.methodBuilder("allocate").addAnnotation(Override.class)
                .addModifiers(Modifier.PROTECTED).addParameter(TypeName.INT, "n");
        // the planned arrays (shared by values whose lives do not overlap), then each value's own buffer or slot
        for (int s = 0; s < plan.slots().size(); s++) {
            MemoryPlan.Slot slot = plan.slots().get(s);
            StringBuilder size = new StringBuilder(Long.toString(slot.size()));
            boolean others = false;
            for (String sym : slot.symbols()) {
                size.append(" * ").append(sym.equals(batch) ? "n" : "n_" + sym);
                others |= !sym.equals(batch);
            }
            if (!others && !slot.symbols().isEmpty()) limitBatch(slot.size(), slot.symbols().size());
            // a size with other symbols (seq) is computed in long and checked to fit in a Java array
            String elements = others ? "elements((long) " + size + ")" : size.toString();
            allocate.addStatement("$L[] s$L = new $L[$L]", o.elemType(), s, o.elemType(), elements);
        }
        Set<Node> paramNodes = new HashSet<>();
        for (Param p : g.params()) paramNodes.add(p.node());
        for (Node n : g.nodes()) {
            if (phases.inlined().contains(n)) continue;  // a literal in the kernels that read it
            boolean batched = !n.shape().isConcrete();
            FieldSpec.Builder f = FieldSpec.builder(typeOf(n), buf(n), Modifier.PRIVATE)
                    .addJavadoc("$L, $L\n", n.op().isLeaf() ? n.op().name() + " " + n.attrs().s("name") : n.ref() + " = " + n.op().name(), n.type());
            if (plan.slotOf(n) >= 0) {
                allocate.addStatement("$L = s$L", buf(n), plan.slotOf(n));
            } else if (plan.isView(n)) {
                allocate.addStatement("$L = $L", buf(n), buf(n.input(0)));  // the input or parameter it reshapes
            } else if (batched) {
                allocate.addStatement("$L = $L", buf(n), newArray(n, sizeAt(n.shape(), batch)));
                limitBatch(n.shape());
            } else if (paramNodes.contains(n)) {
                f.addModifiers(Modifier.FINAL);  // assigned by the constructor: new, or shared with the instance copied
            } else {
                f.initializer("$L", newArray(n, n.shape().sizeExpr()));
            }
            cls.addField(f.build());
        }
        addScratch(cls, allocate, plan, phases, batch);
        allocate.addStatement("refreshBuffers()");
        cls.addMethod(MethodSpec.methodBuilder("refreshBuffers").addModifiers(Modifier.PRIVATE).addCode(refreshBuffers()).build());

        cls.addMethods(constructors());
        cls.addMethod(allocate.build());
        if (maxBatch < Integer.MAX_VALUE) {
            cls.addMethod(MethodSpec.methodBuilder("maxBatch").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                    .returns(TypeName.INT).addComment("the largest n for which every array that allocate(n) makes fits in Java's limit")
                    .addStatement("return $L", maxBatch).build());
        }
        MethodSpec.Builder bind = MethodSpec.methodBuilder("bindBatch").addAnnotation(Override.class)
                .addModifiers(Modifier.PROTECTED).addParameter(TypeName.INT, "n");
        if (batch != null) bind.addStatement("n_$L = n", batch);
        cls.addMethod(bind.build());
        if (!g.dimSymbols().isEmpty()) {
            MethodSpec.Builder dims = MethodSpec.methodBuilder("bindDims").addAnnotation(Override.class)
                    .addModifiers(Modifier.PROTECTED).addParameter(ArrayTypeName.of(TypeName.INT), "values");
            for (int j = 0; j < g.dimSymbols().size(); j++) dims.addStatement("n_$L = values[$L]", g.dimSymbols().get(j), j);
            cls.addMethod(dims.build());
        }
        cls.addMethod(initParams());
        cls.addMethod(entry("forwardOutputs", "Computes the outputs from the inputs.", outputsPart));
        cls.addMethod(entry("forwardLoss", "Computes the loss; after forwardOutputs().", lossPart));
        cls.addMethod(entry("backward", "Computes the gradients of the loss; after forwardLoss().", backPart));
        cls.addMethod(step());
        cls.addMethod(firstNonFinite(phases));
        addEmbeddingApi(cls);
        if (!g.updates().isEmpty()) cls.addMethod(updateBuffers(updatePart));
        if (o.timed()) addKernelTimes(cls);
        // the kernels in the order they run: the outputs', the loss's, the buffer updates', then the gradients'
        Set<Node> kernels = new LinkedHashSet<>();
        for (List<Node> part : List.of(outputsPart, lossPart, updatePart, backPart)) kernels.addAll(part);
        for (Node n : kernels) kernel(cls, n, plan.isView(n));
        return JavaFile.builder(o.packageName(), cls.build()).skipJavaLangImports(true).indent("    ").build();
    }

    /** A field per kernel working array, pointing into its planned array (or an array of its own). */
    private void addScratch(TypeSpec.Builder cls, MethodSpec.Builder allocate, MemoryPlan plan, Phases phases, String batch) {
        for (Node n : new LinkedHashSet<>(phases.sequence())) {
            List<Shape> scratch = Kernel.scratchOf(n);
            for (int i = 0; i < scratch.size(); i++) {
                String f = KernelContext.scratchName(n, i);
                cls.addField(FieldSpec.builder(elemArray, f, Modifier.PRIVATE).build());
                int s = plan.scratchSlot(n, i);
                if (s >= 0) allocate.addStatement("$L = s$L", f, s);
                else allocate.addStatement("$L = new $L[$L]", f, o.elemType(), sizeAt(scratch.get(i), batch));
                if (s < 0) limitBatch(scratch.get(i));
            }
        }
    }

    /**
     * Lowers {@link #maxBatch} to what an array of this shape allows; one whose size has other symbols (seq) is checked
     * when it is allocated instead ({@link #sizeAt}).
     */
    private void limitBatch(Shape s) {
        long c = 1;
        int power = 0;
        for (Dim d : s.dims()) {
            if (!d.isSymbolic()) c *= d.size();
            else if (d.symbol().equals(g.batchSymbol())) power++;
            else return;
        }
        if (power > 0) limitBatch(c, power);
    }

    /** Lowers {@link #maxBatch} to the largest n with {@code c · n^power} values in one Java array. */
    private void limitBatch(long c, int power) {
        long limit = (Integer.MAX_VALUE - 8L) / Math.max(c, 1);
        long n = power == 1 ? limit : (long) Math.floor(Math.pow(limit, 1.0 / power));
        maxBatch = Math.min(maxBatch, Math.max(n, 1));
    }

    /**
     * The element count with the batch symbol replaced by the allocation's {@code n}; with other symbols (seq), computed
     * in long and checked to fit in a Java array.
     */
    private String sizeAt(Shape s, String batch) {
        String size = batch == null ? s.sizeExpr() : s.sizeExpr().replace("n_" + batch, "n");
        for (String sym : s.symbols()) if (!sym.equals(batch)) return "elements((long) " + size + ")";
        return size;
    }

    private CodeBlock refreshBuffers() {
        CodeBlock.Builder b = CodeBlock.builder();
        b.addStatement("inputBufs = new Object[] {$L}", refs(g.inputs()));
        List<Node> ps = new ArrayList<>();
        List<String> grads = new ArrayList<>();
        for (Param p : g.params()) {
            ps.add(p.node());
            Node gr = g.grads().get(p.name());
            grads.add(gr == null ? "null" : buf(gr));
        }
        b.addStatement("paramBufs = new Object[] {$L}", refs(ps));
        b.addStatement("gradBufs = new Object[] {$L}", String.join(", ", grads));
        b.addStatement("outputBufs = new Object[] {$L}", refs(new ArrayList<>(g.outputs().values())));
        b.addStatement("lossBuf = $L", g.loss() == null ? "null" : buf(g.loss()));
        return b.build();
    }

    private static String refs(List<Node> ns) {
        List<String> s = new ArrayList<>();
        for (Node n : ns) s.add(buf(n));
        return String.join(", ", s);
    }

    private static String strings(java.util.Collection<String> xs) {
        List<String> s = new ArrayList<>();
        for (String x : xs) s.add("\"" + x.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        return String.join(", ", s);
    }

    /** A shape for the runtime: -1 for the batch, -(j + 2) for the other symbolic dimension j (see Model.dimNames). */
    private String shapeLiteral(Shape s) {
        List<String> d = new ArrayList<>();
        for (Dim x : s.dims()) {
            d.add(!x.isSymbolic() ? Integer.toString(x.size()) : x.symbol().equals(g.batchSymbol()) ? "-1"
                    : Integer.toString(-(g.dimSymbols().indexOf(x.symbol()) + 2)));
        }
        return "{" + String.join(", ", d) + "}";
    }

    private String shapes(List<Node> ns) {
        List<String> s = new ArrayList<>();
        for (Node n : ns) s.add(shapeLiteral(n.shape()));
        return String.join(", ", s);
    }

    /**
     * The constructors: a public one with new parameter arrays, and a private one that shares the parameter arrays it
     * is given (in parameter order), for {@code copy()}, or creates them when given null.
     */
    private List<MethodSpec> constructors() {
        MethodSpec.Builder m = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).addParameter(Object[].class, "params");
        int i = 0;
        for (Param p : g.params()) {
            Node n = p.node();
            m.addStatement("$L = params == null ? $L : ($T) params[$L]", buf(n), newArray(n, n.shape().sizeExpr()), typeOf(n), i++);
        }
        describe(m);
        if (!g.params().isEmpty()) {
            m.addComment("new parameters start from their initializers, with the train block's seed (initParams(seed) for another)");
            m.addStatement("if (params == null) initParams($LL)", g.train().seed());
        }
        MethodSpec fresh = MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC)
                .addJavadoc("A model whose parameters are initialised as the model says, with seed $L.\n", g.train().seed())
                .addStatement("this(null)").build();
        return List.of(fresh, m.build());
    }

    /** The constructor's statements that describe the model to the runtime, and its optimizer. */
    private void describe(MethodSpec.Builder m) {
        List<String> inNames = new ArrayList<>(), inInt = new ArrayList<>();
        for (Node n : g.inputs()) {
            inNames.add(n.attrs().s("name"));
            inInt.add(Boolean.toString(n.dtype() == DType.INT));
        }
        List<String> pNames = new ArrayList<>();
        List<Node> pNodes = new ArrayList<>();
        for (Param p : g.params()) {
            pNames.add(p.name());
            pNodes.add(p.node());
        }
        m.addStatement("modelName = $S", g.name());
        m.addStatement("inputNames = new String[] {$L}", strings(inNames));
        m.addStatement("inputIsInt = new boolean[] {$L}", String.join(", ", inInt));
        m.addStatement("inputShapes = new int[][] {$L}", shapes(g.inputs()));
        if (!g.dimSymbols().isEmpty()) m.addStatement("dimNames = new String[] {$L}", strings(g.dimSymbols()));
        m.addStatement("paramNames = new String[] {$L}", strings(pNames));
        m.addStatement("paramShapes = new int[][] {$L}", shapes(pNodes));
        m.addStatement("outputNames = new String[] {$L}", strings(g.outputs().keySet()));
        m.addStatement("outputShapes = new int[][] {$L}", shapes(new ArrayList<>(g.outputs().values())));
        m.addStatement("hasLoss = $L", g.loss() != null);
        List<Node> neededInputs = inputsNeededByOutputs();
        List<String> needed = new ArrayList<>();
        for (Node in : g.inputs()) needed.add(Boolean.toString(neededInputs.contains(in)));
        m.addStatement("inputNeededByOutputs = new boolean[] {$L}", String.join(", ", needed));
        String[] pl = predictionAndLabel();
        m.addStatement("predictionOutput = $L", pl[0] == null ? "null" : "\"" + pl[0] + "\"");
        m.addStatement("labelInput = $L", pl[1] == null ? "null" : "\"" + pl[1] + "\"");
        Map<String, Object> args = g.train().optimizerArgs();
        List<String> kv = new ArrayList<>();
        for (Map.Entry<String, Object> e : args.entrySet()) {
            kv.add("\"" + e.getKey() + "\", " + (e.getValue() instanceof Boolean b ? "Boolean.valueOf(" + b + ")" : "Double.valueOf(" + e.getValue() + ")"));
        }
        m.addStatement("optimizer = $T.create($S, $L)", OPTIMIZER, g.train().optimizer(),
                kv.isEmpty() ? "new java.util.HashMap()" : "netc.runtime.Maps.of(new Object[] {" + String.join(", ", kv) + "})");
        if (g.train().clipNorm() > 0) m.addStatement("clipNorm = $L", g.train().clipNorm());
        if (g.batchSymbol() == null) {
            m.addStatement("setBatch(1)");
        } else {
            m.addStatement("refreshBuffers()");
        }
    }

    /**
     * The first output is the prediction; the label is the first input it does not depend on (for accuracy).
     */
    private String[] predictionAndLabel() {
        if (g.outputs().isEmpty() || g.loss() == null) return new String[] {null, null};
        Map.Entry<String, Node> first = g.outputs().entrySet().iterator().next();
        Set<Node> deps = new LinkedHashSet<>(closureAll(first.getValue()));
        for (Node in : g.inputs()) {
            if (!deps.contains(in)) return new String[] {first.getKey(), in.attrs().s("name")};
        }
        return new String[] {null, null};
    }

    /** The inputs the outputs depend on (a prediction needs these and no labels), in declaration order. */
    private List<Node> inputsNeededByOutputs() {
        Set<Node> deps = new HashSet<>();
        for (Node out : g.outputs().values()) deps.addAll(closureAll(out));
        List<Node> needed = new ArrayList<>();
        for (Node in : g.inputs()) if (deps.contains(in)) needed.add(in);
        return needed;
    }

    private static Set<Node> closureAll(Node root) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> stack = new ArrayDeque<>(List.of(root));
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (seen.add(n)) for (Node in : n.inputs()) stack.push(in);
        }
        return seen;
    }

    private MethodSpec initParams() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("initParams").addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC).addParameter(TypeName.LONG, "seed");
        m.addStatement("weightsChanged()");
        m.addStatement("$T r = new $T(seed)", RNG, RNG);
        for (Param p : g.params()) {
            List<String> args = new ArrayList<>();
            for (double a : p.args()) args.add(Double.toString(a));
            m.addComment("$L", p.name());
            m.addStatement("$T.fill($L, $S, new double[] {$L}, $L, $L, r)", INIT, buf(p.node()), p.init(), String.join(", ", args), p.fanIn(), p.fanOut());
        }
        return m.build();
    }

    private MethodSpec entry(String name, String doc, List<Node> part) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).addJavadoc(doc + "\n");
        timedCalls(m, part);
        return m.build();
    }

    /** Calls of the kernels of {@code part}, in order; in a timed class each followed by its lap. */
    private void timedCalls(MethodSpec.Builder m, List<Node> part) {
        if (o.timed() && !part.isEmpty()) m.addStatement("long t = System.nanoTime()");
        for (Node n : part) {
            m.addStatement("k$L()", n.id());
            if (o.timed()) m.addStatement("t = times.lap($L, t)", lap(timedName(n)));
        }
    }

    /** The next lap's index, for an entry described by {@code name}. */
    private int lap(String name) {
        laps.add(name);
        return laps.size() - 1;
    }

    /** A timed kernel as a profile lists it: its method, op, type, value and source line. */
    private String timedName(Node n) {
        StringBuilder sb = new StringBuilder("k").append(n.id()).append(' ').append(n.op().name()).append(" : ").append(n.type());
        if (n.label() != null) sb.append("  ").append(n.label());
        if (n.span().line() > 0) sb.append("  ").append(fileName()).append(':').append(n.span().line());
        return sb.toString();
    }

    /** The timed class's record of its laps, and {@code kernelTimes()} returning it. */
    private void addKernelTimes(TypeSpec.Builder cls) {
        CodeBlock.Builder names = CodeBlock.builder();
        for (int i = 0; i < laps.size(); i++) names.add(i == 0 ? "$S" : ", $S", laps.get(i));
        cls.addField(FieldSpec.builder(KERNEL_TIMES, "times", Modifier.PRIVATE, Modifier.FINAL)
                .initializer("new $T($L)", KERNEL_TIMES, names.build()).build());
        cls.addMethod(MethodSpec.methodBuilder("kernelTimes").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(KERNEL_TIMES).addStatement("return times").build());
    }

    private MethodSpec step() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("step").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addJavadoc("One $L step over every parameter with a gradient.\n", g.train().optimizer());
        if (!o.elemType().equals("float")) {
            m.addStatement("throw new UnsupportedOperationException($S)", "optimizer steps run in float models");
            return m.build();
        }
        // one fused update over every parameter with a gradient (gradBufs holds null for the others)
        if (o.timed()) m.addStatement("long t = System.nanoTime()");
        m.addStatement("weightsChanged()");
        m.addStatement("optimizer.step(paramBufs, gradBufs, clipScale())");
        if (o.timed()) m.addStatement("times.lap($L, t)", lap("step: " + g.train().optimizer() + " over every parameter"));
        return m.build();
    }

    /**
     * The typed API for applications: {@code Model.load(weights)}, {@code copy()} sharing the weights, and for a model
     * whose outputs need one float input, {@code predict(x)} (one sample in, the first output's values out) and an
     * allocation-free {@code predict(x, out)}.
     */
    private void addEmbeddingApi(TypeSpec.Builder cls) {
        ClassName self = ClassName.get(o.packageName(), o.className());
        cls.addMethod(MethodSpec.methodBuilder("load").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(self)
                .addJavadoc("A model with the weights of a safetensors file (as written by {@code netc train --save}).\n")
                .addParameter(ClassName.get("java.nio.file", "Path"), "weights")
                .addStatement("$T m = new $T()", self, self).addStatement("m.loadWeights(weights)").addStatement("return m").build());
        cls.addMethod(MethodSpec.methodBuilder("load").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(self)
                .addJavadoc("A model with the weights of a safetensors stream, such as a resource beside this class:\n"
                        + "{@code load($T.class.getResourceAsStream($S), $S)}. Closes the stream.\n", self, o.className() + ".safetensors", o.className() + ".safetensors")
                .addParameter(ClassName.get("java.io", "InputStream"), "weights").addParameter(String.class, "source")
                .addStatement("$T m = new $T()", self, self).addStatement("m.loadWeights(weights, source)").addStatement("return m").build());
        cls.addMethod(MethodSpec.methodBuilder("copy").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(self)
                .addJavadoc("A new instance sharing this one's weights (not copied), with its own buffers: one per thread.\n")
                .addStatement("return ($T) sharingWeights(new $T(paramBufs))", self, self).build());
        List<Node> needed = inputsNeededByOutputs();
        if (needed.size() != 1 || needed.get(0).dtype() != DType.FLOAT || g.outputs().isEmpty() || !o.elemType().equals("float")) return;
        Node in = needed.get(0), out = g.outputs().values().iterator().next();
        String inName = in.attrs().s("name"), outName = g.outputs().keySet().iterator().next();
        long inSize = in.shape().sub(1, in.shape().rank()).numelIfKnown();
        long outSize = out.shape().isConcrete() ? out.shape().numelIfKnown() : out.shape().sub(1, out.shape().rank()).numelIfKnown();
        if (in.shape().isConcrete() || inSize < 0 || outSize < 0) return;
        TypeName floats = ArrayTypeName.of(TypeName.FLOAT);
        cls.addMethod(MethodSpec.methodBuilder("predict").addModifiers(Modifier.PUBLIC).returns(TypeName.VOID)
                .addJavadoc("Runs one sample: {@code x} holds $L values of input '$L'; writes the $L values of output '$L' to {@code out}.\n"
                        + "Allocates nothing. Not thread-safe: use one instance per thread.\n", inSize, inName, outSize, outName)
                .addParameter(floats, "x").addParameter(floats, "out")
                .beginControlFlow("if (x.length != $L || out.length < $L)", inSize, outSize)
                .addStatement("throw new IllegalArgumentException($S + x.length + $S + out.length)",
                        "predict needs " + inSize + " input values and room for " + outSize + " outputs, got ", " and ")
                .endControlFlow()
                .addStatement("setBatch(1)").addStatement("System.arraycopy(x, 0, $L, 0, $L)", buf(in), inSize)
                .addStatement("forwardOutputs()").addStatement("System.arraycopy($L, 0, out, 0, $L)", buf(out), outSize).build());
        cls.addMethod(MethodSpec.methodBuilder("predict").addModifiers(Modifier.PUBLIC).returns(floats)
                .addJavadoc("Runs one sample and returns the $L values of output '$L'.\n", outSize, outName)
                .addParameter(floats, "x")
                .addStatement("float[] out = new float[$L]", outSize).addStatement("predict(x, out)").addStatement("return out").build());
    }

    /**
     * Replays the forward pass checking each value right after its kernel (buffers are shared, so values cannot be
     * checked afterwards), and returns the first one holding a NaN or an infinity, described with its {@code .net}
     * line; a parameter that is already non-finite is reported first.
     */
    private MethodSpec firstNonFinite(Phases phases) {
        MethodSpec.Builder m = MethodSpec.methodBuilder("firstNonFinite").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(String.class);
        for (Param p : g.params()) {
            m.addStatement("if ($T.firstNonFinite($L, $L) >= 0) return $S", MODEL, buf(p.node()), p.node().shape().sizeExpr(),
                    "parameter " + p.name() + " (the last optimizer step made it non-finite)");
        }
        List<Node> forward = new ArrayList<>(phases.outputs());
        forward.addAll(phases.loss());
        for (Node n : forward) {
            m.addStatement("k$L()", n.id());
            if (n.dtype() != DType.FLOAT) continue;
            String where = n.span().line() > 0
                    ? fileName() + ":" + n.span().line() + ": " + g.source().line(n.span().line()).strip()
                    : "generated code";
            String what = n.op().name() + (n.label() != null ? " '" + n.label() + "'" : "") + " " + n.ref();
            m.addStatement("if ($T.firstNonFinite($L, $L) >= 0) return $S", MODEL, buf(n), n.shape().sizeExpr(), what + " at " + where);
        }
        m.addStatement("return null");
        return m.build();
    }

    private MethodSpec updateBuffers(List<Node> part) {
        MethodSpec.Builder m = MethodSpec.methodBuilder("updateBuffers").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addJavadoc("Updates the buffers (running statistics) from a training step's forward pass.\n");
        timedCalls(m, part);
        for (Map.Entry<String, Node> e : g.updates().entrySet()) {
            Node target = g.param(e.getKey()).node();
            m.addComment("$L", e.getKey());
            m.addStatement("System.arraycopy($L, 0, $L, 0, $L)", buf(e.getValue()), buf(target), target.shape().sizeExpr());
        }
        return m.build();
    }

    /**
     * The kernel of node n: method {@code kN()}. A kernel whose loop is a {@link KernelContext#parallelLoop} is
     * {@code kN(from, to)}, which {@code kN()} hands to {@link netc.runtime.kernels.Parallel} in chunks of at least
     * {@value KernelContext#PARALLEL_GRAIN} elements, through a body object made once per instance (so a call
     * allocates nothing).
     */
    private void kernel(TypeSpec.Builder cls, Node n, boolean view) {
        CodeBlock.Builder code = CodeBlock.builder();
        KernelContext k = new KernelContext(n, o.elemType(), JavaGenerator::buf, code);
        if (view) code.add("// $L is $L's array in another shape: nothing to copy\n", buf(n), buf(n.input(0)));
        else Kernel.of(n).emit(k);
        if (k.stateType() != null) {
            cls.addField(FieldSpec.builder(k.stateType(), k.stateField(), Modifier.PRIVATE, Modifier.FINAL)
                    .initializer("new $T($L)", k.stateType(), k.stateArgs()).build());
        }
        String name = "k" + n.id();
        MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE);
        if (n.span().line() > 0) {
            m.addComment("$L:$L: $L", fileName(), n.span().line(), g.source().line(n.span().line()).strip());
        }
        m.addComment("$L", Printer.line(n));
        if (k.parallelBound() == null) {
            cls.addMethod(m.addCode(code.build()).build());
            return;
        }
        String body = "body" + n.id();
        TypeSpec anonymous = TypeSpec.anonymousClassBuilder("").addSuperinterface(PARALLEL_BODY)
                .addMethod(MethodSpec.methodBuilder("run").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                        .addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to")
                        .addStatement("$L(from, to)", name).build())
                .build();
        cls.addField(FieldSpec.builder(PARALLEL_BODY, body, Modifier.PRIVATE, Modifier.FINAL)
                .initializer("$L", anonymous).build());
        String inner = k.parallelInner();
        int g = KernelContext.PARALLEL_GRAIN;
        String grain = inner.equals("1") ? Integer.toString(g) : "Math.max(1, " + g + " / (" + inner + "))";
        cls.addMethod(m.addStatement("$T.forRange($L, $L, $L)", PARALLEL, k.parallelBound(), grain, body).addCode(k.afterCode()).build());
        cls.addMethod(MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to").addCode(code.build()).build());
    }

    private String fileName() {
        String f = g.source().file();
        return f.substring(f.lastIndexOf('/') + 1);
    }
}
