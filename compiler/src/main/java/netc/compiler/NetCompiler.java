package netc.compiler;

import com.squareup.javapoet.JavaFile;
import java.nio.file.Path;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.codegen.InMemoryCompiler;
import netc.compiler.codegen.JavaGenerator;
import netc.compiler.frontend.ModelBuilder;
import netc.compiler.frontend.SourceText;
import netc.compiler.ir.Graph;
import netc.compiler.passes.Pipeline;
import netc.runtime.Model;

/**
 * The pipeline from {@code .net} text to a loaded model class: front end, symbolic differentiation,
 * optimisation passes, Java generation, in-memory compilation.
 */
public final class NetCompiler {
    /** In-memory classes go to this package. */
    public static final String PACKAGE = "netc.generated";

    private NetCompiler() {
    }

    /** The result of compiling a model: its graphs, the generated source and the loaded class. */
    public record Compiled(Graph forward, Graph graph, JavaFile java, Class<? extends Model> modelClass, long compileNanos) {
        public Model newModel() {
            try {
                return modelClass.getDeclaredConstructor().newInstance();
            } catch (java.lang.reflect.InvocationTargetException e) {
                // the constructor's own failure, such as OutOfMemoryError for parameters larger than the heap
                if (e.getCause() instanceof Error err) throw err;
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException("cannot instantiate " + modelClass.getName(), e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot instantiate " + modelClass.getName(), e);
            }
        }

        public double compileMillis() {
            return compileNanos / 1e6;
        }
    }

    /** Parses and type-checks a model file into its forward graph. */
    public static Graph parse(Path file) {
        return ModelBuilder.build(SourceText.read(file));
    }

    public static Graph parse(String fileName, String text) {
        return ModelBuilder.build(SourceText.of(fileName, text));
    }

    /** The forward graph with the loss's gradients, optimised; the gradients are built from the stable forms. */
    public static Graph trainingGraph(Graph forward, boolean verify) {
        return Pipeline.optimize(Autodiff.differentiate(Pipeline.beforeDifferentiation(forward, verify)), verify);
    }

    public static JavaFile generate(Graph graph, JavaGenerator.Options options) {
        return JavaGenerator.generate(graph, options);
    }

    /**
     * The Java source of a model that {@code netc compile} and the Maven plugin write: the class named after the
     * model, in package {@code pkg}, from its training graph.
     */
    public static JavaFile source(Graph trainingGraph, String pkg) {
        return generate(trainingGraph, JavaGenerator.Options.of(pkg, JavaGenerator.className(trainingGraph.name())));
    }

    /** Compiles a model through every stage and loads its class; {@code elemType} is float, or double for checks. */
    public static Compiled compile(String fileName, String text, String elemType) {
        long t0 = System.nanoTime();
        Graph forward = parse(fileName, text);
        return finish(forward, elemType, false, t0);
    }

    public static Compiled compile(Path file) {
        long t0 = System.nanoTime();
        return finish(parse(file), "float", false, t0);
    }

    /**
     * Compiles a model whose steps time each kernel ({@link Model#kernelTimes()}), for {@code netc bench --profile}:
     * the same kernels, with the clock read between them.
     */
    public static Compiled compileTimed(String fileName, String text) {
        long t0 = System.nanoTime();
        return finish(parse(fileName, text), "float", true, t0);
    }

    private static Compiled finish(Graph forward, String elemType, boolean timed, long t0) {
        Graph g = trainingGraph(forward, false);
        String cls = JavaGenerator.className(forward.name());
        JavaFile java = generate(g, new JavaGenerator.Options(PACKAGE, cls, elemType, timed));
        Class<?> c = InMemoryCompiler.load(PACKAGE + "." + cls, java.toString());
        return new Compiled(forward, g, java, c.asSubclass(Model.class), System.nanoTime() - t0);
    }
}
