package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "run", description = "One forward pass: write every output, the loss and (with --grads) the loss's gradient per parameter.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "parameters (default: initialised with --seed)")
    Path weights;

    @Option(names = "--inputs", required = true, paramLabel = "IN.safetensors", description = "tensors named after the model's inputs")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "where the outputs (and loss, gradients) go")
    Path out;

    @Option(names = "--grads", description = "also write grad.<param> for every parameter")
    boolean grads;

    @Option(names = "--train-mode", description = "run in training mode (dropout on)")
    boolean trainMode;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "seeds initialisation without --weights, and dropout with --train-mode (default: ${DEFAULT-VALUE})")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Common.outputFile(out, "--out");
        NetCompiler.Compiled c = NetCompiler.compile(Common.existingFile(model, "model file"));
        Map<String, Tensor> in = Safetensors.read(Common.existingFile(inputs, "inputs file"));
        Common.requireFinite(inputs, in, "tensor");
        HeapCheck.require(model, c, 1, false);
        Model m = c.newModel();
        if (weights != null) m.loadWeights(Common.existingFile(weights, "weights file"));
        else m.initParams(seed);
        m.setSeed(seed);
        m.training = trainMode;
        try {
            m.setInputs(in);
        } catch (UserError e) {
            throw new UserError(inputs + ": " + e.getMessage(), e);
        }
        DataRanges.check(c.forward(), inputs.toString(), in);
        m.forwardOutputs();
        Map<String, Tensor> result = new LinkedHashMap<>(m.outputs());
        if (m.hasLoss()) {
            m.forwardLoss();
            result.put("loss", Tensor.of(new int[0], new float[] {(float) m.loss()}));
            if (grads) {
                m.backward();
                result.putAll(m.gradients());
            }
        } else if (grads) {
            throw new UserError(model + ": --grads needs a model with a loss");
        }
        Safetensors.write(out, result);
        PrintWriter o = spec.commandLine().getOut();
        o.printf("wrote %d tensor%s to %s%s%n", result.size(), result.size() == 1 ? "" : "s", out,
                m.hasLoss() ? String.format(" (loss %.6f)", m.loss()) : "");
        return 0;
    }
}
