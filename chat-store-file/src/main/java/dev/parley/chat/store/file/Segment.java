package dev.parley.chat.store.file;

import java.nio.file.Path;

/**
 * One segment of a room's log: the records from {@code firstSeq} on, and their index.
 *
 * <p>{@code lastSeq} and {@code end} are what readers may see (durable under the store's
 * setting); they change under the room's write lock. {@code writeLast} and {@code writeEnd} run
 * ahead of them and belong to the flusher thread.
 */
final class Segment {
    final long firstSeq;
    final Path file;
    final Path index;
    volatile long lastSeq;
    volatile long end;
    long writeLast;
    long writeEnd;
    /** The newest message's timestamp, once someone needed it (age retention); -1 before. */
    volatile long lastTs = -1;

    Segment(Path directory, long firstSeq, long lastSeq, long end) {
        this.firstSeq = firstSeq;
        String name = String.format("%020d", firstSeq);
        this.file = directory.resolve(name + ".seg");
        this.index = directory.resolve(name + ".idx");
        this.lastSeq = lastSeq;
        this.end = end;
        this.writeLast = lastSeq;
        this.writeEnd = end;
    }

    long count() {
        return lastSeq - firstSeq + 1;
    }

    static long indexPosition(long entry) {
        return SmallFiles.FILE_HEADER_BYTES + 4 * entry;
    }

    @Override
    public String toString() {
        return file + "[" + firstSeq + ".." + lastSeq + ", " + end + " bytes]";
    }
}
