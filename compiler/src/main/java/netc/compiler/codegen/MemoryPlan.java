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
import netc.compiler.ir.Shape;

/**
 * Buffer sharing from liveness. Each computed float value lives from its first computation to its last use in the
 * phase sequence (values the graph exposes: outputs, loss, gradients, updates live to the end); values whose lives do
 * not overlap share one array, sized for the largest. An elementwise node may write over an input of its shape whose
 * life ends at that node (in place). A size is a constant times a product of symbolic dimensions ({@code 512·batch·seq});
 * a slot holds values of one product, so the plan is a formula in the symbols, allocated once per capacity: no
 * allocation per step. Kernels' working arrays ({@link Kernel#scratch}) are placed the same way, busy only while their
 * kernel runs.
 */
public final class MemoryPlan {
    /**
     * A shared array: {@code size} elements times the product of {@code symbols} (sorted, a symbol as often as it
     * appears: {@code [batch, seq, seq]}).
     */
    public record Slot(long size, List<String> symbols) {
        public Slot {
            symbols = List.copyOf(symbols);
        }
    }

    private final Map<Node, Integer> slotOf = new HashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private final List<String> inPlace = new ArrayList<>();
    /** Elements with one buffer per value, per product of symbols. */
    private final Map<List<String>, Long> naive = new HashMap<>();
    /** The batch's symbol, and the values of the others that sizes in bytes take: the train block's ({@code seq = 64}). */
    private final String batch;
    private final Map<String, Integer> dims;

    private MemoryPlan(String batch, Map<String, Integer> dims) {
        this.batch = batch;
        this.dims = dims;
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

    /** Bytes of the planned arrays at this batch (float32), the other symbols at the train block's values (else 1). */
    public long plannedBytes(int batch) {
        long b = 0;
        for (Slot s : slots) b += s.size * product(s.symbols, batch);
        return 4 * b;
    }

    /** Bytes with one buffer per computed value at this batch (float32), as {@link #plannedBytes}. */
    public long naiveBytes(int batch) {
        long b = 0;
        for (Map.Entry<List<String>, Long> e : naive.entrySet()) b += e.getValue() * product(e.getKey(), batch);
        return 4 * b;
    }

    private long product(List<String> symbols, int batchValue) {
        long p = 1;
        for (String sym : symbols) p *= sym.equals(batch) ? batchValue : dims.getOrDefault(sym, 1);
        return p;
    }

    /** The constant factor of a shape's size; its symbols, sorted, go to {@code symbols}. */
    private static long coefficient(Shape s, List<String> symbols) {
        long c = 1;
        symbols.clear();
        for (Dim d : s.dims()) {
            if (d.isSymbolic()) symbols.add(d.symbol());
            else c *= d.size();
        }
        java.util.Collections.sort(symbols);
        return c;
    }

    /** The slot of working array {@code i} of node {@code n}'s kernel, or -1 when it has an array of its own. */
    public int scratchSlot(Node n, int i) {
        List<Integer> l = scratchOf.get(n);
        return l == null ? -1 : l.get(i);
    }

    public static MemoryPlan of(Graph g, Phases phases) {
        List<Node> seq = phases.sequence();
        Map<Node, Integer> first = new HashMap<>(), end = new HashMap<>(), lastRun = new HashMap<>();
        for (int p = 0; p < seq.size(); p++) {
            Node n = seq.get(p);
            first.putIfAbsent(n, p);
            lastRun.put(n, p);
            end.merge(n, p, Math::max);
            for (Node in : n.inputs()) end.merge(in, p, Math::max);
        }
        Set<Node> exposed = new HashSet<>(g.roots());
        MemoryPlan plan = new MemoryPlan(g.batchSymbol(), g.train().dims());
        List<String> symbols = new ArrayList<>();
        for (Node n : first.keySet()) {
            List<Shape> shapes = new ArrayList<>(Kernel.scratchOf(n));
            shapes.add(n.shape());
            for (Shape s : shapes) {
                long c = coefficient(s, symbols);
                plan.naive.merge(List.copyOf(symbols), c, Long::sum);
            }
        }
        for (int p = 0; p < seq.size(); p++) {
            Node n = seq.get(p);
            if (first.get(n) != p) continue;
            if (n.dtype() == DType.FLOAT && !n.op().isConstant()) plan.placeValue(n, p, exposed.contains(n) ? Integer.MAX_VALUE : end.get(n));
            // working arrays: busy while the kernel runs (at each of its runs), never shared with its operands or result
            List<Shape> scratch = Kernel.scratchOf(n);
            if (scratch.isEmpty()) continue;
            List<Integer> slots = new ArrayList<>();
            for (Shape s : scratch) {
                long c = coefficient(s, symbols);
                slots.add(plan.place(c, symbols, p, lastRun.get(n), null));
            }
            plan.scratchOf.put(n, slots);
        }
        return plan;
    }

    private final List<Integer> busyUntil = new ArrayList<>();
    private final List<Node> occupant = new ArrayList<>();
    private final Map<Node, List<Integer>> scratchOf = new HashMap<>();
    private final Set<Node> views = new HashSet<>();

    /**
     * Whether {@code n} (a reshape) shares its input's array, so its kernel copies nothing: its input's slot, or the
     * array of the input or parameter it reshapes (then it has no slot).
     */
    public boolean isView(Node n) {
        return views.contains(n);
    }

    /** Places value {@code n}, computed at {@code p} and used until {@code last}: over a dying input, or in a free slot. */
    private void placeValue(Node n, int p, int last) {
        List<String> symbols = new ArrayList<>();
        long c = coefficient(n.shape(), symbols);
        if (n.op() instanceof Kernel k && k.view(n)) {
            // a view of a planned value shares its array, busy while either lives
            int source = slotOf(n.input(0));
            if (source >= 0) {
                slotOf.put(n, source);
                busyUntil.set(source, Math.max(busyUntil.get(source), last));
                occupant.set(source, n);
                views.add(n);
                return;
            }
            // a view of an input or a parameter shares the array it is bound to, which no kernel writes
            if (n.input(0).op().isLeaf()) {
                views.add(n);
                return;
            }
        }
        // in place: an input of the same shape whose life ends here
        if (n.op() instanceof Kernel k && k.elementwise(n)) {
            for (Node in : n.inputs()) {
                int s = slotOf(in);
                if (s >= 0 && in.shape().equals(n.shape()) && busyUntil.get(s) == p && occupant.get(s) == in) {
                    inPlace.add(n.ref() + " over " + in.ref());
                    busyUntil.set(s, last);
                    occupant.set(s, n);
                    slotOf.put(n, s);
                    return;
                }
            }
        }
        slotOf.put(n, place(c, symbols, p, last, n));
    }

    /**
     * A slot for {@code c} elements times the product of {@code symbols}, busy from {@code p} to {@code last}: the free
     * one of that product closest in size, or a new one.
     */
    private int place(long c, List<String> symbols, int p, int last, Node who) {
        int chosen = -1;
        long best = Long.MAX_VALUE;
        for (int s = 0; s < slots.size(); s++) {
            Slot slot = slots.get(s);
            if (busyUntil.get(s) >= p || !slot.symbols.equals(symbols)) continue;
            long waste = Math.abs(slot.size - c);
            if (waste < best) {
                best = waste;
                chosen = s;
            }
        }
        if (chosen < 0) {
            slots.add(new Slot(c, symbols));
            busyUntil.add(last);
            occupant.add(who);
            return slots.size() - 1;
        }
        if (slots.get(chosen).size < c) slots.set(chosen, new Slot(c, symbols));
        busyUntil.set(chosen, last);
        occupant.set(chosen, who);
        return chosen;
    }
}
