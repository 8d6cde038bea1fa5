package netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

import netc.runtime.Tensor;
import netc.runtime.UserError;

class DataSetTest {
    private static final Tensor X = Tensor.of(new int[] {3, 2}, new float[6]);
    private static final Tensor Y = Tensor.ofInts(new int[] {3}, new int[3]);

    @Test
    void holdsColumnsInOrder() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("y", Y);
        m.put("x", X);
        DataSet d = new DataSet("src", m);
        assertEquals(3, d.size());
        assertSame(X, d.column("x"));
        assertEquals(List.of("y", "x"), List.copyOf(d.columns().keySet()));
        m.clear();  // the data set keeps its own map
        assertEquals(3, d.size());
        assertSame(Y, d.column("y"));
    }

    @Test
    void rejectsDifferentSampleCounts() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", X);
        m.put("y", Tensor.ofInts(new int[] {4}, new int[4]));
        UserError e = assertThrows(UserError.class, () -> new DataSet("data.safetensors", m));
        assertEquals("data.safetensors: columns differ in sample count: 'x' has 3, 'y' has 4", e.getMessage());
    }

    @Test
    void rejectsScalarColumns() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("s", Tensor.of(new int[] {}, new float[] {1}));
        assertThrows(UserError.class, () -> new DataSet(m));
    }

    @Test
    void unknownColumnIsAnIllegalArgument() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", X);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DataSet(m).column("z"));
        assertTrue(e.getMessage().contains("'z'"));
    }

    @Test
    void emptyDataSetHasNoSamples() {
        assertEquals(0, new DataSet(new LinkedHashMap<>()).size());
    }
}
