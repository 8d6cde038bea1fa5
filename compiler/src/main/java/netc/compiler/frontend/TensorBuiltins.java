package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Node;
import netc.compiler.ops.Ops;

/** Built-ins that rearrange tensors: concat. */
final class TensorBuiltins {
    private TensorBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("concat", TensorBuiltins::concat);
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
}
