package netc.compiler.passes;

import netc.compiler.ir.Graph;

/** A graph-to-graph transformation. */
public interface Pass {
    String name();

    Graph run(Graph g);
}
