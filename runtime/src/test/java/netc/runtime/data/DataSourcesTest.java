package netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;

class DataSourcesTest {
    @TempDir
    Path dir;

    static InputSpec floats(String name, int... shape) {
        return new InputSpec(name, false, shape);
    }

    static InputSpec ints(String name, int... shape) {
        return new InputSpec(name, true, shape);
    }

    private static final List<InputSpec> POINTS_AND_CLASS = List.of(floats("x", 2), ints("y"));

    private static UserError fails(String spec, List<InputSpec> inputs, String expected) {
        UserError e = assertThrows(UserError.class, () -> DataSources.load(spec, inputs, false));
        assertTrue(e.getMessage().contains(expected) && !e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    // ---- toy sets

    @Test
    void truthTables() {
        for (String[] t : new String[][] {{"xor", "0110"}, {"and", "0001"}, {"or", "0111"}}) {
            for (boolean test : new boolean[] {false, true}) {
                DataSet d = DataSources.load(t[0], POINTS_AND_CLASS, test);
                assertEquals(4, d.size());
                assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, d.column("x").floats());
                int[] expected = t[1].chars().map(c -> c - '0').toArray();
                assertArrayEquals(expected, d.column("y").ints(), t[0]);
            }
        }
    }

    @Test
    void moonsAndSpiralsHaveTheirSizesClassesAndRanges() {
        for (String name : List.of("moons", "spirals")) {
            int classes = name.equals("moons") ? 2 : 3;
            for (boolean test : new boolean[] {false, true}) {
                DataSet d = DataSources.load(name, POINTS_AND_CLASS, test);
                int n = test ? 300 : 600;
                assertEquals(n, d.size(), name);
                assertArrayEquals(new int[] {n, 2}, d.column("x").shape());
                assertArrayEquals(new int[] {n}, d.column("y").shape());
                int[] count = new int[classes];
                for (int y : d.column("y").ints()) count[y]++;  // out of range would throw
                for (int c : count) assertEquals(n / classes, c, name + " class balance");
                float[] xy = d.column("x").floats();
                for (int i = 0; i < n; i++) {
                    float x = xy[2 * i];
                    float y = xy[2 * i + 1];
                    if (name.equals("spirals")) {
                        assertTrue(Math.hypot(x, y) <= 1.0001, "spiral radius at most 1");
                    } else {
                        assertTrue(x > -1.6 && x < 2.6 && y > -1.1 && y < 1.6, "moon point " + x + ", " + y);
                    }
                }
                // shuffled: the first 20 labels are not all one class
                assertTrue(Arrays.stream(d.column("y").ints(), 0, 20).distinct().count() > 1, name);
            }
        }
    }

    @Test
    void randomToySetsAreDeterministicWithDistinctSplits() {
        for (String name : List.of("moons", "spirals")) {
            float[] a = DataSources.load(name, POINTS_AND_CLASS, false).column("x").floats();
            float[] b = DataSources.load(name, POINTS_AND_CLASS, false).column("x").floats();
            float[] test = DataSources.load(name, POINTS_AND_CLASS, true).column("x").floats();
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(Arrays.copyOf(a, 600), test), name);
        }
    }

    @Test
    void labelsBindAsClassIndicesScalarFloatsOrOneHot() {
        DataSet scalar = DataSources.load("moons", List.of(floats("x", 2), floats("t")), false);
        assertArrayEquals(new int[] {600}, scalar.column("t").shape());
        DataSet single = DataSources.load("xor", List.of(floats("x", 2), floats("t", 1)), false);
        assertArrayEquals(new int[] {4, 1}, single.column("t").shape());
        assertArrayEquals(new float[] {0, 1, 1, 0}, single.column("t").floats());
        DataSet oneHot = DataSources.load("spirals", List.of(floats("x", 2), floats("t", 3)), false);
        assertArrayEquals(new int[] {600, 3}, oneHot.column("t").shape());
        int[] classes = DataSources.load("spirals", POINTS_AND_CLASS, false).column("y").ints();
        float[] h = oneHot.column("t").floats();
        for (int i = 0; i < 600; i++) {
            for (int k = 0; k < 3; k++) assertEquals(k == classes[i] ? 1f : 0f, h[3 * i + k]);
        }
    }

    @Test
    void toySetsCheckTheModelsInputs() {
        fails("moons", List.of(floats("x", 2)), "moons fills 2 inputs (the features, then the label), but the model has 1: x");
        fails("xor", List.of(floats("x", 3), ints("y")), "model input 'x' takes 3 values per sample");
        fails("spirals", List.of(floats("x", 2), floats("t", 1)), "3 classes");
        fails("moons", List.of(floats("x", 2), floats("t", 3)), "is float[3], but the labels index 2 classes");
        fails("moons", List.of(floats("x", 2), ints("t", 2)), "labels need an int input");
        fails("moons", List.of(ints("x", 2), ints("y")), "int input 'x': value");
    }

    @Test
    void randomDataIsStandardNormalAndDeterministic() {
        List<InputSpec> in = List.of(floats("x", 50), floats("y", 10));
        DataSet d = DataSources.load("random:64,50,10", in, false);
        assertEquals(64, d.size());
        assertArrayEquals(new int[] {64, 50}, d.column("x").shape());
        assertArrayEquals(new int[] {64, 10}, d.column("y").shape());
        float[] x = d.column("x").floats();
        double mean = 0, sq = 0;
        for (float v : x) {
            mean += v;
            sq += v * v;
        }
        mean /= x.length;
        assertEquals(0, mean, 0.05);
        assertEquals(1, sq / x.length - mean * mean, 0.05);
        assertArrayEquals(x, DataSources.load("random:64,50,10,1", in, false).column("x").floats(), "seed 1 is the default");
        assertFalse(Arrays.equals(x, DataSources.load("random:64,50,10", in, true).column("x").floats()), "the test split differs");
        assertFalse(Arrays.equals(x, DataSources.load("random:64,50,10,7", in, false).column("x").floats()), "seeds differ");
    }

    @Test
    void randomDataGivesClassIndicesToAnIntInput() {
        int[] y = DataSources.load("random:200,3,4", List.of(floats("x", 3), ints("y")), false).column("y").ints();
        assertEquals(200, y.length);
        assertTrue(Arrays.stream(y).allMatch(v -> v >= 0 && v < 4));
        assertEquals(4, Arrays.stream(y).distinct().count());
    }

    @Test
    void randomDataChecksItsSpecAndTheInputs() {
        List<InputSpec> in = List.of(floats("x", 3), floats("y", 2));
        fails("random:10,3", in, "expected random:N,D,OUT or random:N,D,OUT,SEED");
        fails("random:10,three,2", in, "'three' is not an integer");
        fails("random:0,3,2", in, "N, D and OUT must be positive integers, got 0");
        fails("random:10,4,2", in, "model input 'x' takes 3 values per sample (shape [3]), the data has 4");
        fails("random:10,3,5", in, "model input 'y' takes 2 values per sample (shape [2]), the data has 5");
        fails("random:10,3,2", List.of(floats("x", 3)), "fills 2 inputs");
    }

    @Test
    void unknownSpecListsTheAcceptedForms() {
        fails("mnist", POINTS_AND_CLASS, "unknown data source 'mnist'; accepted: FILE.safetensors, fashion-mnist");
        fails("data.txt", POINTS_AND_CLASS, "csv:FILE?label=COLUMN");
    }

    // ---- safetensors files

    private Path safetensors(LinkedHashMap<String, Tensor> m) {
        Path f = dir.resolve("data.safetensors");
        Safetensors.write(f, m);
        return f;
    }

    @Test
    void safetensorsColumnsAreNamedAfterInputsAndReshaped() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        float[] x = new float[4 * 6];
        for (int i = 0; i < x.length; i++) x[i] = i;
        m.put("extra", Tensor.of(new int[] {7}, new float[7]));
        m.put("x", Tensor.of(new int[] {4, 2, 3}, x));
        m.put("y", Tensor.of(new int[] {4}, new float[] {0, 1, 2, 3}));
        Path f = safetensors(m);
        List<InputSpec> inputs = List.of(floats("x", 6), ints("y"));
        for (boolean test : new boolean[] {false, true}) {
            DataSet d = DataSources.load(f.toString(), inputs, test);
            assertEquals(List.of("x", "y"), List.copyOf(d.columns().keySet()));
            assertArrayEquals(new int[] {4, 6}, d.column("x").shape());
            assertArrayEquals(x, d.column("x").floats());
            assertTrue(d.column("y").isInt());
            assertArrayEquals(new int[] {0, 1, 2, 3}, d.column("y").ints());
        }
        DataSet image = DataSources.load(f.toString(), List.of(floats("x", 1, 2, 3)), false);
        assertArrayEquals(new int[] {4, 1, 2, 3}, image.column("x").shape());
    }

    @Test
    void safetensorsMismatchesAreReported() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", Tensor.of(new int[] {4, 5}, new float[20]));
        m.put("y", Tensor.of(new int[] {4}, new float[] {0, 0.5f, 1, 1}));
        m.put("z", Tensor.of(new int[] {3}, new float[3]));
        m.put("s", Tensor.of(new int[] {}, new float[1]));
        String f = safetensors(m).toString();
        fails(f, List.of(floats("a", 5), floats("x", 5), floats("b")), f + ": no tensor for model inputs a, b; the file has: x, y, z, s");
        fails(f, List.of(floats("x", 6)), f + ": tensor 'x' has shape [4, 5], model input 'x' needs [n, 6]");
        fails(f, List.of(floats("s")), "tensor 's' has shape [], model input 's' needs [n]");
        fails(f, List.of(ints("y")), f + ": tensor 'y' for int input: value 0.5 at index 1 is not an integer");
        fails(f, List.of(floats("x", 5), floats("z")), f + ": columns differ in sample count: 'x' has 4, 'z' has 3");
    }

    @Test
    void safetensorsFixtureBindsToTheMlpInputs() {
        String shared = System.getProperty("netc.shared");
        Path f = shared == null ? null : Path.of(shared, "fixtures", "mlp.inputs.safetensors");
        org.junit.jupiter.api.Assumptions.assumeTrue(f != null && Files.isRegularFile(f));
        DataSet d = DataSources.load(f.toString(), List.of(floats("x", 10), ints("y")), false);
        assertEquals(5, d.size());
        assertArrayEquals(new int[] {5, 10}, d.column("x").shape());
        assertTrue(d.column("y").isInt());
        // a float input takes the I64 labels as floats
        assertFalse(DataSources.load(f.toString(), List.of(floats("y")), false).column("y").isInt());
    }

    // ---- CSV

    private Path csv(String text) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void csvWithHeaderAndNamedLabel() throws IOException {
        Path f = csv("\uFEFFa, \"label\" ,b\n1,0,2.5\n\n-3,1,4e1\r\n");
        DataSet d = DataSources.load("csv:" + f + "?label=label", List.of(floats("x", 2), ints("y")), false);
        assertArrayEquals(new float[] {1, 2.5f, -3, 40}, d.column("x").floats());
        assertArrayEquals(new int[] {0, 1}, d.column("y").ints());
        DataSet byIndex = DataSources.load("csv:" + f + "?label=1", List.of(floats("x", 2), ints("y")), true);
        assertArrayEquals(new int[] {0, 1}, byIndex.column("y").ints());
    }

    @Test
    void csvWithoutHeaderTakesTheLastColumnAsLabel() throws IOException {
        Path f = csv("1,2,3\n4,5,6\n7,8,9\n");
        DataSet d = DataSources.load("csv:" + f, List.of(floats("x", 2), floats("t", 1)), false);
        assertArrayEquals(new float[] {1, 2, 4, 5, 7, 8}, d.column("x").floats());
        assertArrayEquals(new float[] {3, 6, 9}, d.column("t").floats());
        DataSet one = DataSources.load("csv:" + f, List.of(floats("x", 3)), false);
        assertArrayEquals(new int[] {3, 3}, one.column("x").shape());
        DataSet first = DataSources.load("csv:" + f + "?label=0", List.of(floats("x", 2), floats("t")), false);
        assertArrayEquals(new float[] {2, 3, 5, 6, 8, 9}, first.column("x").floats());
        assertArrayEquals(new float[] {1, 4, 7}, first.column("t").floats());
    }

    @Test
    void csvFaultsNameTheFileAndLine() throws IOException {
        List<InputSpec> in = List.of(floats("x", 2), ints("y"));
        String f = csv("a,b,c\n1,2,3\n1,zwei,3\n").toString();
        fails("csv:" + f, in, f + ":3: column 1 ('b'): 'zwei' is not a finite number");
        f = csv("1,2,3\n1,2\n").toString();
        fails("csv:" + f, in, f + ":2: expected 3 columns, found 2");
        f = csv("1,2,3\n1,,3\n").toString();
        fails("csv:" + f, in, f + ":2: column 1: empty cell");
        f = csv("1,2,3\n1,2,NaN\n").toString();
        fails("csv:" + f, in, f + ":2: column 2: 'NaN' is not a finite number");
        f = csv("1,2,3\n1,2,1e40\n").toString();
        fails("csv:" + f, in, f + ":2:");
        f = csv("a,b\n\n").toString();
        fails("csv:" + f, in, f + ": no data rows");
        f = csv("a,b,c\n1,2,3\n").toString();
        fails("csv:" + f + "?label=d", in, f + ": no column 'd'; the header has: a, b, c");
        fails("csv:" + f + "?label=3", in, f + ": label column 3 is out of range");
        fails("csv:" + f + "?label=a", List.of(floats("x", 3)), "a label column needs a model with two inputs");
        fails("csv:" + f, List.of(floats("x", 3), ints("y")), "model input 'x' takes 3 values per sample (shape [3]), the data has 2");
        f = csv("1,2,0.5\n").toString();
        fails("csv:" + f, in, "label input 'y': value 0.5 at index 0 is not an integer");
        fails("csv:" + dir.resolve("missing.csv"), in, "missing.csv: cannot read CSV file: no such file or directory");
        fails("csv:", in, "expected csv:FILE");
    }

    @Test
    void csvFuzzingGivesOnlyUserErrors() throws IOException {
        byte[] good = "x1,x2,label\n0.5,1,0\n-2,3e-2,1\n4,5,2\n".getBytes(StandardCharsets.UTF_8);
        Random r = new Random(3);
        Path f = dir.resolve("fuzz.csv");
        List<InputSpec> in = List.of(floats("x", 2), floats("t", 3));
        for (int i = 0; i < 500; i++) {
            byte[] b = Arrays.copyOf(good, r.nextInt(good.length + 1));
            for (int k = r.nextInt(3); k > 0 && b.length > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            Files.write(f, b);
            try {
                DataSources.load("csv:" + f, in, false);
            } catch (UserError e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            } catch (Throwable t) {
                fail("not a UserError: " + t, t);
            }
        }
    }
    @Test
    void theFileOfASourceAndTheSourceWithAnotherFile() {
        assertEquals("a/b.csv", DataSources.fileOf("csv:a/b.csv?label=y"));
        assertEquals("csv:/x/b.csv?label=y", DataSources.withFile("csv:a/b.csv?label=y", "/x/b.csv"));
        assertEquals("t.txt", DataSources.fileOf("text:t.txt"));
        assertEquals("dir", DataSources.fileOf("fashion-mnist:dir"));
        assertEquals("w.safetensors", DataSources.fileOf("w.safetensors"));
        assertEquals("/d/w.safetensors", DataSources.withFile("w.safetensors", "/d/w.safetensors"));
        for (String builtIn : new String[] {"xor", "fashion-mnist", "random:64,2,3"}) assertEquals(null, DataSources.fileOf(builtIn), builtIn);
    }
}
