package netc.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import netc.runtime.InputSpec;
import netc.runtime.Tensor;
import netc.runtime.data.DataSet;
import netc.runtime.data.DataSources;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the CSV source: byte 0 of the input picks a model's inputs and a label column, the rest is the file. Any
 * file loads into columns of the model's shapes with finite values, or is refused with a one-line UserError naming
 * the file.
 */
class CsvFuzzTest {
    @TempDir
    static Path dir;

    private static InputSpec floats(String name, int... shape) {
        return new InputSpec(name, false, shape);
    }

    /** Models the source is loaded for, with the label column ("" for the default). */
    private record Target(List<InputSpec> inputs, String label) {
    }

    private static final List<Target> TARGETS = List.of(
            new Target(List.of(floats("x", 2), new InputSpec("y", true, new int[0])), ""),
            new Target(List.of(floats("x", 2), floats("t", 1)), "?label=0"),
            new Target(List.of(floats("x", 2), floats("t", 3)), "?label=label"),
            new Target(List.of(floats("x", 3)), ""),
            new Target(List.of(floats("x", 1, 2), new InputSpec("y", true, new int[] {1})), "?label=2"));

    static Stream<Named<byte[]>> seeds() {
        return Stream.of(
                Named.of("header and label", csv(0, "x1,x2,label\n0.5,1,0\n-2,3e-2,1\n4,5,2\n")),
                Named.of("quoted cells, CRLF", csv(1, "\"a\",\"b\",\"c\"\r\n1,\"2\",3\r\n\r\n4,5,6\r\n")),
                Named.of("named label", csv(2, "u,label,v\n1,2,3\n.5,0,-7\n")),
                Named.of("one input", csv(3, "\uFEFF1,2,3\n4,5,6\n")),
                Named.of("label by index", csv(4, "1,2,1\n3,4,0\n")),
                // a finding: a quoted header cell with a line break named in the message of a bad cell
                Named.of("line break in a header cell", csv(0, "\"1\n2\",b,c\n1,2,3\n\u0000x,5,6\n")),
                Named.of("line break in a missing label's header", csv(2, "\"a\nb\",c,d\n1,2,3\n")));
    }

    private static byte[] csv(int target, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 1];
        b[0] = (byte) target;
        System.arraycopy(t, 0, b, 1, t.length);
        return b;
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void anyCsvFileIsLoadedOrRefusedWithAUserError(byte[] input) throws IOException {
        Target target = TARGETS.get(input.length == 0 ? 0 : Math.floorMod(input[0], TARGETS.size()));
        Path f = dir.resolve("fuzz.csv");
        Files.write(f, Arrays.copyOfRange(input, Math.min(1, input.length), input.length));
        DataSet set = Faults.readOrRefuse(f, () -> DataSources.load("csv:" + f + target.label(), target.inputs(), false));
        if (set == null) return;
        assertTrue(set.size() > 0, "a loaded file has rows");
        for (InputSpec in : target.inputs()) {
            Tensor t = set.column(in.name());
            assertEquals(set.size(), t.dim(0), in.name());
            assertEquals((long) set.size() * in.sampleSize(), t.size(), in.name());
            if (!t.isInt()) for (float v : t.floats()) assertTrue(Float.isFinite(v), in.name() + " holds " + v);
        }
    }
}
