package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every write and fsync of the store goes through here: the seam through which tests inject a
 * failing write or fsync. Stateless and thread-safe.
 */
class Disk {
    static final Disk REAL = new Disk();

    /** Writes all of {@code buf} at {@code position}. */
    void write(FileChannel channel, Path path, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            p += channel.write(buf, p);
        }
    }

    /** Makes the file's data durable (fdatasync: size changes are included, mtime is not). */
    void force(FileChannel channel, Path path) throws IOException {
        channel.force(false);
    }

    /** Cuts the file to {@code size} and makes the cut durable. */
    void truncate(FileChannel channel, Path path, long size) throws IOException {
        channel.truncate(size);
        force(channel, path);
    }

    /** Makes the directory's entries (new, renamed and deleted names) durable. */
    void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Creates a file holding {@code content} durably: write, fsync, then create the name. */
    void createDurably(Path target, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(
                target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            write(ch, target, ByteBuffer.wrap(content), 0);
            force(ch, target);
        }
        syncDirectory(target.getParent());
    }

    /** Creates a file holding {@code content}, without fsync (its creator makes it durable later). */
    void create(Path target, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, target, ByteBuffer.wrap(content), 0);
        }
    }

    /**
     * Replaces {@code target} with {@code content} atomically: a reader (or a crash) sees the old
     * file or the new one, never a mix. Temp file, fsync, rename, fsync the directory.
     */
    void replaceAtomically(Path target, byte[] content) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, temp, ByteBuffer.wrap(content), 0);
            force(ch, temp);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename atomically: " + target, e);
        }
        syncDirectory(target.getParent());
    }
}
