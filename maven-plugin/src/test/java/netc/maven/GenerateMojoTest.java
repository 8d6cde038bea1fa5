package netc.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import netc.compiler.NetCompiler;
import netc.compiler.onnx.OnnxImporter;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate goal on a project in a temporary directory: output, incremental runs, and located errors. */
class GenerateMojoTest {
    static final Path MODELS = Path.of("../models"), ONNX = Path.of("../compiler/src/test/resources/onnx");

    @TempDir
    Path dir;
    Path src, onnx, out, res, state;

    @BeforeEach
    void project() throws IOException {
        src = dir.resolve("src/main/net");
        onnx = dir.resolve("src/main/onnx");
        out = dir.resolve("target/generated-sources/netc");
        res = dir.resolve("target/generated-resources/netc");
        state = dir.resolve("target/netc-maven-plugin");
        Files.createDirectories(src.resolve("toy"));
        Files.copy(MODELS.resolve("xor_mlp.net"), src.resolve("toy/xor_mlp.net"));
        Files.copy(MODELS.resolve("fashion_mlp.net"), src.resolve("fashion_mlp.net"));
    }

    GenerateMojo mojo(String pkg) {
        GenerateMojo m = new GenerateMojo();
        m.sourceDirectory = src.toFile();
        m.onnxDirectory = onnx.toFile();
        m.outputDirectory = out.toFile();
        m.resourceDirectory = res.toFile();
        m.stateDirectory = state.toFile();
        m.packageName = pkg;
        m.project = new MavenProject();
        return m;
    }

    ModelSources.Outcome run(String pkg, long toolModified) throws IOException {
        return new ModelSources(Map.of(ModelSources.Kind.NET, src), out, res, state, pkg, toolModified).generate();
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
        ModelSources.Outcome first = run("demo", 0);
        assertEquals(2, first.written().size());
        Path xor = out.resolve("demo/XorMLP.java"), fashion = out.resolve("demo/FashionMLP.java");
        long t = Files.getLastModifiedTime(src.resolve("fashion_mlp.net")).toMillis();
        Files.setLastModifiedTime(xor, FileTime.fromMillis(t + 10_000));
        Files.setLastModifiedTime(fashion, FileTime.fromMillis(t + 10_000));

        ModelSources.Outcome second = run("demo", 0);
        assertEquals(List.of(), second.written());
        assertEquals(2, second.upToDate().size());
        assertEquals(t + 10_000, Files.getLastModifiedTime(xor).toMillis(), "an up-to-date source is not rewritten");

        // an edited model is regenerated, the other is not
        Files.setLastModifiedTime(src.resolve("toy/xor_mlp.net"), FileTime.fromMillis(t + 20_000));
        ModelSources.Outcome third = run("demo", 0);
        assertEquals(List.of(xor), third.written());
        assertEquals(List.of(src.resolve("fashion_mlp.net")), third.upToDate());

        // a newer compiler regenerates everything
        assertEquals(2, run("demo", System.currentTimeMillis() + 60_000).written().size());
    }

    @Test
    void anotherPackageOrARemovedModelLeavesNoStaleSource() throws Exception {
        run("one", 0);
        assertTrue(Files.exists(out.resolve("one/XorMLP.java")));
        ModelSources.Outcome moved = run("two", 0);
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
    @Test
    void importsOnnxModelsWithTheirWeightsAsResources() throws Exception {
        Files.createDirectories(onnx);
        Files.copy(ONNX.resolve("mlp.onnx"), onnx.resolve("mlp.onnx"));
        GenerateMojo m = mojo("demo");
        m.execute();
        assertEquals(List.of(res.toString()), m.project.getResources().stream().map(r -> r.getDirectory()).toList());
        OnnxImporter.Result imported = OnnxImporter.importFile(onnx.resolve("mlp.onnx"));
        Path java = out.resolve("demo/Mlp.java"), net = res.resolve("demo/Mlp.net"), weights = res.resolve("demo/Mlp.safetensors");
        assertEquals(imported.source(), Files.readString(net), "the .net text netc import writes");
        assertEquals(NetCompiler.source(NetCompiler.trainingGraph(NetCompiler.parse("Mlp.net", imported.source()), false), "demo").toString(),
                Files.readString(java));
        // the weights load into the model and give the outputs PyTorch recorded
        Model model = NetCompiler.compile("Mlp.net", imported.source(), "float").newModel();
        model.loadWeights(Files.newInputStream(weights), "Mlp.safetensors");
        Map<String, Tensor> expect = Safetensors.read(ONNX.resolve("mlp.expect.safetensors"));
        Tensor probs = model.predict(Safetensors.read(ONNX.resolve("mlp.inputs.safetensors"))).get("probs");
        assertArrayEquals(expect.get("probs").floats(), probs.floats(), 1e-5f);

        // up to date on the next run; a removed ONNX file takes its class and resources with it
        assertEquals(List.of(), run2("demo").written());
        Files.delete(onnx.resolve("mlp.onnx"));
        mojo("demo").execute();
        for (Path p : List.of(java, net, weights)) assertFalse(Files.exists(p), p + " is deleted with its model");
        assertTrue(Files.exists(out.resolve("demo/XorMLP.java")));
    }

    @Test
    void aBrokenOnnxFileFailsTheBuildInOneLine() throws Exception {
        Files.createDirectories(onnx);
        byte[] bytes = Files.readAllBytes(ONNX.resolve("mlp.onnx"));
        Files.write(onnx.resolve("cut.onnx"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> mojo("demo").execute());
        assertTrue(e.getMessage().startsWith("netc: 1 model has errors:\n" + onnx.resolve("cut.onnx") + ": "), e.getMessage());
        assertEquals(2, e.getMessage().lines().count(), e.getMessage());
        assertTrue(Files.exists(out.resolve("demo/XorMLP.java")), "the good models are still written");
    }

    ModelSources.Outcome run2(String pkg) throws IOException {
        return new ModelSources(Map.of(ModelSources.Kind.NET, src, ModelSources.Kind.ONNX, onnx), out, res, state, pkg, 0).generate();
    }
}
