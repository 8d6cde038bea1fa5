package netc.runtime.io;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;

import netc.runtime.UserError;

/**
 * The safetensors element types this runtime reads, with their little-endian decoding into the two kinds of
 * {@link netc.runtime.Tensor} data: floating types become float tensors, integer and boolean types int tensors.
 */
enum Dtype {
    F32(4, false),
    F64(8, false),
    F16(2, false),
    BF16(2, false),
    I64(8, true),
    I32(4, true),
    I16(2, true),
    I8(1, true),
    U8(1, true),
    BOOL(1, true);

    /** Bytes per element. */
    final int size;
    /** Whether values decode to an int tensor (otherwise to a float tensor). */
    final boolean isInt;

    Dtype(int size, boolean isInt) {
        this.size = size;
        this.isInt = isInt;
    }

    /** The dtype called {@code name} in a safetensors header, or null when this runtime does not know it. */
    static Dtype byName(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** The supported names, comma-separated, for error messages. */
    static String supported() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * Decodes {@code count} elements of a floating dtype from {@code src} (little-endian, starting at index 0)
     * into {@code dst[off..off+count)}.
     */
    void decodeFloats(ByteBuffer src, float[] dst, int off, int count) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, off, count);
            case F64 -> {
                for (int k = 0; k < count; k++) dst[off + k] = (float) src.getDouble(k * 8);
            }
            case F16 -> {
                for (int k = 0; k < count; k++) dst[off + k] = halfToFloat(src.getShort(k * 2));
            }
            case BF16 -> {
                for (int k = 0; k < count; k++) dst[off + k] = Float.intBitsToFloat(src.getShort(k * 2) << 16);
            }
            default -> throw new IllegalStateException(this + " is not a floating dtype");
        }
    }

    /**
     * Decodes {@code count} elements of an integer dtype from {@code src} (little-endian, starting at index 0)
     * into {@code dst[off..off+count)}. An I64 value outside the int range is a {@link UserError} naming
     * {@code where} and the element's index.
     */
    void decodeInts(ByteBuffer src, int[] dst, int off, int count, String where) {
        switch (this) {
            case I64 -> {
                for (int k = 0; k < count; k++) {
                    long v = src.getLong(k * 8);
                    if (v != (int) v) {
                        throw new UserError(where + ": I64 value " + v + " at index " + (off + k)
                                + " does not fit in a 32-bit int");
                    }
                    dst[off + k] = (int) v;
                }
            }
            case I32 -> src.asIntBuffer().get(dst, off, count);
            case I16 -> {
                for (int k = 0; k < count; k++) dst[off + k] = src.getShort(k * 2);
            }
            case I8 -> {
                for (int k = 0; k < count; k++) dst[off + k] = src.get(k);
            }
            case U8, BOOL -> {
                for (int k = 0; k < count; k++) dst[off + k] = src.get(k) & 0xFF;
            }
            default -> throw new IllegalStateException(this + " is not an integer dtype");
        }
    }

    /** IEEE 754 binary16 to float (exact: every half value is representable as a float). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) {  // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));  // inf, NaN
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
