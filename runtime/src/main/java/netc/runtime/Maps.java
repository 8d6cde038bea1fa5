package netc.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map from alternating keys and values; generated code uses it where a map literal is needed. */
public final class Maps {
    private Maps() {
    }

    public static Map<String, Object> of(Object[] keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }
}
