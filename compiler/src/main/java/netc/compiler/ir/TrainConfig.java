package netc.compiler.ir;

import java.util.List;
import java.util.Map;

/**
 * The defaults of a model's {@code train { }} block; the command line overrides each.
 *
 * @param optimizer     optimizer name (sgd, adam, ...)
 * @param optimizerArgs its named arguments, as numbers or booleans
 * @param batch         samples per step; ignored by full-batch {@code gd} (see {@link #fullBatch()})
 * @param schedule      the learning-rate schedule (constant, step_decay, exponential_decay, cosine), stepped per epoch
 * @param clipNorm      the largest global gradient norm of a step (clip_grad_norm_), or 0 for no clipping
 * @param validationSplit the fraction of the shuffled training data held out for validation, or 0
 * @param earlyStopping the epochs without a better validation (else training) loss after which training stops, or 0
 * @param dims          values of the symbolic dimensions other than the batch for the data ({@code seq = 64}), by name
 */
public record TrainConfig(String optimizer, Map<String, Object> optimizerArgs, int batch, int epochs,
                          List<String> metrics, boolean shuffle, long seed, String data, String test,
                          String schedule, Map<String, Object> scheduleArgs, double clipNorm, double validationSplit,
                          int earlyStopping, Map<String, Integer> dims) {
    public static TrainConfig defaults() {
        return new TrainConfig("sgd", Map.of("lr", 0.01), 32, 10, List.of(), true, 42L, null, null, "constant", Map.of(), 0, 0, 0, Map.of());
    }

    public double lr() {
        return ((Number) optimizerArgs.getOrDefault("lr", netc.runtime.optim.Optimizer.defaultLearningRate(optimizer))).doubleValue();
    }

    /** Whether each step sees the whole training set: {@code gd}, full-batch gradient descent. */
    public boolean fullBatch() {
        return optimizer.equals("gd");
    }
}
