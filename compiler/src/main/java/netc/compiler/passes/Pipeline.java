package netc.compiler.passes;

import java.util.List;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Verifier;

/**
 * The passes in order; with {@code verify}, the verifier runs after each. {@link #beforeDifferentiation} runs on the
 * forward graph (rewrites that gradients must be built from), {@link #optimize} on the graph with its gradients.
 */
public final class Pipeline {
    private static final List<Pass> BEFORE_DIFFERENTIATION = List.of(new StableForms(), new SoftmaxCrossEntropyFusion());
    private static final List<Pass> DEFAULT = List.of(new StableForms(), new ConstantFolding(), new AlgebraicSimplification(), new CommonSubexpressionElimination(),
            new DeadCodeElimination(), new SoftmaxCrossEntropyFusion(), new EpilogueFusion(), new ElementwiseFusion(), new ReductionFusion(),
            new DeadCodeElimination());

    private Pipeline() {
    }

    /** The pass named {@code name} ({@link Pass#name()}: {@code cse}, {@code fold}, ...). */
    public static Pass named(String name) {
        for (Pass p : DEFAULT) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("no pass is named " + name);
    }

    public static Graph beforeDifferentiation(Graph g, boolean verify) {
        return run(BEFORE_DIFFERENTIATION, g, verify);
    }

    public static Graph optimize(Graph g, boolean verify) {
        return run(DEFAULT, g, verify);
    }

    private static Graph run(List<Pass> passes, Graph g, boolean verify) {
        for (Pass p : passes) {
            g = p.run(g);
            if (verify) Verifier.verify(g, p.name());
        }
        return g;
    }
}
