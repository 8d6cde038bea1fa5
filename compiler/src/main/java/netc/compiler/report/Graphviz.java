package netc.compiler.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import netc.runtime.UserError;

/** Renders DOT text to SVG with Graphviz's {@code dot} program (the system property {@code netc.dot} names another). */
public final class Graphviz {
    private Graphviz() {
    }

    /** Graphviz is not installed: {@code dot} could not be started. */
    public static final class Missing extends UserError {
        Missing() {
            super("SVG needs Graphviz's 'dot', which is not installed (apt-get install graphviz)");
        }
    }

    /** The SVG document {@code dot -Tsvg} draws for {@code dot}. */
    public static String svg(String dot) {
        Path errors = null;
        try {
            errors = Files.createTempFile("netc-dot", ".err");
            Process p;
            try {
                p = new ProcessBuilder(System.getProperty("netc.dot", "dot"), "-Tsvg").redirectError(errors.toFile()).start();
            } catch (IOException e) {
                throw new Missing();
            }
            // dot reads all of its input before it writes: feed it on another thread so neither side waits on a full pipe
            Thread feeder = new Thread(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(dot.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // dot stopped reading: its exit status and messages say why
                }
            }, "netc-dot-input");
            feeder.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new UserError("Graphviz's 'dot' did not finish within 120 s");
            }
            feeder.join();
            if (p.exitValue() != 0) {
                throw new UserError("Graphviz's 'dot' failed: " + Files.readString(errors).strip().replace('\n', ' '));
            }
            return out;
        } catch (IOException e) {
            throw new UserError("Graphviz's 'dot' failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while Graphviz's 'dot' was running");
        } finally {
            if (errors != null) errors.toFile().delete();
        }
    }
}
