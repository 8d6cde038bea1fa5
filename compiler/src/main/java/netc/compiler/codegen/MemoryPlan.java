package netc.compiler.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ops.Elementwise;
import netc.compiler.ops.Fused;
import netc.compiler.ops.Ops;

/**
 * Buffer sharing from liveness. Each computed float value lives from its first computation to its last use in the
 * phase sequence (values the graph exposes: outputs, loss, gradients, updates live to the end); values whose lives do
 * not overlap share one array, sized for the largest. An elementwise node may write over an input of its shape whose
 * life ends at that node (in place). Sizes are {@code c} or {@code c·batch}; slots hold one kind or the other. The plan
 * is a formula in the batch, allocated once per batch capacity: no allocation per step.
 */
public final class MemoryPlan {
    /** A shared array: {@code size} elements, times the batch when {@code batched}. */
    public record Slot(long size, boolean batched) {
    }

    private final Map<Node, Integer> slotOf = new HashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private final List<String> inPlace = new ArrayList<>();
    private final long naiveConst, naiveBatched;

    private MemoryPlan(long naiveConst, long naiveBatched) {
        this.naiveConst = naiveConst;
        this.naiveBatched = naiveBatched;
    }

    /** The slot of a node, or -1 when it keeps a buffer of its own (inputs, parameters, int values). */
    public int slotOf(Node n) {
        return slotOf.getOrDefault(n, -1);
    }

    public List<Slot> slots() {
        return slots;
    }

    /** The in-place decisions, as "%out over %in" lines. */
    public List<String> inPlace() {
        return inPlace;
    }

    /** Bytes of the planned arrays at this batch (float32). */
    public long plannedBytes(int batch) {
        long b = 0;
        for (Slot s : slots) b += s.size * (s.batched ? batch : 1);
        return 4 * b;
    }

    /** Bytes with one buffer per computed value at this batch (float32). */
    public long naiveBytes(int batch) {
        return 4 * (naiveConst + naiveBatched * batch);
    }

    /** Elements per batch sample (or in all when not batched), or -1 when the shape has the batch more than once. */
    private static long coefficient(Node n, boolean[] batched) {
        long c = 1;
        int symbols = 0;
        for (Dim d : n.shape().dims()) {
            if (d.isSymbolic()) symbols++;
            else c *= d.size();
        }
        batched[0] = symbols == 1;
        return symbols > 1 ? -1 : c;
    }

    public static MemoryPlan of(Graph g, Phases phases) {
        List<Node> seq = phases.sequence();
        Map<Node, Integer> first = new HashMap<>(), end = new HashMap<>();
        for (int p = 0; p < seq.size(); p++) {
            Node n = seq.get(p);
            first.putIfAbsent(n, p);
            end.merge(n, p, Math::max);
            for (Node in : n.inputs()) end.merge(in, p, Math::max);
        }
        Set<Node> exposed = new HashSet<>(g.roots());
        long naiveConst = 0, naiveBatched = 0;
        boolean[] batched = new boolean[1];
        for (Node n : first.keySet()) {
            long c = coefficient(n, batched);
            if (batched[0]) naiveBatched += c;
            else naiveConst += c;
        }
        MemoryPlan plan = new MemoryPlan(naiveConst, naiveBatched);
        List<Integer> busyUntil = new ArrayList<>();
        List<Node> occupant = new ArrayList<>();
        for (int p = 0; p < seq.size(); p++) {
            Node n = seq.get(p);
            if (first.get(n) != p || n.dtype() != DType.FLOAT || n.op() == Ops.CONST) continue;
            long c = coefficient(n, batched);
            if (c < 0) continue;
            int last = exposed.contains(n) ? Integer.MAX_VALUE : end.get(n);
            int chosen = -1;
            // in place: an input of the same shape whose life ends here
            if (n.op() instanceof Elementwise || n.op() == Ops.FUSED && !Fused.isReduction(n)) {
                for (Node in : n.inputs()) {
                    int s = plan.slotOf(in);
                    if (s >= 0 && in.shape().equals(n.shape()) && busyUntil.get(s) == p && occupant.get(s) == in) {
                        chosen = s;
                        plan.inPlace.add(n.ref() + " over " + in.ref());
                        break;
                    }
                }
            }
            // else the free slot of the same kind closest in size
            if (chosen < 0) {
                long best = Long.MAX_VALUE;
                for (int s = 0; s < plan.slots.size(); s++) {
                    Slot slot = plan.slots.get(s);
                    if (busyUntil.get(s) >= p || slot.batched != batched[0]) continue;
                    long waste = Math.abs(slot.size - c);
                    if (waste < best) {
                        best = waste;
                        chosen = s;
                    }
                }
            }
            if (chosen < 0) {
                plan.slots.add(new Slot(c, batched[0]));
                busyUntil.add(last);
                occupant.add(n);
                chosen = plan.slots.size() - 1;
            } else {
                Slot slot = plan.slots.get(chosen);
                if (slot.size < c) plan.slots.set(chosen, new Slot(c, slot.batched));
                busyUntil.set(chosen, last);
                occupant.set(chosen, n);
            }
            plan.slotOf.put(n, chosen);
        }
        return plan;
    }
}
