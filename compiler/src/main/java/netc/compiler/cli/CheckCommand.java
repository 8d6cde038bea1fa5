package netc.compiler.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
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
        Graph d = Autodiff.differentiate(g);
        long values = 0;
        for (Param p : g.params()) values += p.node().shape().numelIfKnown();
        spec.commandLine().getOut().printf("ok: %s: %d input%s, %d parameter tensor%s (%s value%s), %d output%s%s%n", g.name(),
                g.inputs().size(), g.inputs().size() == 1 ? "" : "s", g.params().size(), g.params().size() == 1 ? "" : "s",
                Common.thousands(values), values == 1 ? "" : "s", g.outputs().size(), g.outputs().size() == 1 ? "" : "s", g.loss() != null ? ", a loss" : ", no loss");
        warnUntrained(model, d, spec.commandLine().getErr());
        if (g.outputs().isEmpty() && g.train().metrics().contains("accuracy")) {
            spec.commandLine().getErr().println(model + ": warning: metrics = [accuracy] needs an output to compare with the labels, "
                    + "and the loss takes no class scores; write one, e.g. output p = softmax(logits)");
        }
        return 0;
    }

    /**
     * The trainable parameters that the loss does not depend on: training leaves them as initialised. When that is
     * every trainable parameter, training would change nothing.
     */
    static List<String> untrained(Graph differentiated) {
        List<String> none = new ArrayList<>();
        if (differentiated.loss() == null) return none;
        for (Param p : differentiated.params()) {
            if (p.trainable() && !differentiated.grads().containsKey(p.name())) none.add(p.name());
        }
        return none;
    }

    /** Whether the loss depends on no trainable parameter (there may be none). */
    static boolean nothingToTrain(Graph differentiated) {
        return differentiated.loss() != null && differentiated.grads().isEmpty();
    }

    /** One warning line per parameter that training leaves as initialised, or one for the whole model. */
    static void warnUntrained(Path model, Graph differentiated, PrintWriter err) {
        if (nothingToTrain(differentiated)) {
            err.println(model + ": warning: the loss depends on no trainable parameter: training would change nothing");
            return;
        }
        for (String p : untrained(differentiated)) {
            err.println(model + ": warning: the loss does not depend on parameter '" + p + "': training leaves it as initialised");
        }
    }
}
