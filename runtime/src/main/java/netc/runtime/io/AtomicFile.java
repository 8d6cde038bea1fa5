package netc.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import netc.runtime.UserError;

/**
 * Writing a file so that nothing already saved is lost or torn: the contents go to a temporary file beside the
 * target, are forced to disk, and the temporary file is moved over the target (atomically where the file system
 * can); on any failure the temporary file is deleted and an existing target is left as it was.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** What goes into the file. */
    public interface Contents {
        void writeTo(FileChannel ch) throws IOException;
    }

    /** Writes {@code bytes} to {@code file}. */
    public static void write(Path file, byte[] bytes) {
        write(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /**
     * Writes what {@code contents} puts in the channel to {@code file}.
     *
     * @throws UserError naming the file when it cannot be written (no space, no permission, a read-only disk)
     */
    public static void write(Path file, Contents contents) {
        String f = file.toString();
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null) throw new UserError(f + ": cannot write: not a file path");
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                contents.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UserError(f + ": cannot write: " + IoErrors.describe(e), e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more can be done; the original error is the one to report
                }
            }
        }
    }

    /** All of buf, however many calls the channel takes. */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Makes the rename durable where the platform allows opening a directory; best effort otherwise. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not supported on this platform or file system: the data itself is already on disk
        }
    }
}
