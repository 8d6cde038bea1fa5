package netc.compiler.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import netc.runtime.UserError;

/**
 * Ctrl-C (SIGINT, or SIGTERM) while training: the JVM starts to shut down and runs this hook, which asks the training
 * loop to stop after the step under way and waits (a minute at most) until the command has written its report and said
 * how to resume; the JVM then exits with status 130.
 */
final class CtrlC implements AutoCloseable {
    /** What the training loop throws when it stops for Ctrl-C. */
    static final class Interrupted extends UserError {
        Interrupted(String where) {
            super("interrupted (Ctrl-C) " + where);
        }
    }

    private volatile boolean requested;
    private final CountDownLatch handled = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onSignal, "netc-ctrl-c");

    CtrlC() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Throws {@link Interrupted} once Ctrl-C was pressed; {@code where} says where training stopped. */
    void check(java.util.function.Supplier<String> where) {
        if (requested) throw new Interrupted(where.get());
    }

    private void onSignal() {
        requested = true;
        try {
            handled.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command is done (or has handled the interruption): the JVM may exit. */
    @Override
    public void close() {
        handled.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running, and now returns
        }
    }
}
