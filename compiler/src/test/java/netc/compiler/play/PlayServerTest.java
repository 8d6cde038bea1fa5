package netc.compiler.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The playground's server without a browser: the token, located errors, files outside the folder, no thread left. */
class PlayServerTest {
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> call(PlayServer s, String path, String body) throws Exception {
        String base = s.url().replace("/?token=", path + (path.contains("?") ? "&" : "?") + "token=");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base));
        if (body != null) b.POST(HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersOnlyWithTheTokenAndLocatesErrors() throws Exception {
        try (PlayServer s = new PlayServer(0, tmp, null, null)) {
            assertTrue(s.url().startsWith("http://127.0.0.1:"), s.url());
            HttpResponse<String> no = http.send(HttpRequest.newBuilder(URI.create(s.url().replaceFirst("token=.*", "token=guess"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, no.statusCode());
            assertTrue(call(s, "/", null).body().contains("data-testid=\"boundary\""));
            assertTrue(call(s, "/api/examples", null).body().contains("\"name\":\"spirals\""));
            assertEquals("{\"errors\":[{\"line\":3,\"col\":18,\"message\":\"unknown name \\u0027W\\u0027 (did you mean \\u0027x\\u0027?)\"}]}",
                    call(s, "/api/compile", "model M {\n  input x: float[batch, 2]\n  output y = x @ W\n}\n").body());
            assertEquals("{\"errors\":[]}", call(s, "/api/compile", Files.readString(Path.of("../models/xor_mlp.net"))).body());
        }
    }

    @Test
    void aDivergingRunShowsItsMessageNotAStackTrace() throws Exception {
        String xor = "model Blow {\n  input x: float[batch, 2]\n  input t: float[batch, 1]\n  output y = dense(x, 1, name=\"d\")\n"
                + "  loss = mse(y, t)\n  train {\n    optimizer = sgd(lr=1e30)\n    batch = 4\n    data = \"xor\"\n  }\n}\n";
        try (PlayServer s = new PlayServer(0, tmp, null, null)) {
            assertEquals("{\"errors\":[]}", call(s, "/api/start?session=d", "{\"source\": " + new com.google.gson.Gson().toJson(xor) + "}").body());
            String events = s.url().replace("/?token=", "/api/events?session=d&token=");
            HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(events)).build(), HttpResponse.BodyHandlers.ofLines());
            String error = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                    () -> r.body().filter(l -> l.contains("\"state\":\"error\"")).findFirst().orElseThrow());
            assertTrue(error.contains("training diverged at epoch "), error);
            assertTrue(!error.contains("Exception") && !error.contains("\tat "), error);
        }
    }

    @Test
    void readsDataOnlyUnderItsFolderAndStopsEveryThread() throws Exception {
        String xor = Files.readString(Path.of("../models/xor_mlp.net"));
        try (PlayServer s = new PlayServer(0, tmp, null, null)) {
            String outside = "{\"source\": " + new com.google.gson.Gson().toJson(xor) + ", \"data\": \"../secret.safetensors\"}";
            String r = call(s, "/api/start?session=a", outside).body();
            assertTrue(r.contains("netc play reads files under " + tmp.toAbsolutePath().normalize() + " only"), r);

            String ok = "{\"source\": " + new com.google.gson.Gson().toJson(xor) + "}";
            for (int i = 0; i < PlayServer.MOST_SESSIONS + 3; i++) assertEquals("{\"errors\":[]}", call(s, "/api/start?session=p" + i, ok).body());
            assertEquals(PlayServer.MOST_SESSIONS, s.liveSessions(), "a new page stops the oldest beyond the limit");
            call(s, "/api/start?session=p5", ok);  // the same page again: its old run stops
            assertEquals(PlayServer.MOST_SESSIONS, s.liveSessions());
            call(s, "/api/control?session=p5&action=reset", "");
            long until = System.currentTimeMillis() + 5000;
            while (s.liveSessions() != PlayServer.MOST_SESSIONS - 1 && System.currentTimeMillis() < until) Thread.sleep(20);
            assertEquals(PlayServer.MOST_SESSIONS - 1, s.liveSessions());
        }
        Thread.sleep(200);
        assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("netc-play-") && t.isAlive()).count(),
                "closing the server ends every training thread");
    }
}
