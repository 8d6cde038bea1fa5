package netc.compiler.cli;

import com.squareup.javapoet.JavaFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.lang.model.SourceVersion;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Graph;
import netc.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "compile", description = "Write the generated Java source of a model; it compiles with javac against the runtime jar alone.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "source root to write into")
    Path dir;

    @Option(names = "--package", paramLabel = "P", defaultValue = "netc.models", description = "Java package (default: ${DEFAULT-VALUE})")
    String pkg;

    @Option(names = "--stats", description = "print what the optimiser did: kernels before and after fusion, fusion groups, in-place decisions, planned memory")
    boolean stats;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!SourceVersion.isName(pkg)) throw new UserError("--package: '" + pkg + "' is not a Java package name");
        Common.outputDirectory(dir, "-o");
        Graph forward = NetCompiler.parse(Common.existingFile(model, "model file"));
        Graph g = NetCompiler.trainingGraph(forward, false);
        if (stats) Stats.print(spec.commandLine().getOut(), netc.compiler.autodiff.Autodiff.differentiate(forward), g);
        JavaFile java = NetCompiler.source(g, pkg);
        Path written = java.writeToPath(dir);
        spec.commandLine().getOut().println("wrote " + written);
        return 0;
    }
}
