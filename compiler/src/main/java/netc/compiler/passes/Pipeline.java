package netc.compiler.passes;

import java.util.List;
import netc.compiler.ir.Graph;
import netc.compiler.ir.Verifier;

/** The optimisation passes in order; with {@code verify}, the verifier runs after each. */
public final class Pipeline {
    private static final List<Pass> DEFAULT = List.of(new AlgebraicSimplification(), new CommonSubexpressionElimination(),
            new DeadCodeElimination(), new ElementwiseFusion(), new DeadCodeElimination());

    private Pipeline() {
    }

    public static Graph optimize(Graph g, boolean verify) {
        for (Pass p : DEFAULT) {
            g = p.run(g);
            if (verify) Verifier.verify(g, p.name());
        }
        return g;
    }
}
