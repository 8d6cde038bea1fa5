package netc.compiler.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An immutable tensor shape whose dimensions may be symbolic. The empty shape is a scalar. */
public final class Shape {
    public static final Shape SCALAR = new Shape(List.of());
    /** The most elements a tensor holds: a Java array's length (its known sizes' product, per sample where symbolic). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final List<Dim> dims;

    private Shape(List<Dim> dims) {
        this.dims = List.copyOf(dims);
    }

    public static Shape of(List<Dim> dims) {
        return dims.isEmpty() ? SCALAR : new Shape(dims);
    }

    public static Shape of(int... sizes) {
        List<Dim> d = new ArrayList<>();
        for (int s : sizes) d.add(Dim.of(s));
        return of(d);
    }

    public List<Dim> dims() {
        return dims;
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int i) {
        return dims.get(i < 0 ? dims.size() + i : i);
    }

    public boolean isScalar() {
        return dims.isEmpty();
    }

    /** True when every dimension is a known size. */
    public boolean isConcrete() {
        for (Dim d : dims) if (d.isSymbolic()) return false;
        return true;
    }

    /** The number of elements, or -1 when a dimension is symbolic. */
    public long numelIfKnown() {
        long n = 1;
        for (Dim d : dims) {
            if (d.isSymbolic()) return -1;
            n *= d.size();
        }
        return n;
    }

    /** True when the element count is 1 (a scalar or all dimensions 1). */
    public boolean isUnit() {
        return numelIfKnown() == 1;
    }

    public Shape sub(int from, int to) {
        return of(dims.subList(from, to));
    }

    public Shape append(Dim d) {
        List<Dim> l = new ArrayList<>(dims);
        l.add(d);
        return of(l);
    }

    public Shape with(int axis, Dim d) {
        List<Dim> l = new ArrayList<>(dims);
        l.set(axis, d);
        return of(l);
    }

    /** A Java expression for the element count, e.g. {@code n_batch * 784}. */
    public String sizeExpr() {
        return productExpr(0, dims.size());
    }

    /** A Java expression for the product of dimensions [from, to). */
    public String productExpr(int from, int to) {
        long constant = 1;
        List<String> symbols = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Dim d = dims.get(i);
            if (d.isSymbolic()) symbols.add(d.javaExpr());
            else constant *= d.size();
        }
        if (symbols.isEmpty()) return Long.toString(constant);
        String s = String.join(" * ", symbols);
        return constant == 1 ? s : s + " * " + constant;
    }

    /** The symbols that appear in this shape. */
    public List<String> symbols() {
        List<String> s = new ArrayList<>();
        for (Dim d : dims) if (d.isSymbolic() && !s.contains(d.symbol())) s.add(d.symbol());
        return Collections.unmodifiableList(s);
    }

    /** NumPy broadcasting of two shapes, or null when they are incompatible. */
    public static Shape broadcast(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            Dim da = i < r - a.rank() ? Dim.of(1) : a.dims.get(i - (r - a.rank()));
            Dim db = i < r - b.rank() ? Dim.of(1) : b.dims.get(i - (r - b.rank()));
            if (da.equals(db) || db.isOne()) out.add(da);
            else if (da.isOne()) out.add(db);
            else return null;
        }
        return of(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && s.dims.equals(dims);
    }

    @Override
    public int hashCode() {
        return dims.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(dims.get(i));
        }
        return sb.append(']').toString();
    }
}
