package netc.runtime.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;

/**
 * Training checkpoints: the model's weights and buffers, the optimizer's state ({@code optimizer.*} tensors), the
 * number of finished epochs and the optimizer's kind (metadata), in one safetensors file written atomically, so a
 * killed run resumes from its last finished epoch and never finds a torn file. A checkpoint that does not fit the
 * model is refused before training starts.
 */
public final class Checkpoints {
    private static final String STEPS = "optimizer.steps";
    private static final Pattern STATE = Pattern.compile("optimizer\\.(\\d{1,9})\\.(\\d{1,9})");

    private Checkpoints() {
    }

    /**
     * Writes a checkpoint after {@code epoch} of a run planned for {@code epochs} epochs with the learning-rate
     * {@code schedule}.
     */
    public static void write(Path file, Model m, int epoch, int epochs, String schedule) {
        Map<String, Tensor> t = new LinkedHashMap<>(m.state());
        t.putAll(m.optimizer().exportState());
        Safetensors.write(file, t, Map.of("netc.model", m.name(), "netc.epoch", Integer.toString(epoch), "netc.optimizer", optimizer(m),
                "netc.epochs", Integer.toString(epochs), "netc.schedule", schedule));
    }

    /** The finished epochs a checkpoint records. */
    public static String epochOf(Path file) {
        return Safetensors.readMetadata(file).getOrDefault("netc.epoch", "?");
    }

    /** Checks, before any work is done, that there is a checkpoint to resume from. */
    public static Path existing(Path file) {
        if (!Files.exists(file)) throw new UserError(file + ": no checkpoint to resume from (write one with --checkpoint-every N)");
        return file;
    }

    /**
     * Restores a checkpoint into the model and returns the number of epochs it had finished. A run resumed with another
     * number of epochs than it was planned for is refused when its learning rate follows a schedule: the schedule is a
     * function of the planned epochs, and would change under the resumed run.
     */
    public static int restore(Path file, Model m, int epochs, String schedule) {
        existing(file);
        Map<String, String> meta = Safetensors.readMetadata(file);
        String epoch = meta.get("netc.epoch");
        if (epoch == null) throw new UserError(file + ": not a netc checkpoint (no netc.epoch in its metadata)");
        if (!m.name().equals(meta.get("netc.model"))) {
            throw new UserError(file + ": a checkpoint of model " + meta.get("netc.model") + ", not " + m.name());
        }
        int done;
        try {
            done = Integer.parseInt(epoch);
        } catch (NumberFormatException e) {
            done = -1;
        }
        if (done < 0) throw new UserError(file + ": bad epoch '" + epoch + "' in its metadata");
        String written = meta.get("netc.optimizer");
        if (written != null && !written.equals(optimizer(m))) {
            throw new UserError(file + ": written while training with " + written + ", but " + m.name() + " now trains with "
                    + optimizer(m) + "; start again without --resume");
        }
        String planned = meta.get("netc.epochs");
        if (planned != null && !planned.equals(Integer.toString(epochs)) && !"constant".equals(schedule)) {
            throw new UserError(file + ": written by a run of " + planned + " epochs whose learning rate follows the " + schedule
                    + " schedule; resuming it for " + epochs + " would change the schedule: pass --epochs " + planned
                    + ", or start again without --resume");
        }
        Map<String, Tensor> all = Safetensors.read(file), weights = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>();
        all.forEach((k, v) -> (k.startsWith("optimizer.") ? optimizer : weights).put(k, v));
        m.loadState(weights, file.toString());
        checkOptimizerState(optimizer, m, file);
        m.optimizer().importState(optimizer);
        return done;
    }

    /** The optimizer's kind as checkpoints record it: adam, sgd, rmsprop, ... */
    private static String optimizer(Model m) {
        return m.optimizer().getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    /**
     * Each state tensor must be {@code optimizer.steps} (one count) or {@code optimizer.<param>.<k>} for a parameter
     * of the model, with as many values as the parameter, and k counting 0, 1, ... for each parameter.
     */
    private static void checkOptimizerState(Map<String, Tensor> state, Model m, Path file) {
        List<Map.Entry<String, Tensor>> params = new ArrayList<>(m.state().entrySet());
        Map<Integer, Integer> arrays = new HashMap<>(), highest = new HashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String where = file + ": tensor '" + e.getKey() + "'";
            Tensor t = e.getValue();
            if (e.getKey().equals(STEPS)) {
                if (t.size() != 1 || t.ints()[0] < 0) throw new UserError(where + " is not a step count");
                continue;
            }
            Matcher x = STATE.matcher(e.getKey());
            int p = x.matches() ? Integer.parseInt(x.group(1)) : -1;
            if (p < 0 || p >= params.size()) throw new UserError(where + " is not optimizer state of " + m.name());
            Tensor param = params.get(p).getValue();
            if (t.size() != param.size()) {
                throw new UserError(where + " holds " + t.size() + " values, parameter '" + params.get(p).getKey() + "' has " + param.size());
            }
            arrays.merge(p, 1, Integer::sum);
            highest.merge(p, Integer.parseInt(x.group(2)), Math::max);
        }
        arrays.forEach((p, n) -> {
            if (highest.get(p) != n - 1) {
                throw new UserError(file + ": optimizer state of parameter '" + params.get(p).getKey() + "' is incomplete");
            }
        });
    }
}
