package netc.runtime.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import netc.runtime.Tensor;
import netc.runtime.UserError;
import netc.runtime.io.IoErrors;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, a type byte (only 0x08, unsigned bytes,
 * is supported), a dimension count, that many big-endian int32 dimensions, then the data. Files are gunzipped on
 * the fly when their name ends in {@code .gz} or they start with the gzip magic bytes.
 */
public final class Idx {
    private static final int UNSIGNED_BYTE = 0x08;
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;

    private Idx() {
    }

    /** An IDX file's dimensions and raw data bytes, for callers that convert the bytes themselves. */
    record Bytes(int[] shape, byte[] data) {
    }

    /**
     * Reads an IDX file of unsigned bytes as an int tensor of values 0..255 shaped by the file's dimensions.
     *
     * @throws UserError if the file cannot be read, is truncated, or its header is not a supported IDX header
     */
    public static Tensor read(Path file) {
        Bytes b = readBytes(file);
        int[] values = new int[b.data().length];
        for (int i = 0; i < values.length; i++) values[i] = b.data()[i] & 0xFF;
        return Tensor.ofInts(b.shape(), values);
    }

    /** Reads an IDX file of unsigned bytes without widening them; see {@link #read(Path)}. */
    static Bytes readBytes(Path file) {
        String f = file.toString();
        try (InputStream in = open(file)) {
            byte[] head = in.readNBytes(4);
            if (head.length < 4) throw new UserError(f + ": truncated IDX file: " + head.length + " bytes, the header needs 4");
            if (head[0] != 0 || head[1] != 0) {
                throw new UserError(f + ": not an IDX file: it does not start with two zero bytes");
            }
            if (head[2] != UNSIGNED_BYTE) {
                throw new UserError(f + String.format(": IDX data type 0x%02X is not supported (only 0x08, unsigned bytes)", head[2] & 0xFF));
            }
            int ndim = head[3] & 0xFF;
            if (ndim == 0) throw new UserError(f + ": corrupt IDX header: 0 dimensions");
            byte[] dimBytes = in.readNBytes(4 * ndim);
            if (dimBytes.length < 4 * ndim) {
                throw new UserError(f + ": truncated IDX file: the header declares " + ndim + " dimensions, the file ends inside them");
            }
            int[] shape = new int[ndim];
            ByteBuffer dims = ByteBuffer.wrap(dimBytes);  // big-endian
            long count = 1;
            for (int i = 0; i < ndim; i++) {
                shape[i] = dims.getInt();
                if (shape[i] < 0 || (count *= shape[i]) > Integer.MAX_VALUE - 8) {
                    throw new UserError(f + ": corrupt IDX header: dimension " + i + " is " + Integer.toUnsignedString(shape[i])
                            + ", too many values in all");
                }
            }
            // readNBytes grows its buffer as data arrives, so a corrupt count cannot allocate more than the file holds
            byte[] data = in.readNBytes((int) count);
            if (data.length < count) {
                throw new UserError(f + ": truncated IDX file: the header declares " + Tensor.shapeString(shape) + " = "
                        + count + " bytes of data, the file has " + data.length);
            }
            if (in.read() >= 0) {
                throw new UserError(f + ": corrupt IDX file: data continues past the " + count + " bytes the header declares "
                        + Tensor.shapeString(shape));
            }
            return new Bytes(shape, data);
        } catch (IOException e) {
            throw new UserError(f + ": cannot read IDX file: " + IoErrors.describe(e), e);
        }
    }

    /** The file's content stream, gunzipping it when its name or first bytes say it is gzip-compressed. */
    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            boolean gzipMagic = raw.read() == GZIP_MAGIC_0 && raw.read() == GZIP_MAGIC_1;
            raw.reset();
            if (gzipMagic || file.getFileName().toString().endsWith(".gz")) {
                return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            }
            return raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
