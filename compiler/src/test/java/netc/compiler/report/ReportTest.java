package netc.compiler.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import netc.compiler.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc train --report}: what the page holds, and the Graphviz fallbacks. */
class ReportTest {
    @TempDir
    Path tmp;

    static final Path XOR = Path.of("../models/xor_mlp.net");

    /** A regression whose loss grows without bound at this learning rate: it stops with NaN guard's message in epoch 4. */
    static final String DIVERGING = """
            model Diverge {
              input x: float[batch, 2]
              input t: float[batch, 1]
              param w: [2, 1] = 0.5
              param b: [1]
              output p = x @ w + b
              loss = mse(p, t)
              train {
                optimizer = sgd(lr=0.8)
                batch = 8
                epochs = 20
                data = "moons"
              }
            }
            """;

    /** The points of the first {@code <path>} after the chart titled {@code title}. */
    static int points(String html, String title) {
        int at = html.indexOf(">" + title + "<");
        assertTrue(at >= 0, "no chart '" + title + "'");
        Matcher m = Pattern.compile("<path d=\"([^\"]*)\"").matcher(html);
        assertTrue(m.find(at), "no line in '" + title + "'");
        return m.group(1).split("[ML]").length - 1;
    }

    @Test
    void reportHoldsCurvesSettingsParametersAndGraph() throws Exception {
        Path report = tmp.resolve("r.html");
        Cli r = Cli.run("train", XOR, "--epochs", 30, "--report", report, "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("wrote report to " + report), r.out());
        String html = Files.readString(report);
        // one point per epoch for training and test, in both charts; one per step (one batch of 4 per epoch)
        assertEquals(30, points(html, "Loss per epoch"));
        assertEquals(30, points(html, "Accuracy per epoch"));
        assertEquals(30, points(html, "Training loss per step"));
        assertEquals(2, count(html, "stroke=\"" + Report.TEST_COLOR + "\" stroke-width=\"2.5\""), "test loss and test accuracy lines");
        // the final figures are the run's
        double trainLoss = Double.parseDouble(r.lastLine().replaceAll(".*\"train_loss\":([0-9.eE-]+).*", "$1"));
        assertTrue(html.contains(String.format(java.util.Locale.ROOT, "<div class=\"value\">%.4f</div><div class=\"light\">train loss", trainLoss)), html);
        assertTrue(html.contains("Training finished:</b> 30 epochs"));
        assertTrue(html.contains("<td>W1</td><td>[2, 2]</td><td class=\"num\">4</td><td>xavier</td>"), "parameter table");
        assertTrue(html.contains("<th class=\"num\">9</th>"), "9 parameters in all");
        assertTrue(html.contains("<td>x</td><td>f32[batch, 2]</td>"), "inputs with their types");
        assertTrue(html.contains("optimizer</th><td>adam, learning rate 0.0500"), "settings");
        // self-contained: nothing is fetched
        for (String external : List.of("<script", "<link", "src=", "@import", "url(")) assertFalse(html.contains(external), external);
        if (hasDot()) {
            assertTrue(html.contains("<div class=\"graph\"><svg"), "Graphviz's drawing inline");
            assertFalse(html.contains("<?xml"), "no XML prologue inside HTML");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("r.html"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file is left");
        }
    }

    @Test
    void layersAreBoxesBuffersAreNotTrainedAndOneEpochIsACurve() throws Exception {
        Path report = tmp.resolve("bn.html");
        Cli r = Cli.run("train", Path.of("../models/cnn_bn.net"), "--epochs", 1, "--data", "random:256,784,10", "--test", "random:64,784,10",
                "--report", report);
        assertEquals(0, r.status(), r.err());
        String html = Files.readString(report);
        assertTrue(html.contains("<th>trainable</th><td></td><th class=\"num\">52,162</th>"), "trainable total");
        assertTrue(html.contains("<th>non-trainable</th><td>running statistics</td><th class=\"num\">50</th>"), "running statistics apart");
        assertTrue(html.contains("<td>bn1.running_mean</td><td>[8]</td><td class=\"num\">8</td><td>zeros, not trained</td>"), html);
        // one epoch of 4 batches: the loss chart draws the 4 steps from 0 to 1, the test loss as a point at 1
        assertEquals(4, points(html, "Loss per epoch"));
        assertTrue(html.contains(">train (per step)<"), "legend");
        if (hasDot()) {
            int folded = html.indexOf("<details><summary>Every op (layers expanded)</summary>");
            assertTrue(folded > 0, "the expanded graph in a fold");
            String layered = html.substring(html.indexOf("<h2>Graph</h2>"), folded);
            assertTrue(layered.contains(">batchnorm bn1<") && layered.contains(">16 parameters + 17 non&#45;trainable<"), layered);
            assertFalse(layered.contains(">mode_select<"), "a layer's ops are in its box");
            assertTrue(html.substring(folded).contains(">mode_select<"), "and in the fold");
        }
    }

    @Test
    void aDivergingRunStillWritesItsReportWithTheReason() throws Exception {
        Path model = tmp.resolve("diverge.net"), report = tmp.resolve("d.html");
        Files.writeString(model, DIVERGING);
        Cli r = Cli.run("train", model, "--report", report);
        assertEquals(1, r.status(), r.out());
        String why = r.err().strip();
        assertTrue(why.startsWith("netc: training diverged at epoch 4, batch 1: the loss is"), why);
        String html = Files.readString(report);
        assertTrue(html.contains("Training stopped after 3 finished epochs.</b> " + why.substring("netc: ".length())), html);
        assertEquals(3, points(html, "Accuracy per epoch"));
        // 75 steps of 8 samples per epoch, three epochs: the loss climbs over 30 powers of ten, drawn on a log axis
        assertEquals(225, points(html, "Training loss per step"));
        assertTrue(html.contains(">1e+31<"), "log axis");
    }

    @Test
    void withoutGraphvizTheGraphIsDotTextAndSvgIsAOneLineError() throws Exception {
        System.setProperty("netc.dot", tmp.resolve("no-such-dot").toString());
        try {
            Path svg = tmp.resolve("g.svg"), dot = tmp.resolve("g.dot"), report = tmp.resolve("r.html");
            Cli r = Cli.run("graph", XOR, "--grad", "-o", svg);
            assertEquals(1, r.status());
            assertEquals("netc: -o " + svg + ": SVG needs Graphviz's 'dot', which is not installed (apt-get install graphviz); write g.dot instead",
                    r.err().strip());
            assertFalse(Files.exists(svg));
            assertEquals(0, Cli.run("graph", XOR, "--grad", "-o", dot).status());
            assertTrue(Files.readString(dot).startsWith("digraph \"XorMLP\""));
            assertEquals(0, Cli.run("train", XOR, "--epochs", 2, "--report", report).status());
            String html = Files.readString(report);
            assertTrue(html.contains("Graphviz is not installed (apt-get install graphviz)"), html);
            assertTrue(html.contains("<pre class=\"dot\">digraph &quot;XorMLP&quot; {"), "the DOT text, escaped");
        } finally {
            System.clearProperty("netc.dot");
        }
    }

    @Test
    void forwardBackwardAndOptimizedGraphsRenderEveryNode() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(hasDot(), "Graphviz is not installed");
        for (List<String> flags : List.of(List.<String>of(), List.of("--grad"), List.of("--optimized"), List.of("--grad", "--optimized"))) {
            Cli dot = Cli.run(Stream.concat(Stream.of("graph", XOR.toString()), flags.stream()).toArray());
            assertEquals(0, dot.status(), dot.err());
            Path svg = tmp.resolve("g" + String.join("", flags) + ".svg");
            Cli r = Cli.run(Stream.concat(Stream.of("graph", XOR.toString(), "-o", svg.toString()), flags.stream()).toArray());
            assertEquals(0, r.status(), r.err());
            String text = Files.readString(svg);
            assertTrue(text.startsWith("<?xml") && text.contains("<svg"), flags + ": an SVG document");
            // every node statement of the DOT source is drawn
            int nodes = count(dot.out(), " [label=\""), drawn = count(text, "class=\"node\"");
            assertTrue(nodes > 10, flags + ": " + nodes + " nodes");
            assertEquals(nodes, drawn, flags + ": nodes drawn");
        }
    }

    @Test
    void graphLayersDrawsLayerCallsAsBoxes() {
        Cli r = Cli.run("graph", Path.of("../models/cnn_bn.net"), "--layers");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("label=\"conv2d conv2\\nf32[batch, 16, 14, 14]\\n1,152 parameters\""), r.out());
        assertFalse(r.out().contains("mode_select"), r.out());
        Cli refused = Cli.run("graph", Path.of("../models/cnn_bn.net"), "--layers", "--optimized");
        assertEquals(1, refused.status());
        assertEquals("netc: --layers draws the graph as written; it does not go with --optimized", refused.err().strip());
    }

    @Test
    void reportDirectoryMustExist() {
        Cli r = Cli.run("train", XOR, "--report", tmp.resolve("nope/r.html"));
        assertEquals(1, r.status());
        assertEquals("netc: --report: directory " + tmp.resolve("nope") + " does not exist", r.err().strip());
    }

    @Test
    void ticksAreRoundAndCoverTheData() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0}, LineChart.ticks(0.0032, 0.81, false), 1e-12);
        assertArrayEquals(new double[] {0, 100, 200, 300, 400}, LineChart.ticks(1, 400, true), 1e-12);
        assertArrayEquals(new double[] {1, 2, 3}, LineChart.ticks(1, 3, true), 1e-12);
        assertArrayEquals(new double[] {0.001, 0.01, 0.1, 1}, LineChart.logTicks(0.0032, 0.81), 1e-15);
        double[] wide = LineChart.logTicks(0.5, 7e35);
        assertTrue(wide.length <= 10 && wide[0] <= 0.5 && wide[wide.length - 1] >= 7e35, java.util.Arrays.toString(wide));
    }

    static boolean hasDot() {
        try {
            return new ProcessBuilder("dot", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
