package netc.compiler.frontend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.frontend.Ast.*;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Layers;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.Span;
import netc.compiler.ir.TrainConfig;
import netc.compiler.ops.Ops;

/**
 * Turns a parsed model into a shaped graph: resolves names, expands built-ins, layers and {@code def}s,
 * infers shapes, and reports every error it finds with its place (one per statement).
 */
public final class ModelBuilder {
    private final SourceText source;
    final GraphBuilder g = new GraphBuilder();
    private final List<Diagnostic> errors = new ArrayList<>();
    private final Deque<Map<String, Object>> scopes = new ArrayDeque<>();
    private final List<Layers.Call> layers = new ArrayList<>();
    private final Map<String, Span> definedAt = new HashMap<>();
    private final Map<String, Integer> laterDefinitions = new HashMap<>();
    private final Map<String, Def> defs = new LinkedHashMap<>();
    private final Set<String> failed = new LinkedHashSet<>();
    private final List<Node> inputs = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();
    private final Map<String, Node> outputs = new LinkedHashMap<>();
    private final Map<String, Node> updates = new LinkedHashMap<>();
    /** Layer counts by kind, one map per def expansion so that each call site numbers its layers from 1. */
    private final Deque<Map<String, Integer>> layerCounts = new ArrayDeque<>(List.of(new HashMap<>()));
    private final Deque<String> prefixes = new ArrayDeque<>();
    /** The defs being expanded, innermost first (a def may not call itself). */
    private final Deque<Def> expanding = new ArrayDeque<>();
    private Node loss;
    private TrainConfig train = TrainConfig.defaults();
    /** The class scores of the first classification loss (its logits or probabilities), for accuracy without an output. */
    private Node classScores;
    private boolean scoresNeedSigmoid;
    private boolean trainSeen;
    private String batchSymbol;
    /** The symbolic dimensions of the inputs after the leading one (such as seq). */
    private final java.util.Set<String> otherSymbols = new java.util.HashSet<>();
    /** The name being assigned while evaluating a right-hand side that is a single call, else null. */
    private Call wholeRhs;
    private String wholeRhsName;

    private ModelBuilder(SourceText source) {
        this.source = source;
        scopes.push(new HashMap<>());
    }

    /** Parses and builds the model of a source file; throws {@link CompileError} with all errors found. */
    public static Graph build(SourceText source) {
        Ast.File file = Parser.parse(source);
        if (file.models().isEmpty()) {
            throw new CompileError(List.of(new Diagnostic(new Span(source.file(), 1, 1, 1), "no model in file; expected 'model Name { ... }'")), source);
        }
        if (file.models().size() > 1) {
            Model second = file.models().get(1);
            throw new CompileError(List.of(new Diagnostic(second.span(), "one model per file; '" + second.name() + "' is the second")), source);
        }
        return new ModelBuilder(source).model(file.models().get(0), file.defs());
    }

    private Graph model(Model m, List<Def> topDefs) {
        for (Def d : topDefs) {
            try {
                define(d);
            } catch (BuildError e) {
                report(e);
                failed.add(d.name());
            }
        }
        for (Stmt s : m.stmts()) {
            String name = definedName(s);
            if (name != null && !laterDefinitions.containsKey(name)) laterDefinitions.put(name, s.span().line());
        }
        for (Stmt s : m.stmts()) {
            try {
                stmt(s);
            } catch (BuildError e) {
                errors.add(new Diagnostic(e.span, e.getMessage()));
                String name = definedName(s);
                if (name != null) failed.add(name);
                if (s instanceof Def d) failed.add(d.name());
            } catch (StackOverflowError e) {
                restore();
                errors.add(new Diagnostic(s.span(), "this statement is nested too deeply to compile; split it into several statements"));
                String name = definedName(s);
                if (name != null) failed.add(name);
            }
        }
        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparingInt((Diagnostic x) -> x.span().line()).thenComparingInt(x -> x.span().col()));
            throw new CompileError(errors, source);
        }
        if (outputs.isEmpty() && classScores != null && train.metrics().contains("accuracy")) scoreTheLoss();
        return new Graph(m.name(), new Graph.Source(source.file(), source.lines()), g.nodes(), inputs, params,
                outputs, loss, Map.of(), updates, train).withLayers(layers);
    }

    /**
     * Records the class scores a classification loss takes (the logits of cross_entropy, the probabilities of bce), so
     * that {@code metrics = [accuracy]} on a model without an output scores them.
     *
     * @param logitsOfSigmoid the scores are logits of one class (bce_logits), to be turned into probabilities
     */
    void classScores(Node scores, boolean logitsOfSigmoid) {
        if (classScores != null || scores.op().isLeaf()) return;
        classScores = scores;
        scoresNeedSigmoid = logitsOfSigmoid;
    }

    /** Makes the loss's class scores the output that accuracy is computed from, as Keras scores a model's last layer. */
    private void scoreTheLoss() {
        Span saved = g.at(loss != null ? loss.span() : classScores.span());
        try {
            Node scores = scoresNeedSigmoid ? g.add(Ops.SIGMOID, classScores) : classScores;
            String name = classScores.label() != null && !classScores.label().equals("loss") ? classScores.label() : "scores";
            outputs.put(scoresNeedSigmoid ? name + "_probability" : name, scores);
        } finally {
            g.at(saved);
        }
    }

    /** Drops the state of expansions cut short by a stack overflow. */
    private void restore() {
        while (scopes.size() > 1) scopes.pop();
        prefixes.clear();
        expanding.clear();
        wholeRhs = null;
        wholeRhsName = null;
    }

    /** Records an error and goes on (for statements such as the train block whose parts are checked one by one). */
    void report(BuildError e) {
        errors.add(new Diagnostic(e.span, e.getMessage()));
    }

    private static String definedName(Stmt s) {
        if (s instanceof InputDecl d) return d.name();
        if (s instanceof ParamDecl d) return d.name();
        if (s instanceof ConstDecl d) return d.name();
        if (s instanceof Assign d) return d.name();
        if (s instanceof LossDecl) return "loss";
        return null;
    }

    // ---- statements ----

    private void stmt(Stmt s) {
        if (s instanceof InputDecl d) input(d);
        else if (s instanceof ParamDecl d) param(d);
        else if (s instanceof ConstDecl d) {
            Object v = eval(d.value());
            if (!(v instanceof NumVal || v instanceof Boolean || v instanceof String)) {
                throw new BuildError(d.value().span(), "a const must be a number known at compile time");
            }
            bind(d.name(), v, d.nameSpan());
        } else if (s instanceof Assign d) assign(d);
        else if (s instanceof LossDecl d) lossDecl(d);
        else if (s instanceof Def d) define(d);
        else if (s instanceof TrainBlock t) {
            if (trainSeen) throw new BuildError(t.span(), "a model has one train block");
            trainSeen = true;
            train = TrainBlocks.read(t, this);
        }
    }

    /** The symbolic dimensions declared so far other than the batch ({@code seq}), which a train block may bind. */
    java.util.Set<String> dimensionSymbols() {
        return java.util.Collections.unmodifiableSet(otherSymbols);
    }

    private void define(Def d) {
        if (defs.containsKey(d.name())) throw new BuildError(d.nameSpan(), "function '" + d.name() + "' is already defined");
        if (Builtins.exists(d.name())) throw new BuildError(d.nameSpan(), "'" + d.name() + "' is a built-in function; choose another name");
        for (int i = 0; i < d.params().size(); i++) {
            if (d.params().subList(0, i).contains(d.params().get(i))) {
                throw new BuildError(d.nameSpan(), "'" + d.name() + "' has two parameters named '" + d.params().get(i) + "'");
            }
        }
        defs.put(d.name(), d);
    }

    private void input(InputDecl d) {
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < d.dims().size(); i++) {
            DimExpr de = d.dims().get(i);
            Integer known = knownDim(de);
            if (known != null) {
                dims.add(Dim.of(known));
                continue;
            }
            // the leading symbol is the batch, shared by every input; a symbol after it (seq) is bound from the data too
            if (i == 0) {
                if (batchSymbol != null && !batchSymbol.equals(de.name())) {
                    throw new BuildError(de.span(), "all inputs share one batch dimension; this model already uses '" + batchSymbol + "'");
                }
                if (otherSymbols.contains(de.name())) {
                    throw new BuildError(de.span(), "'" + de.name() + "' is not the batch dimension of the other inputs; the batch comes first");
                }
                batchSymbol = de.name();
            } else if (de.name().equals(batchSymbol)) {
                throw new BuildError(de.span(), "'" + de.name() + "' is the batch dimension, which comes first and once");
            } else {
                List<String> constants = new ArrayList<>();
                for (Map<String, Object> sc : scopes) for (var e : sc.entrySet()) if (e.getValue() instanceof NumVal) constants.add(e.getKey());
                String near = Names.nearest(de.name(), constants);
                if (near != null && !otherSymbols.contains(de.name())) {
                    throw new BuildError(de.span(), "'" + de.name() + "' is not a known constant; did you mean '" + near
                            + "'? (a new name after the batch is a symbolic dimension, bound from the data)");
                }
                otherSymbols.add(de.name());
            }
            dims.add(Dim.sym(de.name()));
        }
        checkElements(d.name(), Shape.of(dims), d.span());
        g.at(d.span());
        Node n = g.add(Ops.INPUT, Attrs.of("name", d.name(), "shape", Shape.of(dims), "dtype", d.isInt() ? "int" : "float"), d.name());
        inputs.add(n);
        bind(d.name(), n, d.nameSpan());
    }

    /** The most elements one tensor (or one sample of an input) may hold: Java arrays are indexed by int. */
    static final long MAX_ELEMENTS = Shape.MAX_ELEMENTS;

    /** A dimension's size: a literal or an integer constant, checked to be positive and not too large; null for a symbol. */
    private Integer knownDim(DimExpr de) {
        long v;
        String shown;
        if (de.name() == null) {
            v = de.size();
            shown = v == Long.MAX_VALUE ? source.text(de.span()) : Long.toString(v);
        } else {
            Object o = lookupOrNull(de.name());
            if (o == null) return null;
            if (!(o instanceof NumVal n) || !n.integral()) throw new BuildError(de.span(), "'" + de.name() + "' is not an integer constant");
            v = (long) n.value();
            shown = n.show();
        }
        if (v <= 0) throw new BuildError(de.span(), "dimensions must be positive, got " + shown);
        if (v > MAX_ELEMENTS) throw new BuildError(de.span(), "dimension " + shown + " is too large; the most is " + String.format("%,d", MAX_ELEMENTS));
        return (int) v;
    }

    /** Refuses a tensor whose known sizes multiply past {@link #MAX_ELEMENTS}. */
    private static void checkElements(String name, Shape s, Span at) {
        double n = 1;
        for (Dim d : s.dims()) if (!d.isSymbolic()) n *= d.size();
        if (n > MAX_ELEMENTS) {
            throw new BuildError(at, "'" + name + "' " + s + " has " + String.format("%,.0f", n) + " elements" + (s.isConcrete() ? "" : " per sample")
                    + "; a tensor holds at most " + String.format("%,d", MAX_ELEMENTS));
        }
    }

    private void param(ParamDecl d) {
        List<Integer> sizes = new ArrayList<>();
        for (DimExpr de : d.dims()) {
            Integer known = knownDim(de);
            if (known == null) throw new BuildError(de.span(), "parameter shapes must be known: '" + de.name() + "' is not a constant");
            sizes.add(known);
        }
        int[] shape = sizes.stream().mapToInt(Integer::intValue).toArray();
        int fanIn, fanOut;
        if (shape.length == 0) {
            fanIn = fanOut = 1;
        } else if (shape.length <= 2) {
            fanIn = shape[0];
            fanOut = shape.length == 2 ? shape[1] : shape[0];
        } else {
            int receptive = 1;
            for (int i = 2; i < shape.length; i++) receptive *= shape[i];
            fanIn = shape[1] * receptive;
            fanOut = shape[0] * receptive;
        }
        Initializers.Spec init = d.init() == null ? Initializers.defaultFor(shape) : Initializers.read(d.init(), this);
        g.at(d.span());
        Node n = addParam(d.name(), Shape.of(shape), init, fanIn, fanOut, d.nameSpan());
        bind(d.name(), n, d.nameSpan());
    }

    /** Creates a parameter node (also used by layers); names must be unique. */
    Node addParam(String name, Shape shape, Initializers.Spec init, int fanIn, int fanOut, Span at) {
        checkElements(name, shape, at);
        for (Param p : params) {
            if (p.name().equals(name)) throw new BuildError(at, "parameter '" + name + "' is already defined at line " + p.node().span().line());
        }
        Node n = g.add(Ops.PARAM, Attrs.of("name", name, "shape", shape, "dtype", "float"), name);
        params.add(new Param(n, name, init.kind(), init.args(), fanIn, fanOut));
        if (!name.equals(lastSegment(name))) scopes.getLast().put(name, n);
        return n;
    }

    /** Creates a buffer: state that is saved with the weights but not trained (running statistics). */
    Node addBuffer(String name, Shape shape, String init, Span at) {
        Node n = addParam(name, shape, new Initializers.Spec(init, List.of()), 1, 1, at);
        Param p = params.remove(params.size() - 1);
        params.add(new Param(p.node(), p.name(), p.init(), p.args(), p.fanIn(), p.fanOut(), false));
        return n;
    }

    /** Declares the new value of a buffer after a training step's forward pass. */
    void addUpdate(String buffer, Node value) {
        updates.put(buffer, value);
    }

    private static String lastSegment(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private void assign(Assign d) {
        if (d.value() instanceof Call c) {
            wholeRhs = c;
            wholeRhsName = d.name();
        }
        Object v;
        try {
            v = eval(d.value());
        } finally {
            wholeRhs = null;
            wholeRhsName = null;
        }
        if (d.output()) {
            Node n = asTensor(v, d.value().span());
            n = label(n, d.name(), d.span());
            outputs.put(d.name(), n);
            bind(d.name(), n, d.nameSpan());
        } else {
            bind(d.name(), v instanceof Node n ? label(n, d.name(), d.span()) : v, d.nameSpan());
        }
    }

    private Node label(Node n, String name, Span span) {
        List<Node> all = g.nodes();
        if (n.label() == null && !all.isEmpty() && all.get(all.size() - 1) == n) return g.relabel(n, name, n.span());
        return n;
    }

    private void lossDecl(LossDecl d) {
        if (loss != null) throw new BuildError(d.span(), "the loss is already defined at line " + loss.span().line() + "; sum the terms in one expression");
        Object v = eval(d.value());
        if (!(v instanceof Node n)) throw new BuildError(d.value().span(), "the loss must depend on the model's values");
        if (!n.shape().isScalar()) {
            throw new BuildError(d.value().span(), "the loss must be a scalar, got " + n.shape() + "; reduce it with mean(...) or sum(...)");
        }
        loss = label(n, "loss", d.span());
        outputsLossName();
    }

    private void outputsLossName() {
        // the loss is reachable under its reserved name too, e.g. for grad(loss, W)
        scopes.getLast().put("loss", loss);
    }

    private void bind(String name, Object v, Span at) {
        Map<String, Object> scope = scopes.peek();
        if (scope.containsKey(name) || (scopes.size() == 1 && definedAt.containsKey(name))) {
            Span first = definedAt.get(name);
            throw new BuildError(at, "'" + name + "' is already defined" + (first == null ? "" : " at line " + first.line())
                    + "; values are assigned once");
        }
        scope.put(name, v);
        if (scopes.size() == 1) definedAt.put(name, at);
    }

    // ---- expressions ----

    Object lookupOrNull(String name) {
        for (Map<String, Object> s : scopes) if (s.containsKey(name)) return s.get(name);
        return null;
    }

    Object eval(Expr e) {
        Span saved = g.at(e.span());
        try {
            return evalAt(e);
        } catch (ShapeException x) {
            throw new BuildError(e.span(), quote(e.span()) + x.getMessage());
        } finally {
            g.at(saved);
        }
    }

    private String quote(Span s) {
        String t = source.text(s).strip();
        return t.isEmpty() || t.length() > 48 ? "" : t + ": ";
    }

    private Object evalAt(Expr e) {
        if (e instanceof Num n) {
            if (!Double.isFinite(n.value())) throw new BuildError(n.span(), "number too large: the most is " + Double.MAX_VALUE);
            return new NumVal(n.value(), n.integral());
        }
        if (e instanceof Str s) return s.value();
        if (e instanceof Name n) return name(n);
        if (e instanceof ListExpr l) {
            List<Object> items = new ArrayList<>();
            for (Expr x : l.items()) items.add(eval(x));
            return items;
        }
        if (e instanceof Unary u) {
            Object v = eval(u.operand());
            if (v instanceof NumVal n) return new NumVal(-n.value(), n.integral());
            return Ops.neg(g, asTensor(v, u.operand().span()));
        }
        if (e instanceof Binary b) return binary(b);
        if (e instanceof Index ix) return Indexing.index(this, asTensor(eval(ix.target()), ix.target().span()), ix);
        return call((Call) e);
    }

    private Object name(Name n) {
        Object v = lookupOrNull(n.name());
        if (v != null) return v;
        // a symbolic dimension of the inputs: a size that reshape and slice bounds take
        if (n.name().equals(batchSymbol) || otherSymbols.contains(n.name())) return Dim.sym(n.name());
        if (n.name().equals("true")) return Boolean.TRUE;
        if (n.name().equals("false")) return Boolean.FALSE;
        if (failed.contains(n.name())) throw new BuildError(n.span(), "'" + n.name() + "' has an error above");
        if (Builtins.exists(n.name()) || defs.containsKey(n.name())) {
            throw new BuildError(n.span(), "'" + n.name() + "' is a function; call it, e.g. " + n.name() + "(x), or pipe into it: x |> " + n.name());
        }
        Integer later = laterDefinitions.get(n.name());
        if (later != null) throw new BuildError(n.span(), "'" + n.name() + "' is used before its definition at line " + later);
        Set<String> known = new LinkedHashSet<>();
        for (Map<String, Object> s : scopes) known.addAll(s.keySet());
        known.addAll(laterDefinitions.keySet());
        throw new BuildError(n.span(), "unknown name '" + n.name() + "'" + Names.suggestion(n.name(), known));
    }

    private Object binary(Binary b) {
        Object l = eval(b.left()), r = eval(b.right());
        if (l instanceof NumVal x && r instanceof NumVal y) {
            boolean integral = x.integral() && y.integral();
            NumVal v = switch (b.op()) {
                case "+" -> new NumVal(x.value() + y.value(), integral);
                case "-" -> new NumVal(x.value() - y.value(), integral);
                case "*" -> new NumVal(x.value() * y.value(), integral);
                case "/" -> new NumVal(x.value() / y.value(), false);
                case "^" -> new NumVal(Math.pow(x.value(), y.value()), integral && y.value() >= 0);
                default -> throw new BuildError(b.span(), "'@' needs tensors, got two numbers");
            };
            // a constant that is infinite or not a number would make every output NaN
            if (Double.isNaN(v.value())) throw new BuildError(b.span(), x.show() + " " + b.op() + " " + y.show() + " is not a number");
            if (Double.isInfinite(v.value())) {
                throw new BuildError(b.span(), x.show() + " " + b.op() + " " + y.show()
                        + (b.op().equals("/") && y.value() == 0 ? " divides by zero" : " is too large for a number"));
            }
            return v;
        }
        Node a = operand(l, r, b.op(), b.left().span()), c = operand(r, l, b.op(), b.right().span());
        return switch (b.op()) {
            case "+" -> Ops.add(g, a, c);
            case "-" -> Ops.sub(g, a, c);
            case "*" -> Ops.mul(g, a, c);
            case "/" -> Ops.div(g, a, c);
            case "^" -> g.add(Ops.POW, a, c);
            default -> Builtins.matmul(g, a, c);
        };
    }

    /**
     * An operand of arithmetic as a tensor: a whole number (within int's range) beside an int tensor in a sum, difference
     * or product is an int, so that integer arithmetic stays integer ({@code y - 1} on int labels is int).
     */
    private Node operand(Object v, Object other, String op, Span at) {
        boolean integers = other instanceof Node n && n.dtype() == DType.INT && List.of("+", "-", "*").contains(op);
        if (integers && v instanceof NumVal x && x.integral() && x.asInt() != null) return Ops.intConstant(g, x.asInt());
        return asTensor(v, at);
    }

    private Object call(Call c) {
        boolean whole = c == wholeRhs;
        String assigned = whole ? wholeRhsName : null;
        wholeRhs = null;
        List<Object> values = new ArrayList<>();
        for (Arg a : c.args()) values.add(eval(a.value()));
        Def d = defs.get(c.callee());
        if (d != null) return expand(d, c, values, assigned);
        if (failed.contains(c.callee()) && !Builtins.exists(c.callee())) {
            throw new BuildError(c.calleeSpan(), "'" + c.callee() + "' has an error above");
        }
        if (!Builtins.exists(c.callee())) {
            Set<String> known = new LinkedHashSet<>(Builtins.names());
            known.addAll(defs.keySet());
            throw new BuildError(c.calleeSpan(), "unknown function '" + c.callee() + "'" + Names.suggestion(c.callee(), known));
        }
        CallSite cs = new CallSite(c, this, values);
        Span saved = g.at(c.span());
        int firstId = g.nextId(), paramsBefore = params.size();
        try {
            return Builtins.call(cs, assigned);
        } finally {
            g.at(saved);
            // a call that made parameters is a layer: pictures draw its nodes as one box
            if (params.size() > paramsBefore) {
                String first = params.get(paramsBefore).name();
                layers.add(new Layers.Call(first.substring(0, Math.max(0, first.lastIndexOf('.'))), c.callee(), firstId, g.nextId()));
            }
        }
    }

    private Object expand(Def d, Call c, List<Object> values, String assigned) {
        if (values.size() != d.params().size()) {
            throw new BuildError(c.span(), d.name() + " takes " + d.params().size() + " argument" + (d.params().size() == 1 ? "" : "s") + ", got " + values.size());
        }
        for (Arg a : c.args()) {
            if (a.name() != null) throw new BuildError(a.span(), "functions defined with def take positional arguments");
        }
        if (expanding.contains(d)) {
            List<String> chain = new ArrayList<>();
            for (Def x : expanding) {
                chain.add(0, x.name());
                if (x == d) break;
            }
            chain.add(d.name());
            throw new BuildError(c.span(), "'" + d.name() + "' calls itself (" + String.join(" -> ", chain)
                    + "); functions defined with def cannot be recursive");
        }
        Map<String, Object> scope = new HashMap<>();
        for (int i = 0; i < values.size(); i++) scope.put(d.params().get(i), values.get(i));
        String prefix = assigned != null ? assigned : d.name() + count(d.name());
        scopes.push(scope);
        prefixes.push(prefix);
        expanding.push(d);
        layerCounts.push(new HashMap<>());
        try {
            return eval(d.body());
        } catch (BuildError e) {
            // an error inside the body: say which call led there
            Span at = c.span();
            boolean inCall = e.span.file().equals(at.file()) && e.span.line() == at.line() && e.span.col() >= at.col()
                    && e.span.col() < at.col() + at.length();
            if (inCall || e.getMessage().contains(" called at line ")) throw e;
            throw new BuildError(e.span, e.getMessage() + " (in " + d.name() + "(...) called at line " + c.span().line() + ")");
        } finally {
            layerCounts.pop();
            expanding.pop();
            prefixes.pop();
            scopes.pop();
        }
    }

    private int count(String kind) {
        return layerCounts.peek().merge(kind, 1, Integer::sum);
    }

    /**
     * The state-dict name of a layer: its {@code name=} argument, else the assigned variable when the layer call
     * is the whole right-hand side, else {@code <kind><n>} counting that kind in source order from 1; inside a
     * {@code def} it is prefixed with the call site's name.
     */
    String layerName(CallSite cs, String kind, String assigned) {
        int n = count(kind);
        String base = cs.string(-1, "name", null);
        if (base != null && base.isBlank()) throw new BuildError(cs.spanOf(-1, "name"), "a layer name may not be empty");
        if (base != null && base.chars().anyMatch(Character::isISOControl)) {
            throw new BuildError(cs.spanOf(-1, "name"), "a layer name may not hold control characters (tabs, line breaks)");
        }
        if (base == null) base = assigned != null ? assigned : kind + n;
        StringBuilder sb = new StringBuilder();
        List<String> ps = new ArrayList<>(prefixes);
        for (int i = ps.size() - 1; i >= 0; i--) sb.append(ps.get(i)).append('.');
        return sb.append(base).toString();
    }

    /** A value as a tensor node: numbers become constants. */
    Node asTensor(Object v, Span at) {
        if (v instanceof Node n) return n;
        if (v instanceof NumVal n) return Ops.constant(g, n.value());
        if (v instanceof Boolean) throw new BuildError(at, "expected a tensor, got a boolean");
        if (v instanceof String) throw new BuildError(at, "expected a tensor, got a string");
        if (v instanceof Dim d) {
            throw new BuildError(at, "'" + d + "' is a symbolic dimension, bound from the data: it can be a size in reshape "
                    + "(reshape(h, [batch, " + d + ", 4, 16])) or a slice bound (P[0:" + d + "]), not a value");
        }
        throw new BuildError(at, "expected a tensor, got a list");
    }

    SourceText source() {
        return source;
    }
}
