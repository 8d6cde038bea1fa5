package netc.spark;

import java.io.Serializable;
import netc.runtime.Model;

/**
 * Makes the model on each executor: a generated class by name (shipped in the application's jar), or any serializable
 * code that returns a fresh instance (the sample compiles a {@code .net} file there). Called once per task.
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    Model create();

    /** Instances of a generated model class, found by name on the executor's class path. */
    static ModelFactory of(Class<? extends Model> cls) {
        String name = cls.getName();
        return () -> {
            try {
                return (Model) Class.forName(name, true, Thread.currentThread().getContextClassLoader()).getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make a " + name + " on this executor: " + e, e);
            }
        };
    }
}
