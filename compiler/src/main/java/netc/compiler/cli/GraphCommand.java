package netc.compiler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.ir.Dot;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Printer;
import netc.compiler.passes.Pipeline;
import netc.runtime.UserError;
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

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.{dot,svg}", description = "write here instead of standard output")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Graph forward = NetCompiler.parse(Common.existingFile(model, "model file"));
        if (optimized) forward = Pipeline.beforeDifferentiation(forward, false);
        Graph g = grad ? Autodiff.differentiate(forward) : forward;
        if (optimized) g = Pipeline.optimize(g, false);
        String rendered = text ? Printer.print(g) : Dot.render(g, new HashSet<>(forward.nodes()));
        if (output == null) {
            spec.commandLine().getOut().print(rendered);
            return 0;
        }
        String name = output.getFileName().toString();
        if (!name.endsWith(".svg") && !name.endsWith(".dot") && !name.endsWith(".gv")) {
            throw new UserError("-o " + output + ": write a .dot or .svg file");
        }
        if (name.endsWith(".svg")) {
            writeSvg(rendered, output);
        } else {
            Files.writeString(output, rendered, StandardCharsets.UTF_8);
        }
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }

    private static void writeSvg(String dot, Path out) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("dot", "-Tsvg", "-o", out.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UserError("SVG needs Graphviz's 'dot' (apt-get install graphviz); write FILE.dot instead");
        }
        p.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new UserError("dot failed: " + msg);
    }
}
