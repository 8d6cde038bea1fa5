package netc.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Reads at a position: from an open file, or from bytes already in memory (a classpath resource). */
interface ReadSource {
    long size() throws IOException;

    /** Reads into {@code dst} from byte {@code pos} on; the count read, -1 at the end. */
    int read(ByteBuffer dst, long pos) throws IOException;

    static ReadSource of(FileChannel ch) {
        return new ReadSource() {
            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public int read(ByteBuffer dst, long pos) throws IOException {
                return ch.read(dst, pos);
            }
        };
    }

    static ReadSource of(byte[] bytes) {
        return new ReadSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public int read(ByteBuffer dst, long pos) {
                if (pos >= bytes.length) return -1;
                int n = (int) Math.min(dst.remaining(), bytes.length - pos);
                dst.put(bytes, (int) pos, n);
                return n;
            }
        };
    }
}
