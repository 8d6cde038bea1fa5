package netc.compiler.cli;

import static netc.compiler.cli.CheckpointRecoveryTest.assertSameWeights;
import static netc.compiler.cli.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import netc.compiler.Cli;
import netc.runtime.Tensor;
import netc.runtime.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users of Keras and PyTorch expect: a validation split with val_loss and val_accuracy, early stopping that keeps
 * the best epoch's weights, evaluate with per-class accuracy and the confusion matrix, and predict for data without
 * labels (CSV, safetensors, IDX images, PNG and JPEG files).
 */
class KerasHabitsTest {
    @TempDir
    static Path tmp;

    /** Two moons, 2-16-2, with a train block that holds out a fifth for validation. */
    static final String MOONS = """
            model Moons {
              input x: float[batch, 2]
              input y: int[batch]
              h = dense(x, 16) |> tanh
              logits = dense(h, 2)
              output p = softmax(logits)
              loss = cross_entropy(logits, y)
              train {
                optimizer = adam(lr=0.05)
                batch = 16
                epochs = 6
                data = "moons"
                validation_split = 0.2
              }
            }
            """;

    /** 28×28 images, 10 classes: Fashion-MNIST's shape, trained on a few random images. */
    static final String IMAGES = """
            model Pics {
              input x: float[batch, 1, 28, 28]
              input y: int[batch]
              logits = dense(flatten(x), 10)
              output p = softmax(logits)
              loss = cross_entropy(logits, y)
              train {
                epochs = 1
                batch = 8
              }
            }
            """;

    static Path moons, pics, picsWeights;

    @BeforeAll
    static void models() throws IOException {
        moons = Files.writeString(tmp.resolve("moons.net"), MOONS);
        pics = Files.writeString(tmp.resolve("pics.net"), IMAGES);
        picsWeights = tmp.resolve("pics.safetensors");
        Cli r = Cli.run("train", pics, "--data", "random:64,784,10", "--save", picsWeights);
        assertEquals(0, r.status(), r.err());
    }

    static JsonObject json(Cli r) {
        assertEquals(0, r.status(), r.err());
        return JsonParser.parseString(r.lastLine()).getAsJsonObject();
    }

    // ---- validation and early stopping ----

    @Test
    void aValidationSplitIsHeldOutAndReportedEachEpoch() throws IOException {
        Path report = tmp.resolve("moons.html");
        Cli r = Cli.run("train", moons, "--json", "--report", report);
        JsonObject j = json(r);
        // moons has 600 training points: 120 held out
        assertTrue(r.out().startsWith("Moons: 480 samples (120 more held out for validation), batch 16"), r.out());
        assertTrue(r.out().contains("epoch 6: train loss ") && r.out().contains("; val_loss "), r.out());
        assertTrue(j.has("val_loss") && j.get("val_accuracy").getAsDouble() > 0.8, j.toString());
        String html = Files.readString(report);
        assertTrue(html.contains(">validation<") && html.contains(">val_loss<"), "the report draws and shows the validation figures");
        assertRefused(Cli.run("train", moons, "--validation-split", 1.5), "--validation-split must be a fraction between 0 and 1");
        Path bad = Files.writeString(tmp.resolve("bad.net"), MOONS.replace("validation_split = 0.2", "validation_split = 2"));
        Cli check = Cli.run("check", bad);
        assertEquals(1, check.status());
        assertTrue(check.err().contains("bad.net:13:24: error: validation_split must be a fraction between 0 and 1"), check.err());
    }

    @Test
    void earlyStoppingKeepsTheBestEpochsWeights() throws IOException {
        // a learning rate so high that the validation loss soon rises
        Path wild = Files.writeString(tmp.resolve("wild.net"), MOONS.replace("lr=0.05", "lr=0.9").replace("epochs = 6", "epochs = 40")
                .replace("validation_split = 0.2", "validation_split = 0.2\n    early_stopping = 2"));
        Path best = tmp.resolve("best.safetensors"), again = tmp.resolve("again.safetensors");
        Cli r = Cli.run("train", wild, "--threads", 1, "--json", "--save", best);
        JsonObject j = json(r);
        int bestEpoch = j.get("best_epoch").getAsInt(), epochs = j.get("epochs").getAsInt();
        assertTrue(epochs < 40 && epochs == bestEpoch + 2, r.out());
        assertTrue(r.out().contains("early stopping after epoch " + epochs + ": no lower validation loss for 2 epochs; the weights are epoch "
                + bestEpoch + "'s") && r.out().contains("saved weights of epoch " + bestEpoch + " to " + best), r.out());
        // the same run stopped at the best epoch ends with those very weights
        Cli shorter = Cli.run("train", wild, "--threads", 1, "--epochs", bestEpoch, "--early-stopping", 1000, "--save", again);
        assertEquals(0, shorter.status(), shorter.err());
        assertSameWeights(Safetensors.read(again), Safetensors.read(best));
    }

    // ---- evaluate ----

    @Test
    void evaluateGivesEachClassAndTheConfusionMatrix() {
        Path w = tmp.resolve("moons.safetensors");
        JsonObject trained = json(Cli.run("train", moons, "--save", w, "--json"));
        Cli r = Cli.run("evaluate", moons, "--weights", w, "--json");
        JsonObject j = json(r);
        // the train block's data has a test split of its own: the same test set train reported on
        assertEquals(trained.get("test_accuracy").getAsDouble(), j.get("accuracy").getAsDouble(), 1e-12);
        assertEquals(trained.get("test_loss").getAsDouble(), j.get("loss").getAsDouble(), 1e-9);
        JsonArray cm = j.getAsJsonArray("confusion");
        long all = 0, right = 0;
        for (int t = 0; t < cm.size(); t++) {
            for (int p = 0; p < cm.size(); p++) {
                all += cm.get(t).getAsJsonArray().get(p).getAsLong();
                if (p == t) right += cm.get(t).getAsJsonArray().get(p).getAsLong();
            }
        }
        assertEquals(j.get("samples").getAsLong(), all);
        assertEquals(j.get("accuracy").getAsDouble(), (double) right / all, 1e-12);
        assertEquals(trained.get("test_confusion"), cm, "train --json gives the same matrix for the test data");
        assertTrue(r.out().contains("confusion matrix (rows: true class, columns: predicted class)"), r.out());
        assertRefused(Cli.run("evaluate", moons, "--weights", tmp.resolve("none.safetensors")), "no such weights file");
    }

    // ---- predict ----

    @Test
    void predictTakesCsvAndSafetensorsWithoutLabels() throws IOException {
        Path w = tmp.resolve("moons-p.safetensors");
        assertEquals(0, Cli.run("train", moons, "--save", w).status());
        Path csv = Files.writeString(tmp.resolve("points.csv"), "a,b\n0.5,0.5\n-1,0.2\n2,0.1\n");
        Cli r = Cli.run("predict", moons, "--weights", w, "--data", "csv:" + csv, "--top", 2);
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).matches("0: class [01] \\(probability 0\\.\\d{4}\\), class [01] \\(probability 0\\.\\d{4}\\)"), lines.get(0));

        Path in = tmp.resolve("points.safetensors"), out = tmp.resolve("p.safetensors"), outCsv = tmp.resolve("p.csv");
        Safetensors.write(in, Map.of("x", Tensor.of(new int[] {3, 2}, new float[] {0.5f, 0.5f, -1, 0.2f, 2, 0.1f})));
        assertEquals(0, Cli.run("predict", moons, "--weights", w, "--data", in, "--out", out).status());
        float[] p = Safetensors.read(out).get("p").floats();
        assertEquals(6, p.length);
        assertEquals(0, Cli.run("predict", moons, "--weights", w, "--data", "csv:" + csv, "--out", outCsv).status());
        List<String> rows = Files.readAllLines(outCsv);
        assertEquals("sample,class,probability", rows.get(0));
        for (int s = 0; s < 3; s++) {
            String[] cells = rows.get(s + 1).split(",");
            int c = p[2 * s + 1] > p[2 * s] ? 1 : 0;
            assertEquals(Integer.toString(c), cells[1], rows.get(s + 1));
            assertEquals(p[2 * s + c], Float.parseFloat(cells[2]), 1e-5f);
        }
        assertRefused(Cli.run("predict", moons, "--weights", w, "--data", "csv:" + csv + "?label=b"), "predictions take features only");
    }

    @Test
    void predictReadsIdxImagesAndPngFilesAlike() throws IOException {
        // four 28×28 images as an IDX file, and the same pixels as PNG files (one of them at twice the size)
        byte[][] images = new byte[4][784];
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (byte[] img : images) for (int i = 0; i < 784; i++) img[i] = (byte) r.nextInt(256);
        java.io.ByteArrayOutputStream idx = new java.io.ByteArrayOutputStream();
        idx.write(new byte[] {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 28, 0, 0, 0, 28});
        for (byte[] img : images) idx.write(img);
        Path idxFile = Files.write(tmp.resolve("four-images-idx3-ubyte"), idx.toByteArray());
        Path folder = Files.createDirectories(tmp.resolve("pngs"));
        for (int n = 0; n < 4; n++) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < 784; i++) img.getRaster().setSample(i % 28, i / 28, 0, images[n][i] & 0xFF);
            ImageIO.write(img, "png", folder.resolve("img" + n + ".png").toFile());
        }
        Path fromIdx = tmp.resolve("idx.safetensors"), fromPng = tmp.resolve("png.safetensors");
        assertEquals(0, Cli.run("predict", pics, "--weights", picsWeights, "--data", idxFile, "--out", fromIdx).status());
        Cli png = Cli.run("predict", pics, "--weights", picsWeights, "--data", folder, "--out", fromPng);
        assertEquals(0, png.status(), png.err());
        assertArrayEquals(Safetensors.read(fromIdx).get("p").floats(), Safetensors.read(fromPng).get("p").floats(), 1e-5f);
        Cli one = Cli.run("predict", pics, "--weights", picsWeights, "--data", folder.resolve("img2.png") + "," + folder.resolve("img0.png"));
        assertEquals(0, one.status(), one.err());
        assertEquals(2, one.out().lines().count(), one.out());
        assertRefused(Cli.run("predict", pics, "--weights", picsWeights, "--data", Files.createDirectories(tmp.resolve("empty"))),
                "no .png or .jpg images in this folder");
        Path notPng = Files.writeString(tmp.resolve("fake.png"), "not an image");
        assertRefused(Cli.run("predict", pics, "--weights", picsWeights, "--data", notPng), notPng + ": not a PNG or JPEG image");
    }
}
