package netc.compiler.codegen;

import java.io.StringReader;
import org.codehaus.janino.SimpleCompiler;

/** Compiles generated Java source in memory with Janino and loads the class. */
public final class InMemoryCompiler {
    private InMemoryCompiler() {
    }

    public static Class<?> load(String qualifiedName, String source) {
        SimpleCompiler sc = new SimpleCompiler();
        sc.setParentClassLoader(InMemoryCompiler.class.getClassLoader());
        try {
            sc.cook(qualifiedName.replace('.', '/') + ".java", new StringReader(source));
            return sc.getClassLoader().loadClass(qualifiedName);
        } catch (Exception e) {
            throw new IllegalStateException("generated code for " + qualifiedName + " does not compile: " + e.getMessage(), e);
        }
    }
}
