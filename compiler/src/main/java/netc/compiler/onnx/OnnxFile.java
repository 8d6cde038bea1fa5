package netc.compiler.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import netc.compiler.onnx.proto.Onnx;
import netc.runtime.UserError;

/**
 * Reads an ONNX model file ({@code ModelProto}, through protobuf-java and the classes compiled from
 * {@code src/main/protobuf/onnx.proto}) and decodes its tensors, the weights of files over 2 GB included, which
 * exporters write to external data files beside the model ({@code location}, {@code offset}, {@code length}). Every
 * fault of the file is one {@link UserError} that names it.
 */
final class OnnxFile {
    /** protobuf-java's default nesting limit is 100; graphs nest attributes in subgraphs only a few levels deep. */
    private static final int RECURSION_LIMIT = 64;

    final Path path;
    final Onnx.ModelProto model;

    private OnnxFile(Path path, Onnx.ModelProto model) {
        this.path = path;
        this.model = model;
    }

    static OnnxFile read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            coded.setRecursionLimit(RECURSION_LIMIT);
            Onnx.ModelProto m = Onnx.ModelProto.parseFrom(coded);
            if (!m.hasGraph() || m.getGraph().getNodeCount() == 0 && m.getGraph().getOutputCount() == 0) {
                throw new UserError(OnnxFile.printable(path + ": not an ONNX model (no graph" + (Files.size(path) == 0 ? ": the file is empty)" : ")")));
            }
            return new OnnxFile(path, m);
        } catch (InvalidProtocolBufferException e) {
            throw new UserError(OnnxFile.printable(path + ": not an ONNX model, or a truncated one (" + e.getMessage() + ")"));
        } catch (NoSuchFileException e) {
            throw new UserError(OnnxFile.printable(path + ": no such file"));
        } catch (IOException e) {
            throw new UserError(OnnxFile.printable(path + ": cannot read: " + e.getMessage()));
        }
    }

    /** The opset version of the default (ai.onnx) domain. */
    long opset() {
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return o.getVersion();
        }
        return 0;
    }

    /** A tensor's values, with its shape; {@code what} names it in messages (an initializer, a node's attribute). */
    Const tensor(Onnx.TensorProto t, String what) {
        long[] dims = new long[t.getDimsCount()];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) throw bad(what, "has dimension " + dims[i]);
            n *= dims[i];
            if (n > Integer.MAX_VALUE - 8) throw bad(what, "has more than 2^31 elements");
        }
        int count = (int) n, type = t.getDataType();
        int width = width(type);
        if (width == 0) throw bad(what, "has element type " + typeName(type) + ", which netc does not read");
        ByteBuffer raw = null;
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) raw = external(t, what, (long) count * width);
        else if (t.hasRawData()) raw = t.getRawData().asReadOnlyByteBuffer();
        if (raw != null) {
            if (raw.remaining() != (long) count * width) {
                throw bad(what, "holds " + raw.remaining() + " bytes for " + count + " elements of " + width + " bytes");
            }
            return decodeRaw(raw.order(ByteOrder.LITTLE_ENDIAN), type, dims, count);
        }
        return decodeFields(t, type, dims, count, what);
    }

    private Const decodeRaw(ByteBuffer b, int type, long[] dims, int n) {
        switch (type) {
            case 1: {
                float[] f = new float[n];
                b.asFloatBuffer().get(f);
                return Const.ofFloats(dims, f);
            }
            case 11: {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) b.getDouble(8 * i);
                return Const.ofFloats(dims, f);
            }
            case 10: case 16: {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = half(b.getShort(2 * i) & 0xffff, type);
                return Const.ofFloats(dims, f);
            }
            default: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    switch (type) {
                        case 7: case 13: l[i] = b.getLong(8 * i); break;
                        case 6: l[i] = b.getInt(4 * i); break;
                        case 12: l[i] = b.getInt(4 * i) & 0xffffffffL; break;
                        case 5: l[i] = b.getShort(2 * i); break;
                        case 4: l[i] = b.getShort(2 * i) & 0xffff; break;
                        case 3: l[i] = b.get(i); break;
                        default: l[i] = b.get(i) & 0xff; // uint8, bool
                    }
                }
                return Const.ofLongs(dims, l);
            }
        }
    }

    private Const decodeFields(Onnx.TensorProto t, int type, long[] dims, int n, String what) {
        int have = switch (type) {
            case 1 -> t.getFloatDataCount();
            case 11 -> t.getDoubleDataCount();
            case 7 -> t.getInt64DataCount();
            case 12, 13 -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        if (have != n) throw bad(what, "holds " + have + " values for " + n + " elements");
        if (type == 1 || type == 11 || type == 10 || type == 16) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = type == 1 ? t.getFloatData(i) : type == 11 ? (float) t.getDoubleData(i) : half(t.getInt32Data(i) & 0xffff, type);
            }
            return Const.ofFloats(dims, f);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = type == 7 ? t.getInt64Data(i) : type == 12 || type == 13 ? t.getUint64Data(i) : t.getInt32Data(i);
        }
        return Const.ofLongs(dims, l);
    }

    /** The bytes of a tensor kept in an external file, which must lie beside the model (or below it). */
    private ByteBuffer external(Onnx.TensorProto t, String what, long bytes) {
        String location = null;
        long offset = 0, length = -1;
        for (Onnx.StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { }
                }
            } catch (NumberFormatException x) {
                throw bad(what, "has external data " + e.getKey() + " '" + e.getValue() + "', not a number");
            }
        }
        if (location == null) throw bad(what, "is marked external but names no location");
        Path dir = path.toAbsolutePath().getParent(), file = dir.resolve(location).normalize();
        if (Path.of(location).isAbsolute() || !file.startsWith(dir.normalize())) {
            throw bad(what, "has external data '" + location + "' outside the model's folder");
        }
        if (length < 0) length = bytes;
        if (offset < 0 || length != bytes) throw bad(what, "has external data of " + length + " bytes for " + bytes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset + length > ch.size()) {
                throw bad(what, "needs bytes " + offset + " to " + (offset + length) + " of " + location + ", which has " + ch.size());
            }
            ByteBuffer b = ByteBuffer.allocate((int) length);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) throw bad(what, "external data " + location + " ended early");
            }
            return b.flip();
        } catch (NoSuchFileException e) {
            throw bad(what, "has its data in " + location + ", which is missing");
        } catch (IOException e) {
            throw bad(what, "cannot read " + location + ": " + e.getMessage());
        }
    }

    /** Bytes per element of an ONNX data type that netc reads, 0 for others (strings, complex numbers, ...). */
    static int width(int type) {
        return switch (type) {
            case 1, 6, 12 -> 4;
            case 7, 11, 13 -> 8;
            case 10, 16, 4, 5 -> 2;
            case 2, 3, 9 -> 1;
            default -> 0;
        };
    }

    static String typeName(int type) {
        Onnx.TensorProto.DataType t = Onnx.TensorProto.DataType.forNumber(type);
        return t == null ? "#" + type : t.name().toLowerCase();
    }

    /** A float16 (type 10) or bfloat16 (type 16) as a float. */
    static float half(int bits, int type) {
        if (type == 16) return Float.intBitsToFloat(bits << 16);
        int sign = (bits & 0x8000) << 16, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
        if (exp == 0) return (sign != 0 ? -1 : 1) * mant * 0x1p-24f;
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    private UserError bad(String what, String problem) {
        return new UserError(OnnxFile.printable(path + ": " + what + " " + problem));
    }

    /**
     * A message as one printable line: names in a file are anyone's text, and a control character (a line break in a
     * node's name) is written as an escape.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') b.append("\\n");
            else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** The text of a bytes attribute. */
    static String text(ByteString s) {
        return s.toStringUtf8();
    }
}
