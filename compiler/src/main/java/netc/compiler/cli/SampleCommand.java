package netc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import netc.compiler.NetCompiler;
import netc.compiler.ir.Shape;
import netc.runtime.InputSpec;
import netc.runtime.Model;
import netc.runtime.UserError;
import netc.runtime.data.CharVocab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Generate text with a character-level model trained on text:FILE data (such as models/char_lstm.net).")
final class SampleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.net")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "W.safetensors", description = "trained weights (netc train --save)")
    Path weights;

    @Option(names = "--prompt", defaultValue = "\n", paramLabel = "TEXT", description = "text to continue (default: a new line)")
    String prompt;

    @Option(names = "--length", defaultValue = "400", paramLabel = "N", description = "characters to generate (default: ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "below 1 is more conservative, 0 always takes the likeliest character (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "seeds the sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (length < 0 || length > 1_000_000) throw new UserError("--length must be between 0 and 1000000, got " + length);
        if (!(temperature >= 0 && temperature <= 10)) throw new UserError("--temperature must be in [0, 10], got " + temperature);
        NetCompiler.Compiled compiled = NetCompiler.compile(Common.existingFile(model, "model file"));
        Model m = compiled.newModel();
        Common.bindDims(model, m, compiled.forward().train());
        InputSpec in = m.inputs().get(0);
        String out = m.predictionOutput() != null ? m.predictionOutput() : m.outputNames().length > 0 ? m.outputNames()[0] : null;
        if (!in.isInt() || in.sampleShape().length != 1 || out == null || m.outputSampleSize(out) % CharVocab.SIZE != 0) {
            throw new UserError(model + ": sample needs a character model: a first input int[batch, N] and an output of "
                    + CharVocab.SIZE + " character probabilities per position (see models/char_lstm.net)");
        }
        m.loadWeights(Common.existingFile(weights, "weights file"));
        int context = in.sampleShape()[0];
        // a window of a symbolic length (input tok: int[batch, seq]) holds the text so far, up to the trained length;
        // a fixed one is left-padded with new lines
        Shape shape = compiled.forward().inputs().get(0).shape();
        String seq = shape.dim(shape.rank() - 1).symbol();
        m.setBatch(1);
        StringBuilder text = new StringBuilder(prompt);
        SplittableRandom rng = new SplittableRandom(seed);
        PrintWriter w = spec.commandLine().getOut();
        w.print(prompt);
        double[] p = new double[CharVocab.SIZE];
        for (int i = 0; i < length; i++) {
            int n = seq == null ? context : Math.max(1, Math.min(context, text.length()));
            if (seq != null) m.setDims(Map.of(seq, n));
            int[] window = (int[]) m.inputBuffer(in.name());
            for (int j = 0; j < n; j++) {
                int at = text.length() - n + j;
                window[j] = at < 0 ? 0 : CharVocab.index(text.charAt(at));
            }
            m.forwardOutputs();
            float[] probs = (float[]) m.outputBuffer(out);
            int last = m.outputSampleSize(out) - CharVocab.SIZE;  // the prediction after the window's last character
            // p^(1/T), normalised, computed from the logarithms less their largest so that a small T cannot underflow
            // every weight to 0 (T = 0: the likeliest character)
            int best = 0;
            for (int c = 0; c < CharVocab.SIZE; c++) {
                p[c] = Math.log(Math.max(probs[last + c], 1e-30));
                if (p[c] > p[best]) best = c;
            }
            int c = best;
            if (temperature > 0) {
                double sum = 0;
                for (int k = 0; k < CharVocab.SIZE; k++) {
                    p[k] = Math.exp((p[k] - p[best]) / temperature);
                    sum += p[k];
                }
                double u = rng.nextDouble() * sum;
                c = 0;
                while (c < CharVocab.SIZE - 1 && (u -= p[c]) > 0) c++;
            }
            char ch = CharVocab.symbol(c);
            text.append(ch);
            w.print(ch);
        }
        w.println();
        w.flush();
        return 0;
    }
}
