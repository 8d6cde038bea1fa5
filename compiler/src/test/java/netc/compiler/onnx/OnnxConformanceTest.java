package netc.compiler.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import netc.compiler.NetCompiler;
import netc.compiler.onnx.proto.Onnx;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import org.junit.jupiter.api.Test;

/**
 * The ONNX project's own backend test cases, as Debian's {@code libonnx-testdata} ships them
 * ({@code /usr/share/libonnx-testdata/data/{node,pytorch-converted,pytorch-operator}}): each case's model is imported,
 * run on each of its recorded inputs and compared with its recorded outputs (|got − want| ≤ 1e-5 + 1e-3·|want|, the
 * backend tests' own tolerance). A case ends as a pass, a refusal (one located line: an op or a form netc does not
 * import), or a failure (wrong numbers or an internal error), which the tests forbid. Node tests take their weights,
 * shapes and indices as graph inputs; where netc needs one known at import time, the case runs again with its last
 * inputs turned into initializers holding the case's data ("pass, inputs frozen"). The counts per op go to
 * {@code target/onnx-conformance.md}, from which docs/onnx.md's table is copied.
 */
class OnnxConformanceTest {
    static final Path DATA = Path.of(System.getProperty("netc.onnxTestData", "/usr/share/libonnx-testdata/data"));

    enum Kind { PASS, FROZEN, REFUSED, WRONG, ERROR }

    record Outcome(String name, Kind kind, String detail, TreeSet<String> ops) {
    }

    static List<Path> cases(String suite) throws IOException {
        assumeTrue(Files.isDirectory(DATA.resolve(suite)), "Debian's libonnx-testdata is not installed (apt-get install libonnx-testdata)");
        try (Stream<Path> s = Files.list(DATA.resolve(suite))) {
            return s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
        }
    }

    /**
     * A case run as it is, or, where netc needs a graph input known at import time (a node test's weights, shape or
     * indices are graph inputs), with its last inputs frozen to the case's first data set: a pass then counts as
     * {@link Kind#FROZEN}.
     */
    static Outcome run(Path dir, Path scratch) {
        Outcome o = run(dir, dir.resolve("model.onnx"), 0);
        if (o.kind() != Kind.REFUSED || !o.detail().contains("known at import time")) return o;
        try {
            Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
            List<String> inputs = dataInputs(m.getGraph());
            for (int frozen = 1; frozen < inputs.size(); frozen++) {
                Onnx.GraphProto.Builder g = m.getGraph().toBuilder().clearInput();
                for (Onnx.ValueInfoProto v : m.getGraph().getInputList()) {
                    int i = inputs.indexOf(v.getName());
                    if (i >= inputs.size() - frozen) {
                        Onnx.TensorProto t = Onnx.TensorProto.parseFrom(Files.readAllBytes(dir.resolve("test_data_set_0/input_" + i + ".pb")));
                        g.addInitializer(t.toBuilder().setName(v.getName()));
                    } else {
                        g.addInput(v);
                    }
                }
                Path file = Files.createDirectories(scratch.resolve(dir.getFileName())).resolve("model.onnx");
                Files.write(file, m.toBuilder().setGraph(g).build().toByteArray());
                Outcome f = run(dir, file, frozen);
                if (f.kind() != Kind.REFUSED || !f.detail().contains("known at import time")) {
                    return f.kind() == Kind.PASS ? new Outcome(f.name(), Kind.FROZEN, "", f.ops()) : f;
                }
            }
        } catch (IOException e) {
            return new Outcome(o.name(), Kind.ERROR, e.toString(), o.ops());
        }
        return o;
    }

    /** The graph inputs that are not initializers, in order. */
    static List<String> dataInputs(Onnx.GraphProto g) {
        TreeSet<String> initializers = new TreeSet<>();
        for (Onnx.TensorProto t : g.getInitializerList()) initializers.add(t.getName());
        List<String> inputs = new ArrayList<>();
        for (Onnx.ValueInfoProto v : g.getInputList()) if (!initializers.contains(v.getName())) inputs.add(v.getName());
        return inputs;
    }

    /** The case in {@code dir} run on {@code model}, whose last {@code frozen} data inputs are initializers. */
    static Outcome run(Path dir, Path model, int frozen) {
        String name = dir.getFileName().toString();
        TreeSet<String> ops = new TreeSet<>();
        try {
            OnnxFile f = OnnxFile.read(model);
            for (Onnx.NodeProto n : f.model.getGraph().getNodeList()) ops.add(n.getOpType());
            OnnxImporter.Result r;
            try {
                r = OnnxImporter.importFile(model);
            } catch (UserError e) {
                return new Outcome(name, Kind.REFUSED, e.getMessage(), ops);
            }
            Model m;
            try {
                m = NetCompiler.compile(name + ".net", r.source(), "float").newModel();
                m.loadState(r.weights(), name);
            } catch (UserError e) {
                return new Outcome(name, Kind.ERROR, "the import does not compile: " + e.getMessage() + "\n" + r.source(), ops);
            }
            Onnx.GraphProto g = f.model.getGraph();
            List<String> inputs = dataInputs(g);
            List<Path> sets;
            try (Stream<Path> s = Files.list(dir)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            // with inputs frozen to the first data set, only that set can be compared
            for (Path set : frozen > 0 ? sets.subList(0, 1) : sets) {
                Map<String, Tensor> in = new LinkedHashMap<>();
                for (int i = 0; i < inputs.size(); i++) {
                    in.put(Names.sanitise(inputs.get(i)), tensor(f, set.resolve("input_" + i + ".pb")));
                }
                try {
                    m.setInputs(in);
                } catch (UserError e) {
                    return new Outcome(name, Kind.ERROR, "inputs refused: " + e.getMessage() + "\n" + r.source(), ops);
                }
                m.forwardOutputs();
                Map<String, Tensor> out = m.outputs();
                for (int i = 0; i < g.getOutputCount(); i++) {
                    String o = Names.sanitise(g.getOutput(i).getName());
                    Tensor want = tensor(f, set.resolve("output_" + i + ".pb")), got = out.get(o);
                    String diff = compare(want, got);
                    if (diff != null) return new Outcome(name, Kind.WRONG, set.getFileName() + " output " + o + ": " + diff + "\n" + r.source(), ops);
                }
            }
            return new Outcome(name, Kind.PASS, "", ops);
        } catch (UserError e) {
            return new Outcome(name, Kind.REFUSED, e.getMessage(), ops);
        } catch (RuntimeException | IOException | StackOverflowError e) {
            return new Outcome(name, Kind.ERROR, e.toString(), ops);
        }
    }

    static Tensor tensor(OnnxFile f, Path pb) throws IOException {
        Const c = f.tensor(Onnx.TensorProto.parseFrom(Files.readAllBytes(pb)), pb.getFileName().toString());
        if (c.isFloat()) return Tensor.of(c.intDims(), c.floats());
        int[] v = new int[c.size()];
        for (int i = 0; i < v.length; i++) v[i] = (int) c.longs()[i];
        return Tensor.ofInts(c.intDims(), v);
    }

    /** Null where they agree, else what differs. */
    static String compare(Tensor want, Tensor got) {
        if (got == null) return "missing";
        if (want.size() != got.size()) return "shape " + Tensor.shapeString(got.shape()) + ", expected " + Tensor.shapeString(want.shape());
        float[] w = want.isInt() ? toFloats(want.ints()) : want.floats(), h = got.isInt() ? toFloats(got.ints()) : got.floats();
        for (int i = 0; i < w.length; i++) {
            boolean same = Float.isNaN(w[i]) ? Float.isNaN(h[i]) : Math.abs(h[i] - w[i]) <= 1e-5 + 1e-3 * Math.abs(w[i]) || h[i] == w[i];
            if (!same) return "element " + i + " is " + h[i] + ", expected " + w[i];
        }
        return null;
    }

    private static float[] toFloats(int[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = a[i];
        return f;
    }

    static List<Outcome> runAll(List<Path> cases) throws IOException {
        Path scratch = Files.createTempDirectory("onnx-frozen");
        List<Outcome> out = new ArrayList<>();
        for (Path c : cases) out.add(run(c, scratch));
        return out;
    }

    /**
     * Per op of {@link OnnxOps#SUPPORTED}, as a Markdown table: the cases that have it, those of them whose every op is
     * supported, and how those end (passes, passes with inputs frozen, refusals of a form netc does not import).
     */
    static String table(List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder("| op | cases with it | all ops supported | pass | pass, inputs frozen | refused |\n"
                + "|---|---|---|---|---|---|\n");
        for (String op : OnnxOps.SUPPORTED) {
            int all = 0, supported = 0;
            int[] kinds = new int[Kind.values().length];
            for (Outcome o : outcomes) {
                if (!o.ops().contains(op)) continue;
                all++;
                if (!OnnxOps.SUPPORTED.containsAll(o.ops())) continue;
                supported++;
                kinds[o.kind().ordinal()]++;
            }
            if (all == 0) continue;
            b.append("| ").append(op).append(" | ").append(all).append(" | ").append(supported).append(" | ").append(kinds[0])
                    .append(" | ").append(kinds[1]).append(" | ").append(kinds[2]).append(" |\n");
        }
        return b.toString();
    }

    static void report(String suite, List<Outcome> outcomes) throws IOException {
        StringBuilder b = new StringBuilder("## " + suite + "\n\n");
        long pass = outcomes.stream().filter(o -> o.kind() == Kind.PASS).count();
        long frozen = outcomes.stream().filter(o -> o.kind() == Kind.FROZEN).count();
        b.append(pass).append(" of ").append(outcomes.size()).append(" cases pass, ").append(frozen).append(" more with inputs frozen\n\n").append(table(outcomes)).append('\n');
        for (Outcome o : outcomes) if (o.kind() != Kind.PASS && o.kind() != Kind.FROZEN) b.append("- ").append(o.name()).append(": ").append(o.kind()).append(": ")
                .append(o.detail().lines().findFirst().orElse("")).append('\n');
        Path target = Path.of("target", "onnx-conformance-" + suite + ".md");
        Files.createDirectories(target.getParent());
        Files.writeString(target, b.toString());
    }

    private static void assertClean(List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
            assertTrue(o.kind() != Kind.WRONG && o.kind() != Kind.ERROR, () -> o.name() + ": " + o.kind() + ": " + o.detail());
            if (o.kind() == Kind.REFUSED) {
                assertEquals(1, o.detail().lines().count(), o.detail());
                assertTrue(o.detail().contains("model.onnx: "), o.detail());
            }
        }
    }

    @Test
    void pytorchCasesPassOrAreRefusedInOneLine() throws IOException {
        List<Outcome> all = new ArrayList<>();
        for (String suite : List.of("pytorch-converted", "pytorch-operator")) {
            List<Outcome> o = runAll(cases(suite));
            report(suite, o);
            all.addAll(o);
        }
        assertClean(all);
        long pass = all.stream().filter(o -> o.kind() == Kind.PASS).count();
        assertTrue(pass >= 0.8 * all.size(), pass + " of " + all.size() + " pass");
    }

    @Test
    void nodeCasesPassOrAreRefusedInOneLine() throws IOException {
        List<Outcome> o = runAll(cases("node"));
        report("node", o);
        assertClean(o);
    }
}
