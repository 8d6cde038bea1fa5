package netc.compiler.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.onnx.OnnxImporter;
import netc.runtime.UserError;
import netc.runtime.io.AtomicFile;
import netc.runtime.io.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code netc import MODEL.onnx -o OUT.net}: an ONNX model as a {@code .net} model and its weights (see
 * {@link OnnxImporter}). The result is compiled and the weights loaded into it before anything is written; then the
 * weights and the model are each written beside their targets and moved over them, so a failure leaves no torn file.
 */
@Command(mixinStandardHelpOptions = true, name = "import",
        description = "Import an ONNX model: write it as a readable .net model and its weights as safetensors.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path in;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.net", description = "the .net model to write")
    Path out;

    @Option(names = "--weights", paramLabel = "OUT.safetensors", description = "the weights to write (default: OUT.safetensors beside OUT.net)")
    Path weights;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Common.existingFile(in, "ONNX model");
        if (!out.getFileName().toString().endsWith(".net")) throw new UserError("-o " + out + ": the model's file name must end in .net");
        Path w = weights != null ? weights : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.net$", ".safetensors"));
        OnnxImporter.Result r = OnnxImporter.importFile(in);
        NetCompiler.Compiled c;
        try {
            c = NetCompiler.compile(out.toString(), r.source(), "float");
            c.newModel().loadState(r.weights(), w.toString());
        } catch (UserError e) {
            // the importer wrote something netc refuses: a bug of the importer, not of the file
            throw new IllegalStateException("the import of " + in + " does not compile: " + e.getMessage() + "\n" + r.source());
        }
        Safetensors.write(w, r.weights());
        AtomicFile.write(out, r.source().getBytes(StandardCharsets.UTF_8));
        spec.commandLine().getOut().printf("wrote %s (model %s, %d statements) and %s (%d tensors)%n", out, r.name(),
                r.source().lines().filter(l -> l.startsWith("  ")).count(), w, r.weights().size());
        return 0;
    }
}
