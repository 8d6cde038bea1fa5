package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** Built-ins that rearrange tensors: concat. */
final class TensorBuiltins {
    private TensorBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("concat", TensorBuiltins::concat);
        table.put("flip", TensorBuiltins::flip);
        table.put("pad", TensorBuiltins::pad);
    }

    /**
     * concat(a, b, ..., axis=-1), or concat([a, b, ...], axis=-1): the tensors joined along {@code axis}, as torch.cat;
     * their shapes must be equal except along that axis.
     */
    private static Object concat(CallSite cs, String assigned) {
        cs.expectVariadic(1, "tensors a, b, ... (or a list [a, b, ...])", "axis");
        List<Node> parts;
        if (cs.positionalCount() == 1 && cs.raw(0, null) instanceof List<?> items) {
            parts = new ArrayList<>();
            for (Object o : items) parts.add(cs.builder.asTensor(o, cs.spanOf(0, null)));
            if (parts.isEmpty()) throw new BuildError(cs.spanOf(0, null), "concat needs at least one tensor");
        } else {
            parts = cs.tensorsFrom(0);
        }
        int rank = parts.get(0).shape().rank();
        int axis = cs.integer(-1, "axis", -1);
        int norm = axis < 0 ? axis + rank : axis;
        if (norm < 0 || norm >= rank) {
            throw new BuildError(cs.spanOf(-1, "axis"), "concat: axis " + axis + " is out of range for shape " + parts.get(0).shape());
        }
        if (parts.size() == 1) return parts.get(0);
        return cs.builder.g.add(Ops.CONCAT, Attrs.of("axis", norm), parts.toArray(new Node[0]));
    }

    /** flip(x, axis=k): x with the order of axis k reversed (an integer or a list), as torch.flip; x[..., ::-1]. */
    private static Object flip(CallSite cs, String assigned) {
        cs.expect(2, "x", "axis");
        Node x = cs.tensor(0, "x");
        Shape s = x.shape();
        List<Integer> axes = Builtins.axes(cs, x, 1);
        List<Integer> starts = new ArrayList<>(), steps = new ArrayList<>();
        for (int d = 0; d < s.rank(); d++) {
            boolean flipped = axes.contains(d);
            if (flipped && s.dim(d).isSymbolic()) {
                throw new BuildError(cs.spanOf(1, "axis"), "flip: the symbolic dimension '" + s.dim(d) + "' cannot be reversed");
            }
            starts.add(flipped ? s.dim(d).size() - 1 : 0);
            steps.add(flipped ? -1 : 1);
        }
        return cs.builder.g.add(Ops.SLICE, Attrs.of("starts", starts, "steps", steps, "squeeze", List.of(), "window", s, "source", s), x);
    }

    /**
     * pad(x, [left, right]) or pad(x, [left, right, top, bottom]): zeros around the last dimension, or the last two, in
     * F.pad's order (the last dimension first); x placed in a window of the padded shape.
     */
    private static Object pad(CallSite cs, String assigned) {
        cs.expect(2, "x", "pad");
        Node x = cs.tensor(0, "x");
        Shape s = x.shape();
        Object v = cs.raw(1, "pad");
        List<Integer> widths = new ArrayList<>();
        boolean sizes = v instanceof List<?>;
        for (Object o : sizes ? (List<?>) v : List.of()) {
            sizes &= o instanceof NumVal n && n.integral() && n.asInt() != null && n.asInt() >= 0;
            if (sizes) widths.add(((NumVal) o).asInt());
        }
        if (!sizes || widths.isEmpty() || widths.size() % 2 != 0 || widths.size() / 2 > s.rank()) {
            throw new BuildError(cs.spanOf(1, "pad"), "pad takes [left, right] or [left, right, top, bottom]: sizes of zeros (≥ 0) before and after the last dimensions, at most "
                    + s.rank() + " pair" + (s.rank() == 1 ? "" : "s") + " for shape " + s);
        }
        List<Integer> starts = new ArrayList<>(), steps = new ArrayList<>();
        List<Dim> padded = new ArrayList<>();
        for (int d = 0; d < s.rank(); d++) {
            int pair = s.rank() - 1 - d;  // the last dimension's pair comes first
            int before = 2 * pair < widths.size() ? widths.get(2 * pair) : 0, after = 2 * pair < widths.size() ? widths.get(2 * pair + 1) : 0;
            if ((before > 0 || after > 0) && s.dim(d).isSymbolic()) {
                throw new BuildError(cs.spanOf(1, "pad"), "pad: the symbolic dimension '" + s.dim(d) + "' cannot be padded");
            }
            starts.add(before);
            steps.add(1);
            padded.add(before + after == 0 ? s.dim(d) : Dim.of(s.dim(d).size() + before + after));
        }
        // the backward of a slice places its window in zeros of the source shape: that is padding
        return cs.builder.g.add(Ops.SLICE_GRAD, Attrs.of("starts", starts, "steps", steps, "squeeze", List.of(), "window", s,
                "source", Shape.of(padded)), x);
    }
}
