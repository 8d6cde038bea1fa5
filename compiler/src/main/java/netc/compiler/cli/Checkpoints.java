package netc.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import netc.runtime.Model;
import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.Safetensors;

/**
 * Training checkpoints: the model's weights and buffers, the optimizer's state ({@code optimizer.*} tensors) and the
 * number of finished epochs (metadata), in one safetensors file written atomically, so a killed run resumes from its
 * last finished epoch and never finds a torn file.
 */
final class Checkpoints {
    private Checkpoints() {
    }

    static void write(Path file, Model m, int epoch) {
        Map<String, Tensor> t = new LinkedHashMap<>(m.state());
        t.putAll(m.optimizer().exportState());
        Safetensors.write(file, t, Map.of("netc.model", m.name(), "netc.epoch", Integer.toString(epoch)));
    }

    /** Restores a checkpoint into the model and returns the number of epochs it had finished. */
    static int restore(Path file, Model m) {
        if (!Files.exists(file)) throw new UserError(file + ": no checkpoint to resume from (write one with --checkpoint-every N)");
        Map<String, String> meta = Safetensors.readMetadata(file);
        String epoch = meta.get("netc.epoch");
        if (epoch == null) throw new UserError(file + ": not a netc checkpoint (no netc.epoch in its metadata)");
        if (!m.name().equals(meta.get("netc.model"))) {
            throw new UserError(file + ": a checkpoint of model " + meta.get("netc.model") + ", not " + m.name());
        }
        Map<String, Tensor> all = Safetensors.read(file), weights = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>();
        all.forEach((k, v) -> (k.startsWith("optimizer.") ? optimizer : weights).put(k, v));
        m.loadState(weights, file.toString());
        m.optimizer().importState(optimizer);
        try {
            return Integer.parseInt(epoch);
        } catch (NumberFormatException e) {
            throw new UserError(file + ": bad epoch '" + epoch + "' in its metadata");
        }
    }
}
