package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.codegen.MemoryPlan;
import netc.compiler.codegen.Phases;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.compiler.ops.Ops;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Keras' {@code model.summary()}: one row per input, layer (the parameters named {@code LAYER.*}), named value and
 * change of shape on the way to the outputs, with its output shape and parameter count; the totals, trainable
 * (what the optimizer updates) and non-trainable (batch norm's running statistics); the planned memory.
 */
@Command(mixinStandardHelpOptions = true, name = "summary",
        description = "Each layer or value with its output shape and parameter count, the trainable and non-trainable totals, and the planned memory (as Keras' model.summary()).")
final class SummaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--batch", paramLabel = "N", description = "the batch the memory is planned for (default: the train block's)")
    Integer batch;

    @Spec
    CommandSpec spec;

    /** A row: its name, what it is, its node (whose shape it shows) and its parameters' values. */
    private record Row(String name, String kind, Node node, long params) {
    }

    @Override
    public Integer call() {
        if (batch != null && batch < 1) throw new netc.runtime.UserError("--batch must be at least 1, got " + batch);
        Graph g = NetCompiler.parse(Common.existingFile(model, "model file"));
        Graph training = NetCompiler.trainingGraph(g, false);
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = rows(g);
        int width = "layer / value".length();
        for (Row r : rows) width = Math.max(width, r.name().length());
        out.printf("Model: %s (%s)%n", g.name(), model);
        String format = "%-" + width + "s  %-16s %-22s %12s%n";
        out.printf(format, "layer / value", "kind", "output shape", "params");
        out.println("-".repeat(width + 55));
        for (Row r : rows) out.printf(format, r.name(), r.kind(), r.node().shape(), Common.thousands(r.params()));
        out.println("-".repeat(width + 55));
        long trainable = 0, fixed = 0;
        for (Param p : g.params()) {
            long n = p.node().shape().numelIfKnown();
            if (p.trainable()) trainable += n;
            else fixed += n;
        }
        out.printf("Total params: %s (%s)%n", Common.thousands(trainable + fixed), HeapCheck.size(4 * (trainable + fixed)));
        out.printf("Trainable params: %s (%s)%n", Common.thousands(trainable), HeapCheck.size(4 * trainable));
        out.printf("Non-trainable params: %s (%s)%n", Common.thousands(fixed), HeapCheck.size(4 * fixed));
        int b = batch != null ? batch : g.train().batch();
        MemoryPlan plan = MemoryPlan.of(training, Phases.of(training));
        out.printf("Buffers for training at batch %d: %s planned (%s with one array per value)%n", b,
                HeapCheck.size(plan.plannedBytes(b)), HeapCheck.size(plan.naiveBytes(b)));
        return 0;
    }

    /** The rows, in the order the values are computed. */
    static List<Row> rows(Graph g) {
        Set<Node> toOutputs = ancestors(new ArrayList<>(g.outputs().values()));
        // the nodes made from parameters alone (a bias reshaped to broadcast): they belong to the parameter's layer
        Map<Node, String> layerOf = new HashMap<>();
        for (Param p : g.params()) layerOf.put(p.node(), layer(p.name()));
        Map<String, Node> layerOutput = new LinkedHashMap<>();
        Map<String, String> layerKind = new HashMap<>();
        Map<String, Long> layerParams = new LinkedHashMap<>();
        for (Param p : g.params()) layerParams.merge(layer(p.name()), p.node().shape().numelIfKnown(), Long::sum);
        for (Node n : g.nodes()) {
            if (n.op().isLeaf()) continue;
            String from = null;
            boolean allParams = true;
            for (Node in : n.inputs()) {
                String l = layerOf.get(in);
                if (l != null) from = l;
                else if (!in.op().isConstant()) allParams = false;
            }
            if (from == null) continue;
            if (allParams) {
                layerOf.put(n, from);
            } else if (toOutputs.contains(n)) {
                layerOutput.put(from, n);  // the last node on the way to the outputs that takes the layer's parameters
                layerKind.putIfAbsent(from, kind(n));  // the first says what the layer is
            }
        }
        // parameters of no layer (param W1: ...) count for the first named value that uses them
        Map<Node, Long> paramsAt = new HashMap<>();
        Set<String> placed = new HashSet<>();
        for (Map.Entry<String, Node> e : layerOutput.entrySet()) {
            if (g.param(e.getKey()) != null) continue;
            paramsAt.merge(e.getValue(), layerParams.get(e.getKey()), Long::sum);
            placed.add(e.getKey());
        }
        for (Param p : g.params()) {
            if (placed.contains(layer(p.name()))) continue;
            for (Node n : g.nodes()) {
                if (n.label() != null && !n.op().isLeaf() && ancestors(List.of(n)).contains(p.node())) {
                    paramsAt.merge(n, p.node().shape().numelIfKnown(), Long::sum);
                    break;
                }
            }
        }
        Map<Node, String> layerNamed = new HashMap<>();
        layerOutput.forEach((l, n) -> {
            if (placed.contains(l)) layerNamed.putIfAbsent(n, l);
        });
        List<Row> rows = new ArrayList<>();
        for (Node in : g.inputs()) rows.add(new Row(in.attrs().s("name"), "input", in, 0));
        Map<Node, String> outputName = new HashMap<>();
        g.outputs().forEach((k, v) -> outputName.put(v, k));
        for (Node n : g.nodes()) {
            if (n.op().isLeaf() || layerOf.containsKey(n) || !toOutputs.contains(n)) continue;
            String layer = layerNamed.get(n), label = outputName.getOrDefault(n, n.label());
            boolean insideLayer = n.inputs().stream().anyMatch(layerOf::containsKey);
            // a change of shape between layers (pooling, flattening) of the samples' values
            boolean reshapes = !insideLayer && !n.inputs().isEmpty() && !n.shape().isConcrete()
                    && !n.shape().equals(n.inputs().get(0).shape()) && n.dtype() == n.inputs().get(0).dtype();
            if (layer != null || label != null || reshapes) {
                String name = layer != null ? layer : label != null ? label : "";
                String kind = layer == null ? kind(n) : g.param(layer + ".running_mean") != null ? "batchnorm" : layerKind.get(layer);
                rows.add(new Row(name, kind, n, paramsAt.getOrDefault(n, 0L)));
            }
        }
        if (g.loss() != null) rows.add(new Row("loss", "loss", g.loss(), 0));
        return rows;
    }

    /** The layer of a parameter named {@code LAYER.NAME} (conv1.weight: conv1); a parameter of no layer is its own. */
    private static String layer(String param) {
        int dot = param.lastIndexOf('.');
        return dot < 0 ? param : param.substring(0, dot);
    }

    /** What a row's node is, in a word: the layer's kind for the ops that take parameters, else its op. */
    private static String kind(Node n) {
        if (n.op() == Ops.RESHAPE && n.shape().rank() == 2 && n.inputs().get(0).shape().rank() > 2) return "flatten";
        return switch (n.op().name()) {
            case "gemm" -> "dense";
            case "conv" -> "conv" + (n.shape().rank() - 2) + "d";
            case "gather" -> "embedding";
            default -> n.op().name();
        };
    }

    private static Set<Node> ancestors(List<Node> roots) {
        Set<Node> seen = new HashSet<>();
        List<Node> stack = new ArrayList<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1);
            if (seen.add(n)) stack.addAll(n.inputs());
        }
        return seen;
    }
}
