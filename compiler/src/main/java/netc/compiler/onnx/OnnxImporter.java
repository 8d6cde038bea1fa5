package netc.compiler.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.NetCompiler;
import netc.compiler.frontend.CompileError;
import netc.compiler.frontend.Diagnostic;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Param;
import netc.compiler.ir.Shape;
import netc.compiler.onnx.proto.Onnx;
import netc.runtime.Tensor;
import netc.runtime.UserError;

/**
 * An ONNX model as {@code .net} source and a weight file: graph inputs become {@code input}s (symbolic dimensions
 * kept), graph outputs {@code output}s, nodes statements in the graph's order, recognised as layers where the pattern
 * is clear ({@code Gemm} or {@code MatMul}+{@code Add} with constant weights as {@code dense}, {@code Conv} as
 * {@code conv2d}/{@code conv1d}, {@code BatchNormalization} as {@code batchnorm}), and plain ops otherwise (see
 * {@link OnnxOps}). Shape arithmetic over constants and {@code Shape} results is folded at import, so exporters'
 * {@code Shape → Gather → Concat → Reshape} chains become one {@code reshape} with symbolic sizes. Names follow
 * {@link Names}' rule.
 */
public final class OnnxImporter {
    /** The model's source text, its name and its weights (layers' parameters, and constants the model reads). */
    public record Result(String name, String source, LinkedHashMap<String, Tensor> weights) {
    }

    final OnnxFile file;
    final long opset;
    private final Map<String, Value> values = new HashMap<>();
    private final Names names = new Names();
    private final StringBuilder body = new StringBuilder();
    /** For each line of the body, the node it imports ("node 'NAME' (Op)"), or null. */
    private final List<String> lineNodes = new ArrayList<>();
    final LinkedHashMap<String, Tensor> weights = new LinkedHashMap<>();
    /** The node that gave each weight ("node 'NAME' (Op):"), for messages. */
    private final Map<String, String> weightNodes = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>(), written = new HashSet<>();
    private final Map<String, Integer> layerCounts = new HashMap<>();
    private final Set<String> layers = new HashSet<>();
    private final Map<String, String> params = new HashMap<>();
    private final Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();
    private final Set<Onnx.NodeProto> absorbed = new HashSet<>();
    private final Map<String, Object[]> permutes = new HashMap<>();
    private final Map<String, Onnx.NodeProto> producers = new HashMap<>();
    private final Map<String, String> outputIds = new HashMap<>();
    /** The node being imported, for messages. */
    Onnx.NodeProto node;

    private OnnxImporter(OnnxFile file) {
        this.file = file;
        this.opset = file.opset();
    }

    public static Result importFile(Path onnx) {
        OnnxFile f = OnnxFile.read(onnx);
        return new OnnxImporter(f).run();
    }

    private Result run() {
        Onnx.GraphProto g = file.model.getGraph();
        for (Onnx.TensorProto t : g.getInitializerList()) values.put(t.getName(), new Value.Known(file.tensor(t, "initializer '" + t.getName() + "'")));
        for (Onnx.NodeProto n : g.getNodeList()) {
            for (String out : n.getOutputList()) producers.put(out, n);
            for (String in : n.getInputList()) {
                uses.merge(in, 1, Integer::sum);
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        StringBuilder head = new StringBuilder();
        for (Onnx.ValueInfoProto in : g.getInputList()) {
            if (values.containsKey(in.getName())) continue; // an initializer listed as an input (IR version < 4)
            head.append(declareInput(in));
        }
        // the outputs' names are the model's interface: taken before any helper value can take them
        for (Onnx.ValueInfoProto o : g.getOutputList()) {
            graphOutputs.add(o.getName());
            uses.merge(o.getName(), 1, Integer::sum);
            if (!outputIds.containsKey(o.getName())) outputIds.put(o.getName(), names.fresh(o.getName()));
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            node = n;
            if (absorbed.contains(n)) continue;
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) throw unsupported();
            try {
                OnnxOps.apply(this, n);
            } catch (IndexOutOfBoundsException | NegativeArraySizeException | ArithmeticException e) {
                // attributes and inputs that do not fit each other (an index past a tensor's end, a size of zero)
                throw problem("has inputs or attributes that do not fit together (" + e.getMessage() + ")");
            }
        }
        node = null;
        for (Onnx.ValueInfoProto o : g.getOutputList()) {
            if (written.contains(o.getName())) continue;
            Value v = values.get(o.getName());
            if (!(v instanceof Value.Net net)) {
                throw new UserError(OnnxFile.printable(file.path + ": graph output '" + o.getName() + "' is " + (v == null ? "never computed" : "a constant") + ", which netc cannot make an output"));
            }
            String id = outputIds.get(o.getName());
            body.append("  output ").append(id).append(" = ").append(net.id()).append(renamed(id, o.getName())).append('\n');
            lineNodes.add(null);
        }
        for (Map.Entry<String, Tensor> w : weights.entrySet()) {
            String bad = w.getValue().firstNonFinite();
            if (bad != null) throw new UserError(OnnxFile.printable(file.path + ": weight '" + w.getKey() + "' holds " + bad + "; weights must be finite numbers"));
        }
        String name = modelName();
        Onnx.ModelProto m = file.model;
        String producer = (m.getProducerName() + " " + m.getProducerVersion()).trim();
        String source = "// imported by netc from " + file.path.getFileName() + ": " + (producer.isEmpty() ? "unknown producer" : producer)
                + ", opset " + opset + "\nmodel " + name + " {\n" + head + body + "}\n";
        check(source, 2 + (int) head.chars().filter(c -> c == '\n').count());
        return new Result(name, source, weights);
    }

    /**
     * The front end's checks of the written model (shapes that do not fit: a pooling window larger than its input, a
     * kernel larger than the padded image), reported against the node whose statement fails: a model whose own
     * shapes are inconsistent is refused in one line like any other fault of the file.
     */
    private void check(String source, int bodyStart) {
        Graph g;
        try {
            g = NetCompiler.parse(file.path.getFileName() + ".net", source);
        } catch (CompileError e) {
            Diagnostic d = e.diagnostics().get(0);
            int i = d.span().line() - bodyStart - 1;
            String where = i >= 0 && i < lineNodes.size() && lineNodes.get(i) != null ? lineNodes.get(i) + " " : "";
            throw new UserError(OnnxFile.printable(file.path + ": " + where + d.message()));
        }
        // a layer's weights of another shape than its input gives the layer (a bias of 6 for 8 units) would load
        // into no model: refused here, against the node that has them
        for (Param p : g.params()) {
            Tensor t = weights.get(p.name());
            if (t != null && !p.node().shape().equals(Shape.of(t.shape()))) {
                throw new UserError(OnnxFile.printable(file.path + ": " + weightNodes.get(p.name()) + " weight '" + p.name() + "' has shape "
                        + Tensor.shapeString(t.shape()) + "; the layer takes " + p.node().shape()));
            }
        }
    }

    /** {@code input id: float[dims]}: symbolic dimensions keep their (sanitised) names. */
    private String declareInput(Onnx.ValueInfoProto in) {
        if (!in.getType().hasTensorType()) throw new UserError(OnnxFile.printable(file.path + ": graph input '" + in.getName() + "' is not a tensor"));
        Onnx.TypeProto.Tensor t = in.getType().getTensorType();
        boolean isInt = switch (t.getElemType()) {
            case 1, 11 -> false;
            case 2, 3, 4, 5, 6, 7, 12, 13 -> true;
            default -> throw new UserError(OnnxFile.printable(file.path + ": graph input '" + in.getName() + "' has element type "
                    + OnnxFile.typeName(t.getElemType()) + "; netc's inputs are float (32-bit) or int"));
        };
        List<Dim> shape = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (int i = 0; i < t.getShape().getDimCount(); i++) {
            Onnx.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            if (d.hasDimValue() && d.getDimValue() > 0) {
                shape.add(Dim.of((int) d.getDimValue()));
                text.add(Long.toString(d.getDimValue()));
            } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                String s = Names.sanitise(d.getDimParam());
                shape.add(Dim.sym(s));
                text.add(s);
            } else {
                throw new UserError(OnnxFile.printable(file.path + ": graph input '" + in.getName() + "' has an unnamed dimension " + i
                        + "; export with dynamic_axes naming it (e.g. {0: \"batch\"})"));
            }
        }
        String id = names.fresh(in.getName());
        values.put(in.getName(), new Value.Net(id, shape, isInt));
        return "  input " + id + ": " + (isInt ? "int" : "float") + text + renamed(id, in.getName()) + "\n";
    }

    private static String renamed(String id, String onnx) {
        return id.equals(onnx) ? "" : "  // '" + OnnxFile.printable(onnx) + "'";
    }

    /** The class name: the file's name in CamelCase ({@code lenet-5.onnx} → {@code Lenet5}). */
    private String modelName() {
        String stem = file.path.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        StringBuilder b = new StringBuilder();
        boolean up = true;
        for (char c : stem.toCharArray()) {
            if (c < 128 && Character.isLetterOrDigit(c)) {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            } else {
                up = true;
            }
        }
        if (b.isEmpty() || Character.isDigit(b.charAt(0))) b.insert(0, "Model");
        return b.toString();
    }

    // ---- what the op handlers use ----

    /** The value of a node's input i; null where the input is absent (an empty name, or past the end). */
    Value in(int i) {
        if (i >= node.getInputCount() || node.getInput(i).isEmpty()) return null;
        Value v = values.get(node.getInput(i));
        if (v == null) throw problem("reads '" + node.getInput(i) + "', which no earlier node computes");
        return v;
    }

    /** Input i as a value of the model; a constant becomes a literal or a parameter. */
    Value.Net net(int i) {
        Value v = in(i);
        if (v == null) throw problem("lacks its input " + (i + 1));
        if (v instanceof Value.Net n) return n;
        if (v instanceof Value.Known k) return constant(node.getInput(i), k.c());
        if (v instanceof Value.Filled f) throw problem("uses a tensor of " + f.value() + "s shaped " + shapeText(f.shape()) + " as data, which netc cannot");
        throw problem("uses the symbolic sizes " + ((Value.Dims) v).elems() + " as data, which netc cannot");
    }

    /** Input i, which must be known at import time. */
    Const known(int i, String what) {
        Value v = in(i);
        if (v == null) throw problem("lacks its " + what);
        if (v instanceof Value.Known k) return k.c();
        throw problem("needs its " + what + " known at import time");
    }

    /** How many nodes (and graph outputs) read ONNX value {@code name}. */
    int uses(String name) {
        return uses.getOrDefault(name, 0);
    }

    /**
     * The one node that reads output i of this node, when nothing else does (no other node, not a graph output): a
     * pattern's second node, such as the {@code Add} of a {@code MatMul}'s bias; null otherwise.
     */
    Onnx.NodeProto soleConsumer(int i) {
        String out = node.getOutput(i);
        List<Onnx.NodeProto> c = consumers.getOrDefault(out, List.of());
        return c.size() == 1 && uses(out) == 1 ? c.get(0) : null;
    }

    /** The one node that reads {@code n}'s first output when nothing else does; null otherwise. */
    Onnx.NodeProto soleConsumerOf(Onnx.NodeProto n) {
        String out = n.getOutput(0);
        List<Onnx.NodeProto> c = consumers.getOrDefault(out, List.of());
        return c.size() == 1 && uses(out) == 1 ? c.get(0) : null;
    }

    /**
     * The value {@code x} is a permutation of by {@code perm} ({@code x = permute(v, perm)} written by an earlier
     * Transpose), so that a layer can read v itself; null when x is not one.
     */
    Value.Net unpermuted(Value.Net x, int[] perm) {
        Object[] p = permutes.get(x.id());
        return p != null && java.util.Arrays.equals((int[]) p[1], perm) ? (Value.Net) p[0] : null;
    }

    /** Records that {@code y = permute(x, perm)}. */
    void permuted(Value.Net y, Value.Net x, int[] perm) {
        permutes.put(y.id(), new Object[] {x, perm});
    }

    /** A later node that this node's statement computes: it is skipped when its turn comes. */
    void absorb(Onnx.NodeProto later) {
        absorbed.add(later);
    }

    /**
     * The value named {@code onnx} where it is known at import time (an initializer, a folded constant, or a
     * {@code Constant} node later in the graph, as exporters place the axes of a Squeeze after the node it squeezes),
     * else null.
     */
    Const knownValue(String onnx) {
        if (values.get(onnx) instanceof Value.Known k) return k.c();
        Onnx.NodeProto p = producers.get(onnx);
        if (p == null || !p.getOpType().equals("Constant") || values.containsKey(onnx)) return null;
        Onnx.NodeProto here = node;
        node = p;
        try {
            ShapeOps.apply(this, p);
        } finally {
            node = here;
        }
        absorb(p);
        return values.get(onnx) instanceof Value.Known k ? k.c() : null;
    }

    /** ONNX value {@code onnx}, a later node's output taken in by this node, is {@code v}. */
    void aliasAs(String onnx, Value v) {
        values.put(onnx, v);
    }

    /** Output i of the node is {@code v}, computed by no statement of its own (Identity, Dropout, folded values). */
    void alias(int i, Value v) {
        values.put(node.getOutput(i), v);
    }

    /** Output i of the node is {@code expr}: a statement {@code id = expr} (or {@code output id = expr}). */
    Value.Net define(int i, String expr, List<Dim> shape, boolean isInt) {
        return defineAs(node.getOutput(i), expr, shape, isInt);
    }

    /** ONNX value {@code onnx} is {@code expr}: a later node's output that this node's statement computes too. */
    Value.Net defineAs(String onnx, String expr, List<Dim> shape, boolean isInt) {
        boolean out = graphOutputs.contains(onnx);
        String id = out ? outputIds.get(onnx) : names.claim(Names.sanitise(shortName(onnx)));
        body.append(out ? "  output " : "  ").append(id).append(" = ").append(expr).append(out ? renamed(id, onnx) : "").append('\n');
        lineNodes.add(nodeLabel());
        if (out) written.add(onnx);
        Value.Net v = new Value.Net(id, List.copyOf(shape), isInt);
        values.put(onnx, v);
        return v;
    }

    /**
     * An intermediate value's name made shorter: PyTorch's exporter names them after the module and op
     * ({@code /encoder/fc1/Gemm_output_0}); the leading {@code /} and the {@code _output_0} go.
     */
    static String shortName(String onnx) {
        String s = onnx.startsWith("/") && onnx.length() > 1 ? onnx.substring(1) : onnx;
        return s.endsWith("_output_0") && s.length() > 9 ? s.substring(0, s.length() - 9) : s;
    }

    /** A statement of the importer's own, {@code base = expr} (a fresh name from base): a step of a decomposed op. */
    Value.Net let(String base, String expr, List<Dim> shape, boolean isInt) {
        String id = names.claim(Names.sanitise(base));
        body.append("  ").append(id).append(" = ").append(expr).append('\n');
        lineNodes.add(nodeLabel());
        return new Value.Net(id, List.copyOf(shape), isInt);
    }

    /** A name for this node's helper values: its first output's short name. */
    String stem() {
        return shortName(node.getOutput(0));
    }

    /** A constant as an operand: a scalar as a literal, a tensor as a parameter loaded from the weights. */
    Value.Net constant(String onnx, Const c) {
        if (c.size() == 1 && c.rank() == 0) return new Value.Net(literal(c.at(0)), List.of(), !c.isFloat());
        String id = params.get(onnx);
        List<Dim> shape = new ArrayList<>();
        for (long d : c.dims()) shape.add(Dim.of((int) d));
        if (id == null) {
            if (!c.isFloat()) throw problem("uses the int tensor '" + onnx + "' " + shapeText(shape) + " as data, which netc cannot");
            if (c.size() == 0) throw problem("uses the empty tensor '" + onnx + "'");
            id = names.fresh(onnx);
            params.put(onnx, id);
            List<String> dims = new ArrayList<>();
            for (long d : c.dims()) dims.add(Long.toString(d));
            body.append("  param ").append(id).append(": ").append(dims).append(renamed(id, onnx)).append('\n');
            lineNodes.add(nodeLabel());
            weights.put(id, Tensor.of(c.intDims(), c.asFloats()));
        }
        return new Value.Net(id, shape, false);
    }

    /** A number as a literal of the language: {@code 2}, {@code 0.5}, {@code 1.0E-5}, negatives in parentheses. */
    static String literal(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) throw new ArithmeticException("a constant " + v + " where netc needs a number");
        String s = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Float.toString((float) v);
        return v < 0 || s.startsWith("-") ? "(" + s + ")" : s;
    }

    /**
     * A layer's name: the prefix of its weight's ONNX name where that ends in {@code .weight} (PyTorch's parameter
     * names, so the state dict's names carry over), else the layer kind numbered from 1; a name taken already gets a
     * suffix.
     */
    String layerName(String kind, String weightOnnx) {
        String base = weightOnnx != null && weightOnnx.endsWith(".weight") && weightOnnx.length() > 7
                ? weightOnnx.substring(0, weightOnnx.length() - 7) : null;
        // else the module path PyTorch names the node by (/encoder/lstm/LSTM → encoder.lstm)
        java.util.regex.Matcher path = java.util.regex.Pattern.compile("/(.+)/\\w+").matcher(node == null ? "" : node.getName());
        if (base == null && path.matches()) base = path.group(1).replace('/', '.');
        if (base == null || layers.contains(base)) {
            do base = kind + layerCounts.merge(kind, 1, Integer::sum); while (layers.contains(base));
        }
        layers.add(base);
        return base;
    }

    /** Stores a layer's tensor under {@code layer.part}. */
    void weight(String layer, String part, Const c) {
        weights.put(layer + "." + part, Tensor.of(c.intDims(), c.asFloats()));
        weightNodes.put(layer + "." + part, nodeLabel());
    }

    /** The node's attribute, or null. */
    Onnx.AttributeProto attr(String name) {
        for (Onnx.AttributeProto a : node.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    long attrInt(String name, long fallback) {
        Onnx.AttributeProto a = attr(name);
        return a == null ? fallback : a.getI();
    }

    float attrFloat(String name, float fallback) {
        Onnx.AttributeProto a = attr(name);
        return a == null ? fallback : a.getF();
    }

    String attrString(String name, String fallback) {
        Onnx.AttributeProto a = attr(name);
        return a == null ? fallback : OnnxFile.text(a.getS());
    }

    long[] attrInts(String name) {
        Onnx.AttributeProto a = attr(name);
        if (a == null) return null;
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) v[i] = a.getInts(i);
        return v;
    }

    /** Axis {@code a} of x (negative counts from the end), checked to be one of its axes. */
    int axis(Value.Net x, long a) {
        if (a < -x.rank() || a >= x.rank()) throw problem("names axis " + a + " of a value of rank " + x.rank());
        return x.axis(a);
    }

    /** The error for this node's op, which netc does not import. */
    UserError unsupported() {
        return new UserError(OnnxFile.printable(file.path + ": " + nodeText() + " (" + node.getOpType() + ", opset " + opset
                + ") is not supported; supported: " + String.join(", ", OnnxOps.SUPPORTED)));
    }

    /** The most elements a constant folded at import holds (64 MB of floats): more is a model's data, not its shape. */
    static final long MAX_FOLDED = 1 << 24;

    /** Refuses a constant of this shape folded at this node: a negative size, or more than {@link #MAX_FOLDED} elements. */
    void checkFolded(long[] dims) {
        double n = 1;  // no overflow: a product past 2^63 is still larger than the limit
        for (long d : dims) {
            if (d < 0) throw problem("makes a constant of shape " + Arrays.toString(dims));
            n *= d;
        }
        if (n > MAX_FOLDED) {
            throw problem("makes a constant of shape " + Arrays.toString(dims) + "; netc folds at most " + MAX_FOLDED + " elements at import");
        }
    }

    /** The error for a form of this node that netc does not import, or a fault of the model. */
    UserError problem(String what) {
        return new UserError(OnnxFile.printable(file.path + ": " + nodeText() + " (" + node.getOpType() + ") " + what));
    }

    /** The node being imported as messages name it, or null between nodes. */
    private String nodeLabel() {
        return node == null ? null : nodeText() + " (" + node.getOpType() + "):";
    }

    /** {@code node 'NAME'}, or for a node without a name {@code the node of 'OUTPUT'}. */
    private String nodeText() {
        if (!node.getName().isEmpty()) return "node '" + node.getName() + "'";
        for (String out : node.getOutputList()) if (!out.isEmpty()) return "the node of '" + out + "'";
        return "node ''";
    }

    static String shapeText(List<Dim> shape) {
        List<String> s = new ArrayList<>();
        for (Dim d : shape) s.add(d.toString());
        return s.toString();
    }
}
