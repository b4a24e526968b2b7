package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Writes a room's records past what readers see: into the tail segment and its index, rolling to a
 * new segment as one fills, and fsyncs them when asked. One thread writes at a time (the flusher,
 * the segment writer or recovery); the segment list is the room's, and a new segment joins it under
 * the room's write lock.
 *
 * <p>Through the shared journal, segments are created and sealed without fsync (the journal holds
 * their records): those sealed since the last checkpoint, and whether a name was created since, are
 * remembered here and made durable by {@link #sync}.
 */
final class SegmentAppender {
    private static final int MAX_SCRATCH_BYTES = 4 << 20;
    private static final int PROBE_BYTES = 4096;
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[2]);

    private final Path directory;
    private final Disk disk;
    private final OpenFiles files;
    private final FileStoreOptions options;
    private final boolean journaled;
    private final List<Segment> segments;
    private final ReadWriteLock lock;
    private final List<Segment> unsynced = new ArrayList<>();
    private boolean directoryDirty;
    /** A segment was sealed since the last look, so retention may have something to drop. */
    private boolean rolled;
    /** Records were written since the room was loaded: close leaves it a clean marker. */
    private volatile boolean writtenSinceLoad;
    /** Records were written since the last {@link #sync}. */
    private volatile boolean writtenSinceSync;

    SegmentAppender(Path directory, Disk disk, OpenFiles files, FileStoreOptions options, boolean journaled,
            List<Segment> segments, ReadWriteLock lock) {
        this.directory = directory;
        this.disk = disk;
        this.files = files;
        this.options = options;
        this.journaled = journaled;
        this.segments = segments;
        this.lock = lock;
    }

    boolean writtenSinceLoad() {
        return writtenSinceLoad;
    }

    /** Whether something was written, sealed or created that {@link #sync} has not made durable yet. */
    boolean needsSync() {
        return writtenSinceSync || !unsynced.isEmpty() || directoryDirty;
    }

    /** Whether a segment was sealed since the last call (and forgets it). */
    boolean takeRolled() {
        boolean r = rolled;
        rolled = false;
        return r;
    }

    /** Forgets the sealed segment an old one was (retention deleted it). */
    void forget(List<Segment> gone) {
        unsynced.removeAll(gone);
    }

    /** Closes the segment's files if open (the room is released or the segment deleted). */
    void forgetFiles(Segment s) {
        files.drop(s.file);
        files.drop(s.index);
    }

    /** The room was loaded afresh (or released): nothing of this run is pending. */
    void reset() {
        unsynced.clear();
        directoryDirty = false;
        rolled = false;
        writtenSinceLoad = false;
        writtenSinceSync = false;
    }

    /** The segment being written, if any. */
    Segment tail() {
        lock.readLock().lock();
        try {
            return segments.isEmpty() ? null : segments.get(segments.size() - 1);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Writes the records after what is written, rolling segments as they fill (one write to the
     * segment and one to the index per segment touched). Returns the segment that holds the last of
     * them (the one to fsync; segments rolled away were fsynced on sealing, or are left to the next
     * checkpoint through the journal).
     */
    Segment write(List<byte[]> records, long firstSeqOfBatch) throws IOException {
        writtenSinceSync = true;
        writtenSinceLoad = true;
        long seq = firstSeqOfBatch;
        int i = 0;
        Segment t = null;
        while (i < records.size()) {
            t = tailFor(seq, records.get(i).length);
            int j = i;
            long bytes = 0;
            while (j < records.size()
                    && (j == i || t.writeEnd + bytes + records.get(j).length <= options.segmentBytes())) {
                bytes += records.get(j).length;
                j++;
            }
            ByteBuffer data = scratch(0, (int) bytes);
            ByteBuffer ix = scratch(1, 4 * (j - i));
            for (int k = i; k < j; k++) {
                ix.putInt((int) (t.writeEnd + data.position()));
                data.put(records.get(k));
            }
            data.flip();
            ix.flip();
            try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
                disk.write(seg.channel, t.file, data, t.writeEnd);
                disk.write(idx.channel, t.index, ix, Segment.indexPosition(t.writeLast - t.firstSeq + 1));
            }
            t.writeEnd += bytes;
            t.writeLast += j - i;
            seq += j - i;
            i = j;
        }
        return t;
    }

    /**
     * Takes seqs {@code from..to} without records: their index entries name the offset where the next
     * record will go, which holds another seq, so a read of them fails as over a corrupt record.
     */
    void writeHole(long from, long to) throws IOException {
        writtenSinceSync = true;
        writtenSinceLoad = true;
        Segment t = tailFor(from, 0);
        int n = (int) (to - from + 1);
        ByteBuffer ix = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            ix.putInt((int) t.writeEnd);
        }
        ix.flip();
        try (OpenFiles.Handle idx = files.acquire(t.index)) {
            disk.write(idx.channel, t.index, ix, Segment.indexPosition(t.writeLast - t.firstSeq + 1));
        }
        t.writeLast += n;
    }

    /**
     * The writing thread's reusable direct buffer {@code which} (0 records, 1 index entries), cleared,
     * limited to {@code bytes}: a heap buffer would be allocated per write and copied again by the JDK.
     */
    private static ByteBuffer scratch(int which, int bytes) {
        ByteBuffer[] mine = SCRATCH.get();
        ByteBuffer b = mine[which];
        if (b == null || b.capacity() < bytes) {
            if (bytes > MAX_SCRATCH_BYTES) {
                return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            b = ByteBuffer.allocateDirect(Math.max(bytes, b == null ? 64 << 10 : Math.min(MAX_SCRATCH_BYTES,
                    2 * b.capacity()))).order(ByteOrder.LITTLE_ENDIAN);
            mine[which] = b;
        }
        b.clear().limit(bytes);
        return b;
    }

    private Segment tailFor(long seq, int recordBytes) throws IOException {
        Segment t = tail();
        if (t != null && (t.writeLast < t.firstSeq || t.writeEnd + recordBytes <= options.segmentBytes())) {
            return t;
        }
        Segment fresh = new Segment(directory, seq, seq - 1, SmallFiles.FILE_HEADER_BYTES);
        long now = System.currentTimeMillis();
        if (journaled) {
            // No fsync on the append path: the next checkpoint fsyncs the sealed segment, the new
            // files and the directory; until then the journal holds every record they will hold.
            if (t != null) {
                unsynced.add(t);
            }
            // Files of that name that the list lacks were left by a creation that failed: start afresh.
            files.drop(fresh.file);
            files.drop(fresh.index);
            Files.deleteIfExists(fresh.file);
            Files.deleteIfExists(fresh.index);
            disk.create(fresh.file, SmallFiles.fileHeader(SmallFiles.MAGIC_SEGMENT, seq, now));
            disk.create(fresh.index, SmallFiles.fileHeader(SmallFiles.MAGIC_INDEX, seq, now));
            directoryDirty = true;
        } else {
            if (t != null) {
                forceWithIndex(t);
            }
            disk.createDurably(fresh.file, SmallFiles.fileHeader(SmallFiles.MAGIC_SEGMENT, seq, now));
            disk.createDurably(fresh.index, SmallFiles.fileHeader(SmallFiles.MAGIC_INDEX, seq, now));
        }
        lock.writeLock().lock();
        try {
            segments.add(fresh);
        } finally {
            lock.writeLock().unlock();
        }
        rolled = true;
        return fresh;
    }

    /**
     * The probe of a disk that failed: a bounded write (4 KiB of zeros after everything written to
     * the tail) and an fsync of it, through the disk seam, on the file that failed or its successor.
     * Recovery cuts the zeros as a torn tail. Throws if the disk still fails.
     */
    void probe() throws IOException {
        Segment t = tail();
        if (t == null) {
            Path file = directory.resolve("probe");
            try {
                disk.replaceAtomically(file, new byte[PROBE_BYTES]);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.resolveSibling("probe.tmp"));
            }
            return;
        }
        try (OpenFiles.Handle seg = files.acquire(t.file)) {
            disk.write(seg.channel, t.file, ByteBuffer.allocate(PROBE_BYTES), Math.max(t.end, t.writeEnd));
            disk.force(seg.channel, t.file);
        }
    }

    /** Fsyncs the segment's records (the group commit's fsync outside the journal). */
    void force(Segment t) throws IOException {
        try (OpenFiles.Handle seg = files.acquire(t.file)) {
            disk.force(seg.channel, t.file);
        }
    }

    /**
     * Fsyncs the segments sealed since the last sync, the tail, their indexes and (if a segment was
     * begun) the directory, so that everything written so far is durable without the journal.
     * Returns the tail, or null if the room has no segment.
     */
    Segment sync() throws IOException {
        // Cleared first: a write racing with this sync sets it again.
        writtenSinceSync = false;
        for (Segment s : unsynced) {
            forceWithIndex(s);
        }
        unsynced.clear();
        Segment t = tail();
        if (t != null) {
            forceWithIndex(t);
        }
        if (directoryDirty) {
            disk.syncDirectory(directory);
            directoryDirty = false;
        }
        return t;
    }

    /** A sync made the files durable but something after it failed: the next sync must run again. */
    void markUnsynced() {
        writtenSinceSync = true;
    }

    private void forceWithIndex(Segment t) throws IOException {
        try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
            disk.force(seg.channel, t.file);
            disk.force(idx.channel, t.index);
        }
    }
}
