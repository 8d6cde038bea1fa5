package netc.compiler.ops;

import java.util.ArrayList;
import java.util.List;
import netc.compiler.autodiff.Differentiable;
import netc.compiler.codegen.Kernel;
import netc.compiler.codegen.KernelContext;
import netc.compiler.ir.Attrs;
import netc.compiler.ir.Dim;
import netc.compiler.ir.GraphBuilder;
import netc.compiler.ir.Node;
import netc.compiler.ir.Op;
import netc.compiler.ir.Shape;
import netc.compiler.ir.ShapeException;
import netc.compiler.ir.TensorType;

/**
 * {@code concat(x1, ..., xn)} along axis {@code axis} (attr, non-negative), as torch.cat: the inputs have one rank
 * and element type and equal sizes except along the axis, whose sizes must be known. The gradient of each input is
 * its slice of the output's adjoint.
 */
final class Concat implements Op, Differentiable, Kernel {
    @Override
    public String name() {
        return "concat";
    }

    @Override
    public TensorType infer(List<TensorType> in, Attrs attrs) {
        if (in.isEmpty()) throw new ShapeException("concat needs at least one tensor");
        int axis = attrs.i("axis");
        Shape first = in.get(0).shape();
        if (axis < 0 || axis >= first.rank()) throw new ShapeException("concat: axis " + axis + " is out of range for shape " + first);
        int total = 0;
        for (int i = 0; i < in.size(); i++) {
            TensorType t = in.get(i);
            Shape s = t.shape();
            if (t.dtype() != in.get(0).dtype()) throw new ShapeException("concat: tensors of different element types " + in.get(0) + " and " + t);
            if (s.rank() != first.rank()) throw new ShapeException("concat: shapes " + first + " and " + s + " differ in rank");
            for (int d = 0; d < s.rank(); d++) {
                if (d != axis && !s.dim(d).equals(first.dim(d))) {
                    throw new ShapeException("concat along axis " + axis + ": shapes " + first + " and " + s + " differ in dimension " + d);
                }
            }
            Dim a = s.dim(axis);
            if (a.isSymbolic()) throw new ShapeException("concat cannot join along the symbolic dimension '" + a + "'");
            total += a.size();
        }
        return new TensorType(first.with(axis, Dim.of(total)), in.get(0).dtype());
    }

    @Override
    public List<Node> gradient(GraphBuilder g, Node y, Node dy) {
        int axis = y.attrs().i("axis");
        Shape s = dy.shape();
        List<Node> out = new ArrayList<>();
        int offset = 0;
        for (Node x : y.inputs()) {
            List<Integer> starts = new ArrayList<>(), steps = new ArrayList<>();
            for (int d = 0; d < s.rank(); d++) {
                starts.add(d == axis ? offset : 0);
                steps.add(1);
            }
            out.add(g.add(Ops.SLICE, Attrs.of("starts", starts, "steps", steps, "squeeze", List.of(), "window", x.shape(), "source", s), dy));
            offset += x.shape().dim(axis).size();
        }
        return out;
    }

    @Override
    public void emit(KernelContext k) {
        Node y = k.node();
        int axis = y.attrs().i("axis");
        Shape s = y.shape();
        String outer = s.productExpr(0, axis);
        String total = s.productExpr(axis, s.rank());
        if (outer.equals("1")) {
            // one run per input (along the first axis): the threads take ranges of the output, each copying the
            // parts of the inputs that fall in its range
            String[] range = k.parallelRange(total, "1", s);
            String offset = "0";
            for (int i = 0; i < y.inputs().size(); i++) {
                Shape xs = y.input(i).shape();
                String len = xs.productExpr(axis, xs.rank()), end = Slice.plus(offset, len);
                String lo = "lo" + i, hi = "hi" + i;
                k.stmt("int $L = Math.max($L, $L), $L = Math.min($L, $L)", lo, range[0], offset, hi, range[1], end);
                String from = offset.equals("0") ? lo : lo + " - " + Slice.factor(offset);
                k.begin("if ($L < $L)", lo, hi).stmt("System.arraycopy($L, $L, $L, $L, $L - $L)", k.in(i), from, k.out(), lo, hi, lo).end();
                offset = end;
            }
            return;
        }
        k.parallelLoop("o", outer, total, s);
        String offset = "0";
        for (int i = 0; i < y.inputs().size(); i++) {
            Shape xs = y.input(i).shape();
            String len = xs.productExpr(axis, xs.rank());
            k.stmt("System.arraycopy($L, o * $L, $L, o * $L + $L, $L)", k.in(i), len, k.out(), total, offset, len);
            offset = offset.equals("0") ? len : offset + " + " + len;
        }
        k.end();
    }
}
