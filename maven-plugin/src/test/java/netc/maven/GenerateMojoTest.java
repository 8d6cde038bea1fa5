package netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import netc.compiler.NetCompiler;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate goal on a project in a temporary directory: output, incremental runs, and located errors. */
class GenerateMojoTest {
    static final Path MODELS = Path.of("../models");

    @TempDir
    Path dir;
    Path src, out, state;

    @BeforeEach
    void project() throws IOException {
        src = dir.resolve("src/main/net");
        out = dir.resolve("target/generated-sources/netc");
        state = dir.resolve("target/netc-maven-plugin");
        Files.createDirectories(src.resolve("toy"));
        Files.copy(MODELS.resolve("xor_mlp.net"), src.resolve("toy/xor_mlp.net"));
        Files.copy(MODELS.resolve("fashion_mlp.net"), src.resolve("fashion_mlp.net"));
    }

    GenerateMojo mojo(String pkg) {
        GenerateMojo m = new GenerateMojo();
        m.sourceDirectory = src.toFile();
        m.outputDirectory = out.toFile();
        m.stateDirectory = state.toFile();
        m.packageName = pkg;
        m.project = new MavenProject();
        return m;
    }

    NetSources.Outcome run(String pkg, long toolModified) throws IOException {
        return new NetSources(src, out, state, pkg, toolModified).generate();
    }

    @Test
    void writesWhatNetcCompileWritesAndAddsTheSourceRoot() throws Exception {
        GenerateMojo m = mojo("demo.nets");
        m.execute();
        assertEquals(List.of(out.toString()), m.project.getCompileSourceRoots());
        Path xor = out.resolve("demo/nets/XorMLP.java"), fashion = out.resolve("demo/nets/FashionMLP.java");
        String expected = NetCompiler.source(NetCompiler.trainingGraph(NetCompiler.parse(src.resolve("toy/xor_mlp.net")), false), "demo.nets").toString();
        assertEquals(expected, Files.readString(xor));
        assertTrue(Files.readString(fashion).contains("public final class FashionMLP extends Model"));
        try (var files = Files.walk(out)) {
            assertEquals(2, files.filter(Files::isRegularFile).count(), "two models, two classes");
        }
    }

    @Test
    void skipsModelsWhoseSourceIsNewerThanTheModelAndTheCompiler() throws Exception {
        NetSources.Outcome first = run("demo", 0);
        assertEquals(2, first.written().size());
        Path xor = out.resolve("demo/XorMLP.java"), fashion = out.resolve("demo/FashionMLP.java");
        long t = Files.getLastModifiedTime(src.resolve("fashion_mlp.net")).toMillis();
        Files.setLastModifiedTime(xor, FileTime.fromMillis(t + 10_000));
        Files.setLastModifiedTime(fashion, FileTime.fromMillis(t + 10_000));

        NetSources.Outcome second = run("demo", 0);
        assertEquals(List.of(), second.written());
        assertEquals(2, second.upToDate().size());
        assertEquals(t + 10_000, Files.getLastModifiedTime(xor).toMillis(), "an up-to-date source is not rewritten");

        // an edited model is regenerated, the other is not
        Files.setLastModifiedTime(src.resolve("toy/xor_mlp.net"), FileTime.fromMillis(t + 20_000));
        NetSources.Outcome third = run("demo", 0);
        assertEquals(List.of(xor), third.written());
        assertEquals(List.of(src.resolve("fashion_mlp.net")), third.upToDate());

        // a newer compiler regenerates everything
        assertEquals(2, run("demo", System.currentTimeMillis() + 60_000).written().size());
    }

    @Test
    void anotherPackageOrARemovedModelLeavesNoStaleSource() throws Exception {
        run("one", 0);
        assertTrue(Files.exists(out.resolve("one/XorMLP.java")));
        NetSources.Outcome moved = run("two", 0);
        assertEquals(2, moved.written().size());
        assertFalse(Files.exists(out.resolve("one/XorMLP.java")), "the old package's source is deleted");
        assertTrue(Files.exists(out.resolve("two/XorMLP.java")));

        Files.delete(src.resolve("toy/xor_mlp.net"));
        run("two", 0);
        assertFalse(Files.exists(out.resolve("two/XorMLP.java")), "a removed model's source is deleted");
        assertTrue(Files.exists(out.resolve("two/FashionMLP.java")));
    }

    @Test
    void modelErrorsFailTheBuildAtTheNetFileAndLine() throws Exception {
        Path bad = src.resolve("bad.net");
        Files.writeString(bad, "model Bad {\n  input x: float[batch, 2]\n  output y = x @ W\n}\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> mojo("demo").execute());
        assertEquals("netc: 1 model has errors:\n" + bad + ":3:18: error: unknown name 'W' (did you mean 'x'?)\n"
                + "      output y = x @ W\n"
                + "                     ^", e.getMessage());
        assertTrue(Files.exists(out.resolve("demo/XorMLP.java")), "the good models are still written");

        Files.writeString(src.resolve("toy/again.net"), Files.readString(MODELS.resolve("xor_mlp.net")));
        e = assertThrows(MojoFailureException.class, () -> mojo("demo").execute());
        assertTrue(e.getMessage().startsWith("netc: 2 models have errors:\n" + bad + ":3:18: error: unknown name 'W'"), e.getMessage());
        assertTrue(e.getMessage().endsWith(src.resolve("toy/xor_mlp.net") + ": model XorMLP is already defined by "
                + src.resolve("toy/again.net") + "; model names must differ"), e.getMessage());

        Files.delete(bad);
        Files.delete(src.resolve("toy/again.net"));
        mojo("demo").execute();
        assertTrue(Files.exists(out.resolve("demo/XorMLP.java")), "the class of the remaining XorMLP is kept");
    }

    @Test
    void aBadPackageOrNoModelDirectory() throws Exception {
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> mojo("demo.2x").execute());
        assertEquals("netc: package 'demo.2x' is not a Java package name", e.getMessage());

        GenerateMojo none = mojo("demo");
        none.sourceDirectory = dir.resolve("nothing").toFile();
        none.execute();
        assertFalse(Files.exists(out));
    }
}
