package netc.compiler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Dot;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Layers;
import netc.compiler.ir.Printer;
import netc.compiler.passes.Pipeline;
import netc.compiler.report.Graphviz;
import netc.runtime.UserError;
import netc.runtime.io.IoErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "graph", description = "Draw the model's graph as DOT or SVG (or print its text form), forward or with the backward pass.")
final class GraphCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--grad", description = "include the backward (gradient) graph")
    boolean grad;

    @Option(names = "--optimized", description = "after the optimisation passes")
    boolean optimized;

    @Option(names = "--text", description = "print the graph's text form instead of DOT")
    boolean text;

    @Option(names = "--layers", description = "draw each layer (dense, conv2d, batchnorm, lstm, ...) as one box instead of its ops")
    boolean layers;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.{dot,svg}", description = "write here instead of standard output")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (layers && (optimized || text)) throw new netc.runtime.UserError("--layers draws the graph as written; it does not go with " + (optimized ? "--optimized" : "--text"));
        Graph forward = NetCompiler.parse(Common.existingFile(model, "model file"));
        if (optimized) forward = Pipeline.beforeDifferentiation(forward, false);
        Graph g = grad ? Autodiff.differentiate(forward) : forward;
        if (optimized) g = Pipeline.optimize(g, false);
        String rendered = text ? Printer.print(g) : Dot.render(g, new HashSet<>(forward.nodes()), layers ? Layers.of(g) : java.util.List.of());
        if (output == null) {
            spec.commandLine().getOut().print(rendered);
            return 0;
        }
        String name = output.getFileName().toString();
        if (text && name.endsWith(".svg")) throw new UserError("-o " + output + ": the text form is not SVG; write FILE.txt, or drop --text");
        if (!text && !name.endsWith(".svg") && !name.endsWith(".dot") && !name.endsWith(".gv")) {
            throw new UserError("-o " + output + ": write a .dot or .svg file");
        }
        if (name.endsWith(".svg")) {
            try {
                rendered = Graphviz.svg(rendered);
            } catch (Graphviz.Missing e) {
                throw new UserError("-o " + output + ": " + e.getMessage() + "; write " + name.replaceFirst("\\.svg$", ".dot") + " instead");
            }
        }
        try {
            Files.writeString(output, rendered, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError(output + ": cannot write: " + IoErrors.describe(e), e);
        }
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }
}
