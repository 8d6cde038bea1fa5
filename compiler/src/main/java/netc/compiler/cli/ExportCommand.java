package netc.compiler.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Graph;
import netc.compiler.onnx.OnnxExporter;
import netc.runtime.Model;
import netc.runtime.io.AtomicFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code netc export MODEL.net -o OUT.onnx --weights W}: the model's inference graph and weights as ONNX (see
 * {@link OnnxExporter}), so that a model trained by netc runs in other runtimes; written as {@link AtomicFile} writes.
 */
@Command(mixinStandardHelpOptions = true, name = "export",
        description = "Write a model's inference graph and weights as an ONNX file, for other runtimes.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "the ONNX file to write")
    Path out;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "the parameters (default: initialised from --seed)")
    Path weights;

    @Option(names = "--seed", paramLabel = "N", description = "seed of the initialisation without --weights (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Common.outputFile(out, "-o");
        Path src = Common.existingFile(model, "model file");
        Graph forward = NetCompiler.parse(src);
        Model m = NetCompiler.compile(src).newModel();
        if (weights != null) m.loadWeights(Common.existingFile(weights, "weights file"));
        else m.initParams(seed);
        byte[] onnx = OnnxExporter.export(forward, m.state(), "0.1.0");
        AtomicFile.write(out, onnx);
        spec.commandLine().getOut().printf("wrote %s (model %s, ONNX opset %d, %,d bytes)%n", out, forward.name(), OnnxExporter.OPSET, onnx.length);
        return 0;
    }
}
