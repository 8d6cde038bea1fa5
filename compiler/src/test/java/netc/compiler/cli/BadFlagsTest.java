package netc.compiler.cli;

import static netc.compiler.cli.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import netc.compiler.Cli;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Options out of range and data sources, outputs and modes that cannot work, for every command: one line naming the
 * option or source, exit status 1, and nothing done (no output, no file written). The train flags that
 * ErrorMessagesTest already covers (--epochs 0, --batch 0, --lr 0, --threads 0, malformed numbers) are not repeated.
 */
class BadFlagsTest {
    @TempDir
    static Path tmp;

    static final String XOR = "../models/xor_mlp.net", CHAR = "../models/char_lstm.net";

    /** A command line (with DIR for a directory, MISSING for a file in a directory that does not exist) and the message. */
    static Stream<Arguments> flags() {
        return Stream.of(
                Arguments.of("train " + XOR + " --lr NaN", "--lr must be a positive number, got NaN"),
                Arguments.of("train " + XOR + " --lr Infinity", "--lr must be a positive number, got Infinity"),
                Arguments.of("train " + XOR + " --clip-norm 0", "--clip-norm must be a positive number, got 0.0"),
                Arguments.of("train " + XOR + " --clip-norm NaN", "--clip-norm must be a positive number, got NaN"),
                Arguments.of("train " + XOR + " --checkpoint-every 0", "--checkpoint-every must be at least 1, got 0"),
                Arguments.of("train " + XOR + " --checkpoint-every -1", "--checkpoint-every must be at least 1, got -1"),
                Arguments.of("train " + XOR + " --data nope", "unknown data source 'nope'; accepted: FILE.safetensors, fashion-mnist"),
                Arguments.of("train " + XOR + " --test spirl", "unknown data source 'spirl'"),
                Arguments.of("train " + XOR + " --data csv:", "data source 'csv:': expected csv:FILE or csv:FILE?label=COLUMN"),
                Arguments.of("train " + XOR + " --data random:0,2,1", "data source 'random:0,2,1': N, D and OUT must be positive integers, got 0"),
                Arguments.of("train " + XOR + " --data fashion-mnist:", "data source 'fashion-mnist:': expected fashion-mnist or fashion-mnist:"),
                Arguments.of("train " + XOR + " --save MISSING", "--save: directory DIR/missing does not exist"),
                Arguments.of("train " + XOR + " --save DIR", "--save: DIR is a directory, expected a file name"),
                Arguments.of("train " + XOR + " --checkpoint DIR --checkpoint-every 1", "--checkpoint: DIR is a directory, expected a file name"),
                Arguments.of("train " + XOR + " --checkpoint MISSING --resume", "--checkpoint: directory DIR/missing does not exist"),
                Arguments.of("train " + XOR + " --checkpoint DIR/none.safetensors --resume", "DIR/none.safetensors: no checkpoint to resume from"),
                Arguments.of("train " + XOR + " --resume --init DIR/w.safetensors", "--resume and --init both set the starting weights; use one"),
                Arguments.of("train " + XOR + " --init DIR/w.safetensors", "DIR/w.safetensors: no such weights file"),
                Arguments.of("run " + XOR + " --inputs DIR/in.safetensors --out DIR", "--out: DIR is a directory, expected a file name"),
                Arguments.of("run " + XOR + " --inputs DIR/in.safetensors --out MISSING", "--out: directory DIR/missing does not exist"),
                Arguments.of("run " + XOR + " --inputs DIR/in.safetensors --out DIR/o.safetensors", "DIR/in.safetensors: no such inputs file"),
                Arguments.of("sample " + CHAR + " --weights DIR/w.safetensors --length -1", "--length must be between 0 and 1000000, got -1"),
                Arguments.of("sample " + CHAR + " --weights DIR/w.safetensors --temperature -0.5", "--temperature must be in [0, 10], got -0.5"),
                Arguments.of("sample " + CHAR + " --weights DIR/w.safetensors --temperature NaN", "--temperature must be in [0, 10], got NaN"),
                Arguments.of("sample " + XOR + " --weights DIR/w.safetensors", "sample needs a character model"),
                Arguments.of("bench " + XOR + " --threads 0", "--threads must be between 1 and 1024, got 0"),
                Arguments.of("bench " + XOR + " --batch 0", "--batch must be at least 1, got 0"),
                Arguments.of("bench " + XOR + " --seconds 0", "--seconds must be in (0, 600], got 0.0"),
                Arguments.of("bench " + XOR + " --seconds NaN", "--seconds must be in (0, 600], got NaN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("flags")
    void refusedBeforeAnythingIsDone(String line, String message) throws IOException {
        String dir = tmp.toString();
        List<String> args = new ArrayList<>();
        for (String a : line.split(" ")) args.add(a.replace("MISSING", dir + "/missing/w.safetensors").replace("DIR", dir));
        List<Path> before;
        try (Stream<Path> s = Files.list(tmp)) {
            before = s.sorted().toList();
        }
        Cli r = Cli.run(args.toArray());
        assertRefused(r, message.replace("DIR", dir));
        assertEquals("", r.out(), "nothing done");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(before, s.sorted().toList(), "no file written");
        }
    }
}
