package netc.compiler.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code netc play}'s page in Debian's Chromium, headless, through Debian's chromedriver (no browser download):
 * training XOR, the boundary, a broken model's located error, and a run of spirals for the README's picture.
 */
class PlaygroundBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path tmp;
    PlayServer server;
    WebDriver browser;

    @BeforeEach
    void open() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER), "Chromium and chromedriver are installed (apt-get install chromium chromium-driver)");
        server = new PlayServer(0, tmp, "xor_mlp", Files.readString(Path.of("../models/xor_mlp.net")));
        ChromeOptions o = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build(), o);
        browser.get(server.url());
    }

    @AfterEach
    void close() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
    }

    WebElement by(String testId) {
        return browser.findElement(By.cssSelector("[data-testid='" + testId + "']"));
    }

    WebDriverWait waitUpTo(int seconds) {
        // the page redraws parts of itself as snapshots arrive: an element found a moment ago may be gone
        return (WebDriverWait) new WebDriverWait(browser, Duration.ofSeconds(seconds)).ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    static double number(String s) {
        return s.equals("–") ? Double.NaN : Double.parseDouble(s.replace("%", ""));
    }

    @Test
    void xorLearnsTheBoundaryIsDrawnAndABrokenModelIsLocated() {
        waitUpTo(10).until(d -> by("source").getAttribute("value").contains("model XorMLP"));
        by("train").click();
        waitUpTo(10).until(d -> !Double.isNaN(number(by("loss").getText())));
        double first = number(by("loss").getText());
        waitUpTo(30).until(d -> number(by("loss").getText()) < first / 2);

        // the boundary: the plane coloured by the model's output, both classes' colours present
        Object colours = ((JavascriptExecutor) browser).executeScript("""
                const c = document.querySelector("[data-testid='boundary']"), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let blue = 0, orange = 0;
                for (let i = 0; i < d.length; i += 4) { if (d[i+2] > d[i] + 40) blue++; if (d[i] > d[i+2] + 40) orange++; }
                return [blue, orange];""");
        List<?> bo = (List<?>) colours;
        assertTrue(((Number) bo.get(0)).intValue() > 1000 && ((Number) bo.get(1)).intValue() > 1000, "both classes drawn: " + bo);

        // a histogram of weights and one of gradients per parameter; the backward graph with each gradient's size
        assertEquals(8, by("histograms").findElements(By.tagName("canvas")).size(), "XorMLP's four parameters");
        by("graph-backward").click();
        waitUpTo(20).until(d -> by("graph").getAttribute("innerHTML").contains("<svg"));
        String svg = by("graph").getAttribute("innerHTML");
        assertTrue(svg.contains("grad W1") && svg.contains("|g| = "), "the gradients and their sizes are drawn");

        // a broken model: its line and column, and the message
        WebElement source = by("source");
        source.clear();
        source.sendKeys("model Bad {\n  input x: float[batch, 2]\n  output y = x @ W\n}\n");
        waitUpTo(10).until(d -> by("errors").getText().contains("unknown name 'W'"));
        assertTrue(by("errors").getText().startsWith("3:18: unknown name 'W'"), by("errors").getText());
        waitUpTo(5).until(d -> d.findElement(By.cssSelector(".gutter .bad")).getText().equals("3"));  // the error's line is marked

        by("reset").click();
        waitUpTo(10).until(d -> server.liveSessions() == 0);
    }

    @Test
    void optimizersAreComparedOnTheSameModel() {
        waitUpTo(10).until(d -> by("source").getAttribute("value").contains("model XorMLP"));
        WebElement epochs = browser.findElement(By.id("compare-epochs"));
        epochs.clear();
        epochs.sendKeys("60");
        by("compare").click();
        // sgd, momentum and adam (the boxes checked at first), each to 60 epochs
        waitUpTo(30).until(d -> {
            List<List<String>> rows = compareTable();
            return rows.size() == 3 && rows.stream().allMatch(r -> r.get(1).equals("60"));
        });
        List<List<String>> rows = compareTable();
        double[] loss = new double[3];
        for (int i = 0; i < 3; i++) loss[i] = number(rows.get(i).get(2));
        assertEquals("sgd", rows.get(0).get(0));
        assertEquals("adam", rows.get(2).get(0));
        assertTrue(loss[0] != loss[1] && loss[1] != loss[2], "three runs, three losses: " + java.util.Arrays.toString(loss));
        assertTrue(loss[2] < loss[0], "on XOR, 60 epochs of Adam go further than plain SGD: " + java.util.Arrays.toString(loss));
        waitUpTo(10).until(d -> server.liveSessions() == 3);
    }

    /** The comparison table's rows (optimizer, epochs, loss, accuracy), read at once: the page redraws it as runs go. */
    @SuppressWarnings("unchecked")
    List<List<String>> compareTable() {
        return (List<List<String>>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(\"[data-testid='compare-table'] tr\")].slice(1).map(r => [...r.cells].map(c => c.textContent));");
    }

    @Test
    void anImageModelShowsTestImagesWithTheirPredictions() {
        assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is installed");
        waitUpTo(10).until(d -> by("example").findElements(By.tagName("option")).size() > 3);
        new Select(by("example")).selectByVisibleText("fashion");
        waitUpTo(10).until(d -> by("source").getAttribute("value").contains("model Fashion"));
        by("step").click();
        waitUpTo(60).until(d -> by("epoch").getText().equals("1") && by("images-caption").getText().contains("of 16 test images right"));
        int right = Integer.parseInt(by("images-caption").getText().split(" ")[0]);
        assertTrue(right >= 10, "one epoch of an MLP: most of 16 images right: " + by("images-caption").getText());
        assertTrue(by("images").isDisplayed() && !by("boundary").isDisplayed(), "images instead of a plane");
    }

    @Test
    void spiralsLearnAndThePictureIsTaken() throws Exception {
        waitUpTo(10).until(d -> by("example").findElements(By.tagName("option")).size() > 3);
        new Select(by("example")).selectByVisibleText("spirals");
        waitUpTo(10).until(d -> by("source").getAttribute("value").contains("model Spirals"));
        by("train").click();
        waitUpTo(60).until(d -> number(by("accuracy").getText()) > 90);
        by("pause").click();
        waitUpTo(10).until(d -> by("state").getText().equals("paused"));
        byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
        Path shot = Path.of("target", "playground-spirals.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, png);
        if (Boolean.getBoolean("netc.updateScreenshots")) Files.write(Path.of("../docs/playground.png"), png);
    }
}
