package netc.compiler.ir;

import java.util.List;

/**
 * A parameter: its graph node, its state-dict name and how it is initialised. Trainable parameters get gradients
 * and optimizer steps; the others are buffers (batch norm's running statistics) that the model updates itself.
 *
 * @param init     initializer name: zeros, ones, constant, uniform, normal, xavier, he
 * @param args     the initializer's numeric arguments (constant value, uniform bounds, normal mean/std)
 * @param fanIn    fan-in used by xavier/he (for a {@code x @ W} weight [in, out], the first dimension)
 * @param fanOut   fan-out used by xavier
 */
public record Param(Node node, String name, String init, List<Double> args, int fanIn, int fanOut, boolean trainable) {
    public Param(Node node, String name, String init, List<Double> args, int fanIn, int fanOut) {
        this(node, name, init, args, fanIn, fanOut, true);
    }

    public Param withNode(Node n) {
        return new Param(n, name, init, args, fanIn, fanOut, trainable);
    }
}
