package netc.compiler.ir;

import java.util.List;

/**
 * A trainable tensor: its graph node, its state-dict name and how it is initialised.
 *
 * @param init     initializer name: zeros, ones, constant, uniform, normal, xavier, he
 * @param args     the initializer's numeric arguments (constant value, uniform bounds, normal mean/std)
 * @param fanIn    fan-in used by xavier/he (for a {@code x @ W} weight [in, out], the first dimension)
 * @param fanOut   fan-out used by xavier
 */
public record Param(Node node, String name, String init, List<Double> args, int fanIn, int fanOut) {
    public Param withNode(Node n) {
        return new Param(n, name, init, args, fanIn, fanOut);
    }
}
