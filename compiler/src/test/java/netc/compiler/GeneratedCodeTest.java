package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import netc.runtime.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc compile} writes source that javac compiles against the runtime jar alone, and the compiled class
 * computes what the in-memory (Janino) class computes.
 */
class GeneratedCodeTest {
    @TempDir
    Path tmp;

    @Test
    void compiledSourceBuildsWithJavacAgainstTheRuntimeJarAndRuns() throws Exception {
        Path runtimeJar = Path.of(System.getProperty("netc.runtimeJar", "../runtime/target/netc-runtime-0.1.0-SNAPSHOT.jar"));
        assumeTrue(Files.exists(runtimeJar), "runtime jar not built: " + runtimeJar);
        Path src = tmp.resolve("src"), classes = tmp.resolve("classes");
        Cli r = Cli.run("compile", "../models/fashion_mlp.net", "-o", src, "--package", "demo.models");
        assertEquals(0, r.status(), r.err());
        Path java = src.resolve("demo/models/FashionMLP.java");
        assertTrue(Files.exists(java), r.out());
        String text = Files.readString(java);
        assertTrue(text.contains("// fashion_mlp.net:14: h1     = relu(x @ W1 + b1)"), "statements carry their .net line");

        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "-classpath", runtimeJar.toString(), "-d", classes.toString(), "--release", "17", java.toString());
        assertEquals(0, rc, diag.toString());

        // load it beside the runtime jar only, not this test's class path
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL(), runtimeJar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Object compiled = loader.loadClass("demo.models.FashionMLP").getDeclaredConstructor().newInstance();
            Model inMemory = NetCompiler.compile(Path.of("../models/fashion_mlp.net")).newModel();
            float[] javacOut = run(compiled, loader), janinoOut = run(inMemory, Model.class.getClassLoader());
            assertEquals(3 * 10, javacOut.length);
            assertArrayEquals(janinoOut, javacOut, 0f);
            float sum = 0;
            for (int i = 0; i < 10; i++) sum += javacOut[i];
            assertEquals(1f, sum, 1e-5f, "softmax rows sum to 1");

            // the typed API: one image in, its ten probabilities out
            float[] image = new float[784];
            for (int i = 0; i < 784; i++) image[i] = ((784 + i) * 37 % 255) / 255f;
            float[] probs = (float[]) compiled.getClass().getMethod("predict", float[].class).invoke(compiled, (Object) image);
            assertArrayEquals(Arrays.copyOfRange(javacOut, 10, 20), probs, 1e-6f, "predict(x) is the second row of the batch");
        }
    }

    /** Initialises with seed 3, feeds 3 fixed images, returns the probabilities, through the model's own class loader. */
    private static float[] run(Object model, ClassLoader loader) throws Exception {
        Class<?> base = loader.loadClass("netc.runtime.Model");
        base.getMethod("initParams", long.class).invoke(model, 3L);
        base.getMethod("setBatch", int.class).invoke(model, 3);
        float[] x = (float[]) base.getMethod("inputBuffer", String.class).invoke(model, "x");
        for (int i = 0; i < 3 * 784; i++) x[i] = (i * 37 % 255) / 255f;
        base.getMethod("forwardOutputs").invoke(model);
        return java.util.Arrays.copyOf((float[]) base.getMethod("outputBuffer", String.class).invoke(model, "probs"), 30);
    }
}
