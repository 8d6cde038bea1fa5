package netc.compiler.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A model as a static, shaped, single-assignment graph: nodes in topological order and the roles some
 * of them play (inputs, parameters, outputs, loss, and after differentiation the parameters' gradients).
 */
public final class Graph {
    private final String name;
    private final Source source;
    private final List<Node> nodes;
    private final List<Node> inputs;
    private final List<Param> params;
    private final Map<String, Node> outputs;
    private final Node loss;
    private final Map<String, Node> grads;
    private final Map<String, Node> updates;
    private final TrainConfig train;
    private List<Layers.Call> layers = List.of();

    public Graph(String name, Source source, List<Node> nodes, List<Node> inputs, List<Param> params,
                 Map<String, Node> outputs, Node loss, Map<String, Node> grads, TrainConfig train) {
        this(name, source, nodes, inputs, params, outputs, loss, grads, Map.of(), train);
    }

    /**
     * @param updates new values of buffers (non-trainable parameters) computed by a training step's forward pass,
     *                such as batch norm's running statistics, by buffer name
     */
    public Graph(String name, Source source, List<Node> nodes, List<Node> inputs, List<Param> params,
                 Map<String, Node> outputs, Node loss, Map<String, Node> grads, Map<String, Node> updates, TrainConfig train) {
        this.name = name;
        this.source = source;
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.params = List.copyOf(params);
        this.outputs = new LinkedHashMap<>(outputs);
        this.loss = loss;
        this.grads = new LinkedHashMap<>(grads);
        this.updates = new LinkedHashMap<>(updates);
        this.train = train;
    }

    /** The text a graph came from, kept so generated code and messages can quote its lines. */
    public record Source(String file, List<String> lines) {
        public String line(int n) {
            return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
        }
    }

    public String name() {
        return name;
    }

    public Source source() {
        return source;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<Node> inputs() {
        return inputs;
    }

    public List<Param> params() {
        return params;
    }

    public Map<String, Node> outputs() {
        return outputs;
    }

    public Node loss() {
        return loss;
    }

    /** Gradient of the loss for each parameter name; empty before differentiation. */
    public Map<String, Node> grads() {
        return grads;
    }

    /** New values of buffers after a training step's forward pass, by buffer name. */
    public Map<String, Node> updates() {
        return updates;
    }

    public TrainConfig train() {
        return train;
    }

    public Param param(String name) {
        for (Param p : params) if (p.name().equals(name)) return p;
        return null;
    }

    public Graph withGrads(List<Node> newNodes, Map<String, Node> newGrads) {
        return new Graph(name, source, newNodes, inputs, params, outputs, loss, newGrads, updates, train).withLayers(layers);
    }

    /** The layer calls that made the nodes, as the front end recorded them; none after a pass has rebuilt the nodes. */
    public List<Layers.Call> layers() {
        return layers;
    }

    /** This graph with the layer calls that made its nodes. */
    public Graph withLayers(List<Layers.Call> calls) {
        Graph g = new Graph(name, source, nodes, inputs, params, outputs, loss, grads, updates, train);
        g.layers = List.copyOf(calls);
        return g;
    }

    /** The values the graph exposes (outputs, loss, gradients, buffer updates): everything else serves them. */
    /** The batch dimension's symbol: the inputs' leading dimension when it is symbolic; null when no input has one. */
    public String batchSymbol() {
        for (Node in : inputs) if (in.shape().rank() > 0 && in.shape().dim(0).isSymbolic()) return in.shape().dim(0).symbol();
        return null;
    }

    /** The inputs' other symbolic dimensions (such as {@code seq}), bound from the data like the batch, in order. */
    public List<String> dimSymbols() {
        List<String> l = new ArrayList<>();
        String batch = batchSymbol();
        for (Node in : inputs) for (String s : in.shape().symbols()) if (!s.equals(batch) && !l.contains(s)) l.add(s);
        return l;
    }

    public List<Node> roots() {
        List<Node> r = new ArrayList<>(outputs.values());
        if (loss != null) r.add(loss);
        r.addAll(grads.values());
        r.addAll(updates.values());
        return r;
    }

    /**
     * The same graph over a new node list, with every role moved through {@code map} (old node to new).
     * Passes use it after rebuilding nodes.
     */
    public Graph remap(List<Node> newNodes, Function<Node, Node> map) {
        List<Node> in = new ArrayList<>();
        for (Node n : inputs) in.add(map.apply(n));
        List<Param> ps = new ArrayList<>();
        for (Param p : params) ps.add(p.withNode(map.apply(p.node())));
        Map<String, Node> outs = new LinkedHashMap<>();
        outputs.forEach((k, v) -> outs.put(k, map.apply(v)));
        Map<String, Node> gs = new LinkedHashMap<>();
        grads.forEach((k, v) -> gs.put(k, map.apply(v)));
        Map<String, Node> us = new LinkedHashMap<>();
        updates.forEach((k, v) -> us.put(k, map.apply(v)));
        return new Graph(name, source, newNodes, in, ps, outs, loss == null ? null : map.apply(loss), gs, us, train);
    }
}
