package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.frontend.Ast.*;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/** NumPy basic indexing and slicing with compile-time bounds: {@code a[0]}, {@code h[:, -1]}, {@code x[:, 2:5]}. */
final class Indexing {
    private Indexing() {
    }

    static Node index(ModelBuilder b, Node x, Index ix) {
        Shape s = x.shape();
        if (ix.items().size() > s.rank()) {
            throw new BuildError(ix.span(), "too many indices: " + ix.items().size() + " for a value of shape " + s);
        }
        List<Integer> starts = new ArrayList<>(), steps = new ArrayList<>(), squeeze = new ArrayList<>();
        List<Dim> window = new ArrayList<>();
        for (int d = 0; d < s.rank(); d++) {
            Dim dim = s.dim(d);
            SliceItem it = d < ix.items().size() ? ix.items().get(d) : null;
            boolean full = it == null || (it.isRange() && it.start() == null && it.stop() == null && it.step() == null);
            if (full) {
                starts.add(0);
                steps.add(1);
                window.add(dim);
                continue;
            }
            if (dim.isSymbolic() && !it.isRange() && d > 0) {
                // one position of a symbolic dimension (h[:, -1], the last step): a negative index counts from its end,
                // known when the data arrives; the generated code checks that the dimension is long enough
                starts.add(integer(b, it.index()));
                steps.add(1);
                window.add(Dim.of(1));
                squeeze.add(d);
                continue;
            }
            if (dim.isSymbolic()) {
                throw new BuildError(it.span(), "the symbolic dimension '" + dim + "' can only be taken whole (':')"
                        + (d > 0 ? " or at one position (h[:, -1])" : ""));
            }
            int n = dim.size();
            Object upTo = it.isRange() && it.stop() != null ? b.eval(it.stop()) : null;
            if (upTo instanceof Dim sym) {
                // the first sym positions, as P[0:seq] takes a positional embedding to the sequence length
                if (it.step() != null || it.start() != null && integer(b, it.start()) != 0) {
                    throw new BuildError(it.span(), "a slice up to the symbolic dimension '" + sym + "' starts at 0 and has no step: [0:" + sym + "]");
                }
                starts.add(0);
                steps.add(1);
                window.add(sym);
                continue;
            }
            if (!it.isRange()) {
                int i = integer(b, it.index());
                int j = i < 0 ? i + n : i;
                if (j < 0 || j >= n) throw new BuildError(it.span(), "index " + i + " is out of range for dimension " + d + " of size " + n);
                starts.add(j);
                steps.add(1);
                window.add(Dim.of(1));
                squeeze.add(d);
                continue;
            }
            int step = it.step() == null ? 1 : integer(b, it.step());
            if (step == 0) throw new BuildError(it.step().span(), "a slice step cannot be zero");
            int start, count;
            if (step > 0) {
                start = it.start() == null ? 0 : clamp(integer(b, it.start()), n);
                int stop = it.stop() == null ? n : clamp(integer(b, it.stop()), n);
                count = Math.max(0, (stop - start + step - 1) / step);
            } else {
                // backwards, as Python: from start (default the last) down to just above stop (default past the first)
                start = it.start() == null ? n - 1 : clampBackward(integer(b, it.start()), n);
                int stop = it.stop() == null ? -1 : clampBackward(integer(b, it.stop()), n);
                count = Math.max(0, (start - stop - step - 1) / -step);
            }
            if (count == 0) throw new BuildError(it.span(), "empty slice of dimension " + d + " (size " + n + ")");
            starts.add(start);
            steps.add(step);
            window.add(Dim.of(count));
        }
        return b.g.add(Ops.SLICE, Attrs.of("starts", starts, "steps", steps, "squeeze", squeeze,
                "window", Shape.of(window), "source", s), x);
    }

    private static int clamp(int i, int n) {
        int j = i < 0 ? i + n : i;
        return Math.max(0, Math.min(n, j));
    }

    /** A bound of a backward slice as Python takes it: from −1 (before the first element) to n − 1. */
    private static int clampBackward(int i, int n) {
        int j = i < 0 ? i + n : i;
        return Math.max(-1, Math.min(n - 1, j));
    }

    private static int integer(ModelBuilder b, Expr e) {
        Object v = b.eval(e);
        if (v instanceof NumVal n && n.integral()) {
            // an index beyond an int is out of range of any dimension; saturating keeps the message's number honest enough
            Integer i = n.asInt();
            if (i == null) throw new BuildError(e.span(), "index " + n.show() + " is out of range");
            return i;
        }
        throw new BuildError(e.span(), "indices must be integers known at compile time");
    }
}
