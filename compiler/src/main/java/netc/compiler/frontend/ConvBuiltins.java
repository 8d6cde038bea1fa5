package netc.compiler.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import netc.compiler.ir.DType;
import netc.compiler.ir.Dim;
import netc.compiler.ir.Node;
import netc.compiler.ir.Shape;
import netc.compiler.ops.Ops;

/**
 * Convolution and pooling layers on [batch, channels, length] (1-d) and [batch, channels, height, width] (2-d),
 * with PyTorch's layouts, semantics and default initialisation.
 */
final class ConvBuiltins {
    private ConvBuiltins() {
    }

    static void register(Map<String, Builtins.Builtin> table) {
        table.put("conv1d", (cs, a) -> conv(cs, a, 1));
        table.put("conv2d", (cs, a) -> conv(cs, a, 2));
        table.put("maxpool", (cs, a) -> pool(cs, true));
        table.put("avgpool", (cs, a) -> pool(cs, false));
    }

    private static String layout(int spatial) {
        return spatial == 1 ? "[batch, channels, length]" : "[batch, channels, height, width]";
    }

    /**
     * conv1d/conv2d(x, filters, kernel, stride=1, pad=0, dilation=1, bias=true, name=): weight [filters, in, (kh,) kw]
     * and bias [filters], both U(±1/√fan_in) with fan_in = in·kh·kw (nn.Conv1d/2d's default); the bias is added by
     * broadcasting.
     */
    private static Object conv(CallSite cs, String assigned, int spatial) {
        cs.expect(3, "x", "filters", "kernel", "stride", "pad", "dilation", "bias", "name");
        ModelBuilder b = cs.builder;
        Node x = cs.tensor(0, "x");
        Shape xs = checkInput(cs, x, spatial);
        int filters = cs.integer(1, "filters", 0);
        if (filters <= 0) throw new BuildError(cs.spanOf(1, "filters"), cs.name() + " needs a positive number of filters, got " + filters);
        List<Integer> kernel = sizes(cs, 2, "kernel", 0, spatial, 1);
        List<Integer> stride = sizes(cs, 3, "stride", 1, spatial, 1);
        List<Integer> pad = sizes(cs, 4, "pad", 0, spatial, 0);
        List<Integer> dilation = sizes(cs, 5, "dilation", 1, spatial, 1);
        boolean bias = cs.bool(6, "bias", true);
        int in = xs.dim(1).size();
        List<Dim> wdims = new ArrayList<>(List.of(Dim.of(filters), Dim.of(in)));
        int taps = 1;
        for (int k : kernel) {
            wdims.add(Dim.of(k));
            taps *= k;
        }
        for (int i = 0; i < spatial; i++) {
            int extent = dilation.get(i) * (kernel.get(i) - 1) + 1, padded = xs.dim(2 + i).size() + 2 * pad.get(i);
            if (padded < extent) {
                throw new BuildError(cs.span(), cs.name() + ": input " + xs + " is too small for kernel " + kernel
                        + (dilation.get(i) > 1 ? " with dilation " + dilation : "") + (pad.get(i) > 0 ? " and pad " + pad : "")
                        + ": the output would be empty (" + (spatial == 1 ? "length " : i == 0 ? "height " : "width ")
                        + padded + " after padding, kernel reach " + extent + ")");
            }
        }
        String name = b.layerName(cs, cs.name(), assigned);
        int fanIn = in * taps;
        double bound = 1.0 / Math.sqrt(fanIn);
        Initializers.Spec init = new Initializers.Spec("uniform", List.of(-bound, bound));
        Node w = b.addParam(name + ".weight", Shape.of(wdims), init, fanIn, filters * taps, cs.span());
        Node y = Ops.conv(b.g, x, w, stride, pad, dilation);
        if (!bias) return y;
        Node bb = b.addParam(name + ".bias", Shape.of(filters), init, fanIn, filters * taps, cs.span());
        List<Dim> column = new ArrayList<>(List.of(Dim.of(filters)));
        for (int i = 0; i < spatial; i++) column.add(Dim.of(1));
        return Ops.add(b.g, y, Ops.reshape(b.g, bb, Shape.of(column)));
    }

    /** maxpool/avgpool(x, size, stride=size): 1-d on [batch, C, L], 2-d on [batch, C, H, W]; no padding, floor mode. */
    private static Object pool(CallSite cs, boolean max) {
        cs.expect(2, "x", "size", "stride");
        Node x = cs.tensor(0, "x");
        int r = x.shape().rank();
        if (r != 3 && r != 4) {
            throw new BuildError(cs.spanOf(0, "x"), cs.name() + " needs an input " + layout(1) + " or " + layout(2) + ", got " + x.shape());
        }
        int spatial = r - 2;
        Shape xs = checkInput(cs, x, spatial);
        List<Integer> size = sizes(cs, 1, "size", 0, spatial, 1);
        List<Integer> stride = cs.has(2, "stride") ? sizes(cs, 2, "stride", 1, spatial, 1) : size;
        for (int i = 0; i < spatial; i++) {
            if (size.get(i) > xs.dim(2 + i).size()) {
                throw new BuildError(cs.span(), cs.name() + ": window " + size + " is larger than input " + xs
                        + ": the output would be empty");
            }
        }
        return Ops.pool(cs.builder.g, max, x, size, stride);
    }

    private static Shape checkInput(CallSite cs, Node x, int spatial) {
        Shape xs = x.shape();
        if (x.dtype() != DType.FLOAT) throw new BuildError(cs.spanOf(0, "x"), cs.name() + " needs a float input, got " + x.type());
        if (xs.rank() != spatial + 2) {
            String hint = spatial == 2 && xs.rank() == 2 ? "; reshape a flat image first, e.g. reshape(x, [-1, 1, 28, 28])"
                    : spatial == 2 && xs.rank() == 3 ? "; use conv1d for sequences" : spatial == 1 && xs.rank() == 4 ? "; use conv2d for images" : "";
            throw new BuildError(cs.spanOf(0, "x"), cs.name() + " needs an input " + layout(spatial) + ", got " + xs + hint);
        }
        for (int i = 1; i < xs.rank(); i++) {
            if (xs.dim(i).isSymbolic()) throw new BuildError(cs.spanOf(0, "x"), cs.name() + " needs known channel and spatial sizes, got " + xs);
        }
        return xs;
    }

    /**
     * An integer or a list of {@code spatial} integers (a size per spatial dimension), each at least {@code min};
     * {@code dflt} when absent ({@code 0} for a required argument, which CallSite.expect has checked).
     */
    private static List<Integer> sizes(CallSite cs, int index, String key, int dflt, int spatial, int min) {
        Object v = cs.raw(index, key);
        String what = spatial == 1 ? "an integer" : "an integer or a list of " + spatial + " integers [height, width]";
        List<Integer> out = new ArrayList<>();
        if (v == null) {
            for (int i = 0; i < spatial; i++) out.add(dflt);
            return out;
        }
        List<?> items = v instanceof List<?> l ? l : java.util.Collections.nCopies(spatial, v);
        if (items.size() != spatial) {
            throw new BuildError(cs.spanOf(index, key), cs.name() + ": '" + key + "' must be " + what + ", got a list of " + items.size());
        }
        for (Object o : items) {
            if (!(o instanceof NumVal n) || !n.integral()) {
                throw new BuildError(cs.spanOf(index, key), cs.name() + ": '" + key + "' must be " + what);
            }
            if (n.value() < min) {
                throw new BuildError(cs.spanOf(index, key), cs.name() + ": '" + key + "' must be " + (min == 0 ? "non-negative" : "positive")
                        + ", got " + (long) n.value());
            }
            out.add((int) n.value());
        }
        return out;
    }
}
