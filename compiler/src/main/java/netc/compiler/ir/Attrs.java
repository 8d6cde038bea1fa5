package netc.compiler.ir;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The static attributes of a node (axes, flags, constants), immutable and ordered by key so that printing
 * and common-subexpression keys are stable. Values are Integer, Double, Boolean, String, Shape or
 * List&lt;Integer&gt;.
 */
public final class Attrs {
    public static final Attrs NONE = new Attrs(new TreeMap<>());

    private final Map<String, Object> map;

    private Attrs(TreeMap<String, Object> map) {
        this.map = Collections.unmodifiableMap(map);
    }

    /** Attributes from alternating keys and values. */
    public static Attrs of(Object... kv) {
        TreeMap<String, Object> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return new Attrs(m);
    }

    public Attrs with(String key, Object value) {
        TreeMap<String, Object> m = new TreeMap<>(map);
        m.put(key, value);
        return new Attrs(m);
    }

    /** The raw value, for op-specific attribute types. */
    public Object get(String key) {
        return map.get(key);
    }

    public boolean has(String key) {
        return map.containsKey(key);
    }

    public int i(String key) {
        return (Integer) map.get(key);
    }

    public double d(String key) {
        return ((Number) map.get(key)).doubleValue();
    }

    public boolean b(String key) {
        return Boolean.TRUE.equals(map.get(key));
    }

    public String s(String key) {
        return (String) map.get(key);
    }

    public Shape shape(String key) {
        return (Shape) map.get(key);
    }

    @SuppressWarnings("unchecked")
    public List<Integer> ints(String key) {
        return (List<Integer>) map.get(key);
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attrs a && a.map.equals(map);
    }

    @Override
    public int hashCode() {
        return map.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.append('}').toString();
    }
}
