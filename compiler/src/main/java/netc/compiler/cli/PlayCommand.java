package netc.compiler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import netc.compiler.play.PlayServer;
import netc.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code netc play [MODEL.net]}: the playground, a page on 127.0.0.1 where a model is edited, trained and watched as
 * it learns (see {@link PlayServer}). Runs until Ctrl-C.
 */
@Command(mixinStandardHelpOptions = true, name = "play", description = "Edit a model in the browser and watch it learn.")
final class PlayCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL.net", description = "the first model on the page (default: the examples)")
    Path model;

    @Option(names = "--port", description = "the port on 127.0.0.1 (default: a free one)")
    int port;

    @Option(names = "--no-browser", description = "print the address without opening a browser")
    boolean noBrowser;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 0 || port > 65_535) throw new UserError("--port " + port + ": a port is 0 to 65535");
        String source = null, name = null;
        if (model != null) {
            Common.existingFile(model, "model");
            source = Files.readString(model);
            name = model.getFileName().toString().replaceFirst("\\.net$", "");
        }
        PlayServer server;
        try {
            server = new PlayServer(port, Path.of(""), name, source);
        } catch (java.net.BindException e) {
            throw new UserError("--port " + port + ": the port is in use; choose another or leave --port out");
        }
        spec.commandLine().getOut().println("netc play: " + server.url() + "  (Ctrl-C stops it)");
        spec.commandLine().getOut().flush();
        if (!noBrowser) open(server.url());
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        forever.await();
        return 0;
    }

    /** Opens the page in the desktop's browser where there is one; otherwise the printed address is the way. */
    private void open(String url) {
        try {
            new ProcessBuilder("xdg-open", url).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            spec.commandLine().getErr().println("netc play: no browser to open (" + e.getMessage() + "); open the address above");
        }
    }
}
