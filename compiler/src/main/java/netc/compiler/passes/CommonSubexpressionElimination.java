package netc.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;

/**
 * Merges nodes that apply the same pure op with the same attributes to the same inputs, keeping the first.
 * Leaves and impure ops (random masks) are never merged.
 */
public final class CommonSubexpressionElimination implements Pass {
    @Override
    public String name() {
        return "cse";
    }

    private record Key(Object op, Object attrs, List<Integer> inputs) {
    }

    @Override
    public Graph run(Graph g) {
        Map<Node, Node> map = new HashMap<>();
        Map<Key, Node> seen = new HashMap<>();
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            List<Node> ins = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (Node in : n.inputs()) {
                Node m = map.get(in);
                ins.add(m);
                ids.add(m.id());
            }
            Key k = new Key(n.op(), n.attrs(), ids);
            Node existing = n.op().pure() && !n.op().isLeaf() ? seen.get(k) : null;
            if (existing != null) {
                map.put(n, existing);
                continue;
            }
            Node m = ins.equals(n.inputs()) ? n : new Node(n.id(), n.op(), ins, n.attrs(), n.type(), n.label(), n.span());
            map.put(n, m);
            seen.putIfAbsent(k, m);
            out.add(m);
        }
        return g.remap(out, map::get);
    }
}
