package netc.compiler.play;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import netc.compiler.NetCompiler;
import netc.compiler.autodiff.Autodiff;
import netc.compiler.frontend.CompileError;
import netc.compiler.frontend.Diagnostic;
import netc.compiler.ir.Dot;
import netc.compiler.ir.Graph;
import netc.compiler.report.Graphviz;
import netc.runtime.UserError;
import netc.runtime.data.DataSources;

/**
 * {@code netc play}'s web server: the JDK's HTTP server on 127.0.0.1 only, one page (a self-contained HTML file from
 * the jar), and a small JSON API guarded by a random token that the page's URL carries. Each page (a session id of
 * its own) trains at most one model at a time on a {@link PlaySession}; progress streams to it as Server-Sent Events.
 *
 * <pre>
 * GET  /?token=T                         the page
 * GET  /api/examples?token=T             the example models, and the model netc play was started with
 * POST /api/compile?token=T              body: .net source; {"errors": [{"line", "col", "message"}]}
 * POST /api/start?token=T&amp;session=S      body: {"source", "lr", "optimizer", "batch", "data", "epochs"}; starts training
 * POST /api/control?token=T&amp;session=S&amp;action=pause|run|step|reset
 * GET  /api/events?token=T&amp;session=S     text/event-stream of snapshots (see PlaySession)
 * POST /api/graph?token=T&amp;session=S&amp;kind=forward|backward   body: .net source; {"svg"} or {"error"}
 * </pre>
 */
public final class PlayServer implements AutoCloseable {
    static final String[] EXAMPLES = {"and", "xor", "moons", "spirals", "fashion"};
    /** Pages training at once; a new one stops the one that started longest ago. */
    static final int MOST_SESSIONS = 8;

    private final HttpServer http;
    private final ExecutorService pool;
    private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    private final Path root;
    private final String initial, initialName;
    private final Map<String, PlaySession> sessions = new LinkedHashMap<>();
    private final Gson gson = new Gson();

    /**
     * Listens on 127.0.0.1:{@code port} (0: any free port). {@code model} is the page's first model (null: the first
     * example); files (models, data) are read only under {@code root}.
     */
    public PlayServer(int port, Path root, String initialName, String initial) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.initial = initial;
        this.initialName = initialName;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "netc-play-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The page's address, token included. */
    public String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/?token=" + token;
    }

    @Override
    public void close() {
        List<PlaySession> running;
        synchronized (sessions) {
            running = new ArrayList<>(sessions.values());
            running.forEach(PlaySession::stop);
            sessions.clear();
        }
        for (PlaySession s : running) {
            try {
                s.join(10_000);  // at most the rest of a batch
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop(0);
        pool.shutdownNow();
    }

    /** How many pages have a training thread alive (for tests: stopping never leaks one). */
    int liveSessions() {
        synchronized (sessions) {
            return (int) sessions.values().stream().filter(PlaySession::isAlive).count();
        }
    }

    private void handle(HttpExchange x) {
        try {
            route(x);
        } catch (RuntimeException e) {
            // a request the server cannot answer; the page shows the line, the server goes on
            try {
                send(x, 500, "text/plain", "netc play: internal error: " + e);
            } catch (IOException ignored) {
                // the page is gone
            }
        } catch (IOException e) {
            // the page went away
        } finally {
            x.close();
        }
    }

    private void route(HttpExchange x) throws IOException {
        Map<String, String> q = query(x.getRequestURI());
        if (!token.equals(q.get("token"))) {
            send(x, 403, "text/plain", "netc play: this address needs the token of the page's URL");
            return;
        }
        String path = x.getRequestURI().getPath();
        switch (path) {
            case "/" -> send(x, 200, "text/html; charset=utf-8", resource("index.html"));
            case "/api/examples" -> json(x, examples());
            case "/api/compile" -> json(x, Map.of("errors", errors(body(x))));
            case "/api/start" -> json(x, start(q.get("session"), body(x)));
            case "/api/control" -> json(x, control(q.get("session"), q.getOrDefault("action", "")));
            case "/api/events" -> events(x, q.get("session"));
            case "/api/graph" -> json(x, graph(q.get("session"), "backward".equals(q.get("kind")), body(x)));
            default -> send(x, 404, "text/plain", "not found: " + path);
        }
    }

    private Map<String, Object> examples() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, String>> list = new ArrayList<>();
        if (initial != null) list.add(Map.of("name", initialName, "source", initial));
        for (String e : EXAMPLES) list.add(Map.of("name", e, "source", resource("examples/" + e + ".net")));
        m.put("examples", list);
        return m;
    }

    /** The model's errors, located: line and column (1-based; 0 where a message has no place). */
    static List<Map<String, Object>> errors(String source) {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            NetCompiler.parse("model.net", source);
        } catch (CompileError e) {
            for (Diagnostic d : e.diagnostics()) out.add(error(d.span() == null ? 0 : d.span().line(), d.span() == null ? 0 : d.span().col(), d.message()));
        } catch (UserError e) {
            out.add(error(0, 0, e.getMessage()));
        }
        return out;
    }

    private static Map<String, Object> error(int line, int col, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("line", line);
        m.put("col", col);
        m.put("message", message);
        return m;
    }

    private Map<String, Object> start(String session, String body) {
        if (session == null || session.isEmpty()) throw new IllegalArgumentException("no session");
        JsonObject o = JsonParser.parseString(body).getAsJsonObject();
        String source = o.get("source").getAsString();
        PlaySession.Overrides ov = new PlaySession.Overrides(number(o, "lr"), text(o, "optimizer"),
                integer(o, "batch"), text(o, "data"), integer(o, "epochs"));
        stop(session);
        List<Map<String, Object>> errs = errors(source);
        if (!errs.isEmpty()) return Map.of("errors", errs);
        PlaySession s;
        try {
            s = new PlaySession(source, ov, root);
        } catch (UserError e) {
            return Map.of("errors", List.of(error(0, 0, e.getMessage())));
        }
        synchronized (sessions) {
            if (sessions.size() >= MOST_SESSIONS) {
                String oldest = sessions.keySet().iterator().next();
                sessions.remove(oldest).stop();
            }
            sessions.put(session, s);
            sessions.notifyAll();
        }
        s.run(true);
        return Map.of("errors", List.of());
    }

    /**
     * The model's graph as SVG, forward or with the backward pass; there each gradient is labelled with its size (the
     * 2-norm) in the page's run, when one is going.
     */
    private Map<String, Object> graph(String session, boolean backward, String source) {
        if (!errors(source).isEmpty()) return Map.of("error", "the model has errors");
        PlaySession s;
        synchronized (sessions) {
            s = sessions.get(session);
        }
        try {
            Graph forward = NetCompiler.parse("model.net", source);
            Graph g = backward ? Autodiff.differentiate(forward) : forward;
            Map<String, String> notes = backward && s != null ? s.gradientNorms() : Map.of();
            return Map.of("svg", Graphviz.svg(Dot.render(g, new HashSet<>(forward.nodes()), List.of(), notes)));
        } catch (UserError e) {
            return Map.of("error", e.getMessage());
        }
    }

    private Map<String, Object> control(String session, String action) {
        PlaySession s;
        synchronized (sessions) {
            s = sessions.get(session);
        }
        if (action.equals("reset")) {
            stop(session);
            return Map.of("state", "reset");
        }
        if (s == null) return Map.of("state", "none");
        switch (action) {
            case "pause" -> s.run(false);
            case "run" -> s.run(true);
            case "step" -> s.step();
            default -> throw new IllegalArgumentException("unknown action '" + action + "'");
        }
        return Map.of("state", action);
    }

    private void stop(String session) {
        synchronized (sessions) {
            PlaySession old = sessions.remove(session);
            if (old != null) old.stop();
        }
    }

    /** The session's snapshots as they come, as Server-Sent Events, until the page goes away. */
    private void events(HttpExchange x, String session) throws IOException {
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        x.getResponseHeaders().set("Cache-Control", "no-cache");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        PlaySession seen = null;
        long version = 0;
        while (true) {
            PlaySession s;
            synchronized (sessions) {
                s = sessions.get(session);
            }
            if (s != seen) {
                seen = s;
                version = 0;
            }
            Object[] latest = null;
            if (s != null) {
                synchronized (s) {
                    latest = s.latest();
                    if ((long) latest[1] == version) {
                        try {
                            s.wait(10_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                        latest = s.latest();
                    }
                }
            } else {
                synchronized (sessions) {
                    try {
                        sessions.wait(10_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            String line;
            if (latest != null && (long) latest[1] != version) {
                version = (long) latest[1];
                line = "data: " + gson.toJson(latest[0]) + "\n\n";
            } else {
                line = ": waiting\n\n";  // a comment: finds a page that has gone
            }
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.flush();  // an IOException here ends the stream
        }
    }

    /**
     * A data source of the page: a source name as it is, a file only under the folder netc play started in (the page
     * cannot make the server read other files).
     */
    static String withinRoot(String spec, Path root) {
        String file = DataSources.fileOf(spec);
        if (file == null) return spec;
        Path p;
        try {
            p = root.resolve(file).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError("data source '" + spec + "': not a file name (" + e.getReason() + ")");
        }
        if (!p.startsWith(root)) throw new UserError("data source '" + spec + "': netc play reads files under " + root + " only");
        return DataSources.withFile(spec, p.toString());
    }

    private static Double number(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() && !o.get(k).getAsString().isBlank() ? o.get(k).getAsDouble() : null;
    }

    private static Integer integer(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsInt() : null;
    }

    private static String text(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() && !o.get(k).getAsString().isBlank() ? o.get(k).getAsString() : null;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> m = new LinkedHashMap<>();
        String q = uri.getRawQuery();
        if (q == null) return m;
        for (String kv : q.split("&")) {
            int i = kv.indexOf('=');
            if (i > 0) m.put(URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static String body(HttpExchange x) throws IOException {
        try (InputStream in = x.getRequestBody()) {
            byte[] b = in.readNBytes(1 << 20);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private void json(HttpExchange x, Object o) throws IOException {
        send(x, 200, "application/json", gson.toJson(o));
    }

    private static void send(HttpExchange x, int status, String type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    private static String resource(String name) {
        try (InputStream in = PlayServer.class.getResourceAsStream("/netc/play/" + name)) {
            if (in == null) throw new IllegalStateException("the jar lacks netc/play/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
