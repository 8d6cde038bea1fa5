package netc.runtime.data;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

import netc.runtime.InputSpec;
import netc.runtime.UserError;

/**
 * Turns a data source spec (the command line's {@code --data}) into a {@link DataSet} whose columns are named after
 * a model's inputs and shaped {@code [n, ...sampleShape]}: int tensors for int inputs, float tensors for float inputs.
 *
 * <p>Accepted specs:
 * <ul>
 *   <li>{@code FILE.safetensors}: one tensor per input, named after it, shaped [n, ...sampleShape] or with trailing
 *       dimensions that hold one sample's values (other tensors are ignored);</li>
 *   <li>{@code fashion-mnist} or {@code fashion-mnist:DIR}: images in [0, 1] to the first input (784 values per
 *       sample), class indices (or one-hot for a float[10] input) to the second;</li>
 *   <li>{@code csv:FILE} or {@code csv:FILE?label=COLUMN}: the label column (by default the last; a header name or
 *       a 0-based index) to the second input, the other columns to the first; every column to a single input;</li>
 *   <li>{@code text:FILE}: next-character prediction, windows of the first input's length (int[N]) to it and the
 *       following character to the second input (see {@link CharVocab});</li>
 *   <li>{@code xor}, {@code and}, {@code or}, {@code moons}, {@code spirals}: 2-D toy sets, points to the first input
 *       (float[2]) and labels to the second;</li>
 *   <li>{@code random:N,D,OUT[,SEED]}: N samples of D standard-normal features to the first input, OUT standard-normal
 *       targets (or a random class index 0..OUT-1 for an int input) to the second.</li>
 * </ul>
 * Labels go to an int input as class indices, to a float input of one value as 0/1, to a float[K] input one-hot.
 */
public final class DataSources {
    private static final String CSV = "csv:";
    private static final String LABEL = "?label=";
    private static final String ACCEPTED = "FILE.safetensors, fashion-mnist, fashion-mnist:DIR, csv:FILE, "
            + "csv:FILE?label=COLUMN, text:FILE, " + String.join(", ", ToyData.NAMES) + ", " + RandomData.FORM.replace(" or ", ", ");

    private DataSources() {
    }

    /** The prefixes of the sources that name a file or folder after them. */
    private static final String[] FILE_PREFIXES = {"text:", CSV, "fashion-mnist:"};

    /**
     * The file or folder a source names ({@code csv:FILE?label=C}, {@code text:FILE}, {@code fashion-mnist:DIR},
     * {@code FILE.safetensors}), or null for a built-in source ({@code xor}, {@code fashion-mnist}, {@code random:...}).
     */
    public static String fileOf(String spec) {
        String prefix = prefixOf(spec);
        if (prefix == null) return null;
        String rest = spec.substring(prefix.length());
        int q = rest.indexOf('?');
        return q < 0 ? rest : rest.substring(0, q);
    }

    /** The source with its file replaced by {@code file}, its prefix and query kept; {@link #fileOf} must be non-null. */
    public static String withFile(String spec, String file) {
        String prefix = prefixOf(spec), rest = spec.substring(prefix.length());
        int q = rest.indexOf('?');
        return prefix + file + (q < 0 ? "" : rest.substring(q));
    }

    private static String prefixOf(String spec) {
        for (String p : FILE_PREFIXES) if (spec.startsWith(p)) return p;
        return spec.endsWith(".safetensors") ? "" : null;
    }

    /**
     * Loads the data {@code spec} names for a model with {@code inputs}.
     *
     * @param test whether to load the source's test split rather than its training split (a safetensors or CSV
     *             file has only one: it is returned either way)
     * @throws UserError if the spec is unknown, the data cannot be read, or it does not fit the inputs
     */
    public static DataSet load(String spec, List<InputSpec> inputs, boolean test) {
        DataSet d = loadAny(spec, inputs, test);
        if (d.size() == 0) throw new UserError("data source '" + spec + "': no samples; " + (test ? "testing" : "training") + " needs at least one");
        return d;
    }

    /**
     * Loads samples without labels for the inputs a prediction needs: {@code csv:FILE} (every column a feature),
     * {@code FILE.safetensors} (a tensor per input), an IDX file of images ({@code ...-ubyte[.gz]}, {@code .idx[.gz]},
     * pixels scaled to [0, 1]), or PNG and JPEG images for an image input: a file, a folder of them (by name) or a
     * comma-separated list.
     *
     * @throws UserError if the data cannot be read, does not fit the inputs, or has no samples
     */
    public static DataSet loadFeatures(String spec, List<InputSpec> inputs) {
        DataSet d = featuresAny(spec, inputs);
        if (d.size() == 0) throw new UserError("data source '" + spec + "': no samples to predict");
        return d;
    }

    private static DataSet featuresAny(String spec, List<InputSpec> inputs) {
        if (spec.startsWith(CSV)) {
            if (spec.contains(LABEL)) throw new UserError("data source '" + spec + "': predictions take features only, no ?label=");
            if (inputs.size() != 1) throw new UserError("data source '" + spec + "': CSV features need a model whose outputs take one input");
            return CsvSource.load(file(spec.substring(CSV.length()), spec), null, inputs);
        }
        if (spec.endsWith(".safetensors")) return SafetensorsSource.load(file(spec, spec), inputs);
        List<Path> images = new java.util.ArrayList<>();
        for (String part : spec.split(",")) {
            Path p = path(part, spec);
            if (java.nio.file.Files.isDirectory(p)) {
                try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(p)) {
                    files.filter(f -> IMAGE.matcher(f.getFileName().toString()).matches()).sorted().forEach(images::add);
                } catch (java.io.IOException e) {
                    throw new UserError(p + ": cannot list the folder: " + netc.runtime.io.IoErrors.describe(e), e);
                }
                if (images.isEmpty()) throw new UserError(p + ": no .png or .jpg images in this folder");
            } else if (IMAGE.matcher(p.getFileName().toString()).matches()) {
                if (!java.nio.file.Files.isRegularFile(p)) throw new UserError(p + ": no such image");
                images.add(file(part, spec));
            } else if (IDX.matcher(p.getFileName().toString()).matches() && !spec.contains(",")) {
                Idx.Bytes b = Idx.readBytes(file(part, spec));
                float[] v = new float[b.data().length];
                for (int i = 0; i < v.length; i++) v[i] = (b.data()[i] & 0xFF) / 255f;
                return new Labeled(p.toString(), v, v.length / Math.max(1, b.shape()[0]), null, 0).bind(inputs);
            } else {
                throw new UserError("data source '" + spec + "': expected csv:FILE, FILE.safetensors, an IDX images file, or PNG/JPEG "
                        + "images (a file, a folder or a comma-separated list)");
            }
        }
        if (inputs.size() != 1) throw new UserError("data source '" + spec + "': images need a model whose outputs take one input");
        return Images.load(images, inputs.get(0)).bind(inputs);
    }

    private static final java.util.regex.Pattern IMAGE = java.util.regex.Pattern.compile("(?i).+\\.(png|jpe?g)");
    private static final java.util.regex.Pattern IDX = java.util.regex.Pattern.compile(".+(-ubyte|\\.idx\\d?)(\\.gz)?");

    private static DataSet loadAny(String spec, List<InputSpec> inputs, boolean test) {
        if (spec.startsWith(CSV)) {
            String rest = spec.substring(CSV.length());
            int q = rest.lastIndexOf(LABEL);
            String label = q < 0 ? null : rest.substring(q + LABEL.length());
            String file = q < 0 ? rest : rest.substring(0, q);
            if (file.isEmpty() || (label != null && label.isEmpty())) {
                throw new UserError("data source '" + spec + "': expected csv:FILE or csv:FILE?label=COLUMN");
            }
            return CsvSource.load(file(file, spec), label, inputs);
        }
        if (spec.equals(FashionMnist.NAME) || spec.startsWith(FashionMnist.NAME + ":")) {
            String dir = spec.equals(FashionMnist.NAME) ? FashionMnist.DEFAULT_DIR : spec.substring(FashionMnist.NAME.length() + 1);
            if (dir.isEmpty()) throw new UserError("data source '" + spec + "': expected fashion-mnist or fashion-mnist:DIR");
            Labeled.requireInputs(FashionMnist.NAME, inputs, true);  // before reading 30 MB of images
            return FashionMnist.load(path(dir, spec), test).bind(inputs);
        }
        if (spec.startsWith(RandomData.PREFIX)) {
            return RandomData.load(spec, inputs, test);
        }
        if (spec.startsWith(TextSource.PREFIX)) {
            String file = spec.substring(TextSource.PREFIX.length());
            if (file.isEmpty()) throw new UserError("data source '" + spec + "': expected text:FILE");
            return TextSource.load(file(file, spec), inputs, test);
        }
        if (ToyData.NAMES.contains(spec)) {
            return ToyData.load(spec, test).bind(inputs);
        }
        if (spec.endsWith(".safetensors")) {
            return SafetensorsSource.load(file(spec, spec), inputs);
        }
        throw new UserError("unknown data source '" + spec + "'; accepted: " + ACCEPTED);
    }

    /**
     * For a {@code text:FILE} source, the unigram baseline (nats per character of its test split under the training
     * split's character frequencies); NaN for other sources.
     */
    public static double baselineLoss(String spec) {
        if (!spec.startsWith(TextSource.PREFIX)) return Double.NaN;
        return TextSource.unigramBaseline(path(spec.substring(TextSource.PREFIX.length()), spec));
    }

    /** The path of a data file; one that exists but is not a regular file (a pipe, a device) is refused. */
    private static Path file(String s, String spec) {
        Path p = path(s, spec);
        if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isRegularFile(p)) {
            throw new UserError(p + ": " + (java.nio.file.Files.isDirectory(p) ? "is a directory" : "not a regular file")
                    + ", expected a data file");
        }
        return p;
    }

    private static Path path(String s, String spec) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new UserError("data source '" + spec + "': invalid path: " + e.getReason());
        }
    }
}
