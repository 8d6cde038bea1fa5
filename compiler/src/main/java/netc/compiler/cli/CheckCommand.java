package netc.compiler.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Param;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "check", description = "Parse and type-check a model; print ok with a summary, or the errors.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Graph g = NetCompiler.parse(Common.existingFile(model, "model file"));
        Autodiff.differentiate(g);
        long values = 0;
        for (Param p : g.params()) values += p.node().shape().numelIfKnown();
        spec.commandLine().getOut().printf("ok: %s: %d input%s, %d parameter tensor%s (%s values), %d output%s%s%n", g.name(),
                g.inputs().size(), g.inputs().size() == 1 ? "" : "s", g.params().size(), g.params().size() == 1 ? "" : "s",
                Common.thousands(values), g.outputs().size(), g.outputs().size() == 1 ? "" : "s", g.loss() != null ? ", a loss" : ", no loss");
        return 0;
    }
}
