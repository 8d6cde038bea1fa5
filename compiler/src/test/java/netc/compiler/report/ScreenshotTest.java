package netc.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import netc.compiler.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees: the graph's SVG and a training report rendered by headless Chromium, checked pixel by pixel.
 * Skipped only where Chromium or Graphviz is missing; CI installs both (.ci/run).
 */
class ScreenshotTest {
    @TempDir
    Path tmp;

    static final int WIDTH = 1200, HEIGHT = 900;

    static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    /** A WIDTH x HEIGHT screenshot of {@code page}. */
    BufferedImage screenshot(Path page) throws Exception {
        String chromium = chromium();
        assumeTrue(chromium != null, "Chromium is not installed");
        assumeTrue(ReportTest.hasDot(), "Graphviz is not installed");
        Path png = tmp.resolve(page.getFileName() + ".png"), profile = Files.createTempDirectory(tmp, "profile");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--screenshot=" + png, "--window-size=" + WIDTH + "," + HEIGHT,
                page.toUri().toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "Chromium did not finish in 120 s");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("chromium.log")));
        assertTrue(Files.size(png) > 0, "no screenshot");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(WIDTH, img.getWidth());
        assertEquals(HEIGHT, img.getHeight());
        return img;
    }

    /** Pixels within a small distance of {@code hex} inside the rectangle [x0, x1) x [y0, y1). */
    static int pixels(BufferedImage img, String hex, int x0, int y0, int x1, int y1) {
        int c = Integer.parseInt(hex.substring(1), 16), n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int p = img.getRGB(x, y);
                int d = Math.abs(((p >> 16) & 255) - ((c >> 16) & 255)) + Math.abs(((p >> 8) & 255) - ((c >> 8) & 255)) + Math.abs((p & 255) - (c & 255));
                if (d <= 24) n++;
            }
        }
        return n;
    }

    /** Pixels that are not near white or the page's light grey background. */
    static int inked(BufferedImage img) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y), r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
                if (r + g + b < 3 * 200) n++;
            }
        }
        return n;
    }

    @Test
    void backwardGraphRendersWithItsColours() throws Exception {
        Path svg = tmp.resolve("g.svg");
        Cli r = Cli.run("graph", ReportTest.XOR, "--grad", "-o", svg);
        assertEquals(0, r.status(), r.err());
        BufferedImage img = screenshot(svg);
        assertTrue(inked(img) > 5_000, "the drawing has text and edges: " + inked(img) + " dark pixels");
        // inputs blue, parameters green, backward ops orange (ir.Dot's fill colours)
        assertTrue(pixels(img, "#cfe2f3", 0, 0, WIDTH, HEIGHT) > 1_000, "input boxes");
        assertTrue(pixels(img, "#d9ead3", 0, 0, WIDTH, HEIGHT) > 1_000, "parameter boxes");
        assertTrue(pixels(img, "#fce5cd", 0, 0, WIDTH, HEIGHT) > 1_000, "backward ops");
    }

    @Test
    void reportShowsTheCurvesInItsFirstScreen() throws Exception {
        Path report = tmp.resolve("report.html");
        Cli r = Cli.run("train", ReportTest.XOR, "--epochs", 60, "--report", report);
        assertEquals(0, r.status(), r.err());
        BufferedImage img = screenshot(report);
        assertTrue(inked(img) > 10_000, "text and charts: " + inked(img) + " dark pixels");
        // the two epoch charts sit side by side below the title, the status line and the figures
        int top = 200, bottom = 560, mid = WIDTH / 2;
        int trainLeft = pixels(img, Report.TRAIN_COLOR, 0, top, mid, bottom), testLeft = pixels(img, Report.TEST_COLOR, 0, top, mid, bottom);
        int trainRight = pixels(img, Report.TRAIN_COLOR, mid, top, WIDTH, bottom), testRight = pixels(img, Report.TEST_COLOR, mid, top, WIDTH, bottom);
        assertTrue(trainLeft > 300 && testLeft > 300, "loss chart: " + trainLeft + " train, " + testLeft + " test pixels");
        assertTrue(trainRight > 300 && testRight > 300, "accuracy chart: " + trainRight + " train, " + testRight + " test pixels");
        // the green status bar of a finished run
        assertTrue(pixels(img, "#e6f4ea", 0, 80, WIDTH, 160) > 10_000, "status bar");
    }
}
