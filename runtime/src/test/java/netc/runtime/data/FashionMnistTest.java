package netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import netc.runtime.InputSpec;
import netc.runtime.UserError;

class FashionMnistTest {
    private static final Path DIR = Path.of(FashionMnist.DEFAULT_DIR);
    private static final List<InputSpec> FLAT = List.of(new InputSpec("x", false, new int[] {784}),
            new InputSpec("y", true, new int[] {}));

    private static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz")), "fashion-mnist not installed");
    }

    @Test
    void loadsTrainingAndTestSplits() {
        assumeInstalled();
        for (boolean test : new boolean[] {false, true}) {
            DataSet d = DataSources.load("fashion-mnist", FLAT, test);
            int n = test ? 10_000 : 60_000;
            assertEquals(n, d.size());
            assertArrayEquals(new int[] {n, 784}, d.column("x").shape());
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : d.column("x").floats()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
            int[] count = new int[10];
            for (int y : d.column("y").ints()) count[y]++;
            for (int c : count) assertEquals(n / 10, c);  // Fashion-MNIST is balanced
        }
    }

    @Test
    void reshapesImagesAndOneHotsLabels() {
        assumeInstalled();
        List<InputSpec> inputs = List.of(new InputSpec("img", false, new int[] {1, 28, 28}),
                new InputSpec("t", false, new int[] {10}));
        DataSet d = DataSources.load("fashion-mnist:" + DIR, inputs, true);
        assertArrayEquals(new int[] {10_000, 1, 28, 28}, d.column("img").shape());
        assertArrayEquals(new int[] {10_000, 10}, d.column("t").shape());
        int[] labels = DataSources.load("fashion-mnist", FLAT, true).column("y").ints();
        float[] oneHot = d.column("t").floats();
        for (int i = 0; i < 100; i++) assertEquals(1f, oneHot[10 * i + labels[i]]);
        // the labels file is a plain IDX file too
        assertArrayEquals(labels, Idx.read(DIR.resolve("t10k-labels-idx1-ubyte.gz")).ints());
    }

    @Test
    void missingFilesSayHowToGetThem(@TempDir Path empty) {
        UserError e = assertThrows(UserError.class, () -> DataSources.load("fashion-mnist:" + empty, FLAT, false));
        assertEquals("fashion-mnist: " + empty.resolve("train-images-idx3-ubyte.gz") + " not found; install Debian's"
                + " dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data fashion-mnist:DIR",
                e.getMessage());
    }

    @Test
    void needsTwoInputsOfTheRightSize() {
        UserError e = assertThrows(UserError.class, () -> DataSources.load("fashion-mnist", FLAT.subList(0, 1), false));
        assertTrue(e.getMessage().startsWith("fashion-mnist fills 2 inputs"), e.getMessage());
        assumeInstalled();
        List<InputSpec> wrong = List.of(new InputSpec("x", false, new int[] {28, 27}), FLAT.get(1));
        e = assertThrows(UserError.class, () -> DataSources.load("fashion-mnist", wrong, true));
        assertTrue(e.getMessage().contains("takes 756 values per sample"), e.getMessage());
    }
}
