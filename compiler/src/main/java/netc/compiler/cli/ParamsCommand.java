package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Param;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "params", description = "List every parameter with its shape and initializer, and the total count.")
final class ParamsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Graph g = NetCompiler.parse(Common.existingFile(model, "model file"));
        PrintWriter out = spec.commandLine().getOut();
        int width = 9;
        for (Param p : g.params()) width = Math.max(width, p.name().length());
        out.printf("%-" + width + "s  %-14s %12s  %s%n", "parameter", "shape", "count", "init");
        long total = 0;
        for (Param p : g.params()) {
            long n = p.node().shape().numelIfKnown();
            total += n;
            out.printf("%-" + width + "s  %-14s %12s  %s%s%n", p.name(), p.node().shape(), Common.thousands(n), p.init(),
                    p.args().isEmpty() ? "" : p.args().toString().replace('[', '(').replace(']', ')'));
        }
        out.printf("total: %s parameters%n", Common.thousands(total));
        return 0;
    }
}
