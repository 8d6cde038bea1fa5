package netc.runtime.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import netc.runtime.InputSpec;
import netc.runtime.UserError;

/**
 * PNG and JPEG images as the samples of an image model's input: each resized (bilinear) to the input's height and
 * width, turned grey (luminance) for one channel or kept as red, green and blue for three, and scaled to [0, 1]
 * (pixel / 255) as Fashion-MNIST's pixels are. The input's sample shape says which: {@code [C, H, W]} with C = 1 or
 * 3, {@code [H, W]}, or {@code [N]} for a square grey image of N pixels.
 */
final class Images {
    private Images() {
    }

    static Labeled load(List<Path> files, InputSpec in) {
        int[] s = in.sampleShape();
        int channels, h, w;
        if (s.length == 3 && (s[0] == 1 || s[0] == 3)) {
            channels = s[0];
            h = s[1];
            w = s[2];
        } else if (s.length == 2) {
            channels = 1;
            h = s[0];
            w = s[1];
        } else if (s.length == 1 && (int) Math.sqrt(s[0]) * (int) Math.sqrt(s[0]) == s[0]) {
            channels = 1;
            h = w = (int) Math.sqrt(s[0]);
        } else {
            throw new UserError("input '" + in.name() + "' of shape " + netc.runtime.Tensor.shapeString(s)
                    + " does not take images: it needs [1 or 3, height, width], [height, width] or [pixels of a square]");
        }
        int per = channels * h * w;
        float[] values = new float[Math.multiplyExact(files.size(), per)];
        for (int i = 0; i < files.size(); i++) pixels(files.get(i), channels, h, w, values, i * per);
        return new Labeled(files.size() == 1 ? files.get(0).toString() : files.size() + " images", values, per, null, 0);
    }

    private static void pixels(Path file, int channels, int h, int w, float[] out, int at) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": cannot read the image: " + netc.runtime.io.IoErrors.describe(e), e);
        }
        if (img == null) throw new UserError(file + ": not a PNG or JPEG image");
        BufferedImage sized = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = sized.getRGB(x, y), r = rgb >> 16 & 0xFF, gr = rgb >> 8 & 0xFF, b = rgb & 0xFF;
                if (channels == 1) {
                    out[at + y * w + x] = (0.299f * r + 0.587f * gr + 0.114f * b) / 255f;
                } else {
                    out[at + y * w + x] = r / 255f;
                    out[at + h * w + y * w + x] = gr / 255f;
                    out[at + 2 * h * w + y * w + x] = b / 255f;
                }
            }
        }
    }
}
