package netc.compiler.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import netc.compiler.NetCompiler;
import netc.compiler.codegen.MemoryPlan;
import netc.compiler.codegen.Phases;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Node;
import netc.compiler.ir.Param;
import netc.compiler.ir.TrainConfig;
import netc.runtime.UserError;
import netc.runtime.optim.Optimizer;

/**
 * Refuses, before anything is allocated, a model that needs more memory than the JVM may still take: its parameters,
 * its gradients and activation buffers at the batch (the memory plan's arrays and the inputs), and when it trains the
 * optimizer's state. The message says how much each needs and how to give the JVM more.
 */
final class HeapCheck {
    private HeapCheck() {
    }

    /** Checks the model compiled from {@code model} at {@code batch} samples, with its optimizer's state when {@code training}. */
    static void require(Path model, NetCompiler.Compiled c, int batch, boolean training) {
        Graph g = c.graph();
        long params = 0, trainable = 0;
        for (Param p : g.params()) {
            long n = p.node().shape().numelIfKnown();
            params += n;
            if (p.trainable()) trainable += n;
        }
        long inputs = 0;
        for (Node in : g.inputs()) inputs += numelAt(in, batch);
        long buffers = MemoryPlan.of(g, Phases.of(g)).plannedBytes(batch) + 4 * inputs;
        TrainConfig cfg = c.forward().train();
        int stateArrays = training ? Optimizer.create(cfg.optimizer(), cfg.optimizerArgs()).stateArrays() : 0;
        long state = 4 * trainable * stateArrays;
        long needed = 4 * params + buffers + state;
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (needed <= free) return;
        StringBuilder parts = new StringBuilder("parameters " + size(4 * params) + ", gradients and buffers at batch "
                + String.format("%,d", batch) + " " + size(buffers));
        if (state > 0) parts.append(", ").append(cfg.optimizer()).append(" state ").append(size(state));
        long machine = machineBytes();
        String advice = machine > 0 && needed * 5 / 4 > machine
                ? "more than this machine's " + size(machine) + " of memory: make the model or the batch smaller"
                : "give the JVM more with JAVA_OPTS=-Xmx" + (needed * 5 / 4 + (1L << 30) - 1 >> 30) + "g, or make the model or the batch smaller";
        throw new UserError(model + ": " + c.forward().name() + " needs about " + size(needed) + " of memory (" + parts
                + ") but the JVM may take " + size(free) + " more; " + advice);
    }

    private static long numelAt(Node n, int batch) {
        long v = 1;
        for (netc.compiler.ir.Dim d : n.shape().dims()) v *= d.isSymbolic() ? batch : d.size();
        return v;
    }

    /** The machine's physical memory, or 0 when the JVM does not say. */
    private static long machineBytes() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
    }

    /** 6.4 GB, 312.5 MB, 12 KB. */
    static String size(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.1f GB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MB", bytes / (double) (1L << 20));
        return bytes < 1024 ? bytes + " B" : String.format("%d KB", (bytes + 1023) >> 10);
    }
}
