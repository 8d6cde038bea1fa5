package netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import netc.compiler.Cli;
import netc.compiler.NetCompiler;
import netc.runtime.KernelTimes;
import org.junit.jupiter.api.Test;

/**
 * {@code netc bench --profile}: every kernel of the step timed once, named by its method, op and source line, the
 * times a partition of the step's; and the timing exists only in the build made for it.
 */
class BenchProfileTest {
    private static final Path MLP = Path.of("../models/fashion_mlp.net");

    @Test
    void theKernelsTimesAddUpToTheStep() {
        Cli r = Cli.run("bench", MLP, "--profile", "--seconds", "0.3", "--threads", "1", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("outside the kernels"), r.out());
        JsonObject profile = JsonParser.parseString(r.lastLine()).getAsJsonObject().getAsJsonObject("profile");
        double step = profile.get("step_us").getAsDouble(), sum = 0, last = Double.MAX_VALUE;
        List<String> names = new ArrayList<>();
        for (var e : profile.getAsJsonArray("kernels")) {
            double us = e.getAsJsonObject().get("us").getAsDouble();
            assertTrue(us >= 0 && us <= last, "largest first: " + profile);
            last = us;
            sum += us;
            names.add(e.getAsJsonObject().get("kernel").getAsString());
        }
        // the laps are disjoint parts of the steps: their sum is below the step's time, and a step is little else
        assertTrue(sum <= step && sum >= 0.8 * step, sum + " µs of kernels in a step of " + step + " µs");
        assertEquals(timedKernels(), names.size(), "one entry per kernel call and one for the optimizer: " + names);
        assertTrue(names.contains("step: adam over every parameter"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.matches("k\\d+ gemm : f32\\[batch, 256\\]  h1  fashion_mlp\\.net:\\d+")), names.toString());

        // the single-sample predict: the kernels of forwardOutputs alone, again a partition of its time
        JsonObject predict = JsonParser.parseString(r.lastLine()).getAsJsonObject().getAsJsonObject("predict_profile");
        double sample = predict.get("sample_us").getAsDouble(), predictSum = 0;
        for (var e : predict.getAsJsonArray("kernels")) predictSum += e.getAsJsonObject().get("us").getAsDouble();
        assertTrue(predictSum <= sample && predictSum >= 0.6 * sample, predictSum + " µs of kernels in a predict of " + sample + " µs");
        assertEquals(callsIn(timedJava(), "forwardOutputs"), predict.getAsJsonArray("kernels").size(), predict.toString());
        assertTrue(r.out().contains("predict profile: "), r.out());
    }

    @Test
    void eachKernelSaysHowManyThreadsItsLoopsRanOn() {
        Cli one = Cli.run("bench", MLP, "--profile", "--seconds", "0.2", "--threads", "1", "--json");
        assertEquals(0, one.status(), one.err());
        for (var e : JsonParser.parseString(one.lastLine()).getAsJsonObject().getAsJsonObject("profile").getAsJsonArray("kernels")) {
            assertEquals(1, e.getAsJsonObject().get("split").getAsInt(), "one thread: " + e);
        }
        Cli two = Cli.run("bench", MLP, "--profile", "--seconds", "0.2", "--threads", "2", "--json");
        assertEquals(0, two.status(), two.err());
        assertTrue(two.out().contains("(×N: the most threads one of its loops ran on)"), two.out());
        int h1 = 0, adam = 0;
        for (var e : JsonParser.parseString(two.lastLine()).getAsJsonObject().getAsJsonObject("profile").getAsJsonArray("kernels")) {
            String name = e.getAsJsonObject().get("kernel").getAsString();
            int split = e.getAsJsonObject().get("split").getAsInt();
            assertTrue(split == 1 || split == 2, e.toString());
            if (name.matches("k\\d+ gemm : f32\\[batch, 256\\]  h1 .*")) h1 = split;
            if (name.startsWith("step: ")) adam = split;
        }
        // the first layer's product (64×784×256) and Adam over 235k parameters are worth both threads
        assertEquals(2, h1, two.lastLine());
        assertEquals(2, adam, two.lastLine());
    }

    @Test
    void onlyTheTimedBuildReadsTheClock() throws Exception {
        String text = Files.readString(MLP);
        NetCompiler.Compiled plain = NetCompiler.compile(MLP.toString(), text, "float");
        assertNull(plain.newModel().kernelTimes());
        assertTrue(!plain.java().toString().contains("nanoTime"), "the code for use reads no clock");
        KernelTimes times = NetCompiler.compileTimed(MLP.toString(), text).newModel().kernelTimes();
        assertEquals(timedKernels(), times.size());
    }

    /** The laps of the timed class: one after each kernel its step's methods call, one after the optimizer's step. */
    private static int timedKernels() {
        String java = timedJava();
        Matcher laps = Pattern.compile("times\\.lap\\((\\d+), t\\)").matcher(java);
        int n = 0;
        while (laps.find()) {
            assertEquals(n, Integer.parseInt(laps.group(1)), "laps numbered in order");
            n++;
        }
        int calls = 0;
        for (String method : List.of("forwardOutputs", "forwardLoss", "updateBuffers", "backward")) calls += callsIn(java, method);
        assertEquals(calls + 1, n, "and the optimizer's step");
        return n;
    }

    /** The kernels {@code method} of the timed class calls, each followed by a lap (0 without such a method). */
    private static int callsIn(String java, String method) {
        int at = java.indexOf("public void " + method + "() {");
        if (at < 0) return 0;
        String body = java.substring(at, java.indexOf("\n    }", at));
        int c = body.split("\\bk\\d+\\(\\);", -1).length - 1;
        assertEquals(c, body.split("times\\.lap\\(", -1).length - 1, "a lap after each call in " + method + ":\n" + body);
        return c;
    }

    private static String timedJava() {
        try {
            return NetCompiler.compileTimed(MLP.toString(), Files.readString(MLP)).java().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
