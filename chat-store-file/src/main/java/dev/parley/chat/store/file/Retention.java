package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's retention (FORMAT.md, "Retention"): the logical start of its log, and which whole old
 * segments go. The state is guarded by the room's lock; methods named {@code ...Locked} expect the
 * caller to hold its write lock, the others do file I/O and are called without it.
 */
final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    static final String START = "start";

    /** What the {@code start} file of an earlier run says. */
    record Persisted(long start, long retainMessages) {}

    /** Segments retention took out of the list, and the log's start after them. */
    record Dropped(List<Segment> segments, long start) {}

    private final String room;
    private final Path directory;
    private final Disk disk;
    private final OpenFiles files;
    private final FileStoreOptions options;
    /**
     * A lower bound of the log's logical start (Kafka's log start offset) that does not follow from
     * the head and the retention by count of this run: what the {@code start} file (and the head of
     * the run that wrote it) implies, so that the start never moves back when the retention is
     * widened or removed. Fixed once {@link #known}.
     */
    private long startFloor;
    /** The {@code start} file has been read and the floor derived; retention may delete files. */
    private volatile boolean known;

    Retention(String room, Path directory, Disk disk, OpenFiles files, FileStoreOptions options) {
        this.room = room;
        this.directory = directory;
        this.disk = disk;
        this.files = files;
        this.options = options;
    }

    static byte[] startBytes(long start, long retainMessages) {
        return new SmallFiles.Writer(SmallFiles.MAGIC_START).putLong(start).putLong(retainMessages).finish();
    }

    boolean known() {
        return known;
    }

    /** A room just created: nothing was retained before. */
    void markKnown() {
        known = true;
    }

    /** Forgets what is in memory (the room is released; the next load reads the file again). */
    void reset() {
        known = false;
        startFloor = 0;
    }

    /**
     * The seq below which the log is no longer served, whatever its files still hold: retention by
     * count holds as soon as the head moves (PROTOCOL §9), the files go later, whole segments at a
     * time. Never lower than the floor of earlier runs.
     */
    long logicalStartLocked(long lastSeq) {
        long keep = options.retainMessages();
        long byCount = keep == Long.MAX_VALUE ? 0 : lastSeq - keep + 1;
        return Math.max(startFloor, byCount);
    }

    /** Raises the floor for good (a repair drops what precedes {@code seq}); returns the start now. */
    long raiseFloorLocked(long seq, long lastSeq) {
        startFloor = Math.max(startFloor, seq);
        return logicalStartLocked(lastSeq);
    }

    /** Reads the {@code start} file left by earlier runs; a missing or damaged one says nothing. */
    Persisted readPersisted() throws IOException {
        try {
            SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(directory.resolve(START)),
                    SmallFiles.MAGIC_START);
            if (r == null) {
                log.error("room {}: damaged {} file; the log starts where its files and retention say", room,
                        directory.resolve(START));
                return new Persisted(0, Long.MAX_VALUE);
            }
            return new Persisted(r.getLong(), r.getLong());
        } catch (NoSuchFileException e) {
            // Never written: no retention has applied yet, or the store predates the file.
            return new Persisted(0, Long.MAX_VALUE);
        }
    }

    /**
     * Derives the floor from what an earlier run persisted: its start, and the head minus its
     * retention by count (the records recovered since it was written were appended under that
     * retention). Returns the start now.
     */
    long initLocked(Persisted p, long lastSeq) {
        long byPersistedCount = p.retainMessages() == Long.MAX_VALUE ? 0 : lastSeq - p.retainMessages() + 1;
        startFloor = Math.min(Math.max(p.start(), byPersistedCount), lastSeq);
        return logicalStartLocked(lastSeq);
    }

    /**
     * Takes out of {@code segments} the oldest ones that retention drops (by count, bytes or age; the
     * tail always stays). Counted from what readers see ({@code lastSeq}), never from what is only
     * written, so the start never passes the last seq. Returns null if none goes.
     */
    Dropped dropLocked(List<Segment> segments, long lastSeq, long now, ToLongFunction<Segment> lastTs) {
        long keepBytes = options.retainBytes();
        long maxAgeMs = options.retainAge().toMillis();
        List<Segment> dropped = new ArrayList<>();
        long bytes = 0;
        for (Segment s : segments) {
            bytes += s.end;
        }
        long logical = logicalStartLocked(lastSeq);
        while (segments.size() > 1) {
            Segment oldest = segments.get(0);
            boolean byCount = segments.get(1).firstSeq <= logical;
            boolean byBytes = keepBytes != Long.MAX_VALUE && bytes - oldest.end >= keepBytes;
            boolean byAge = maxAgeMs > 0 && lastTs.applyAsLong(oldest) < now - maxAgeMs;
            if (!byCount && !byBytes && !byAge) {
                break;
            }
            segments.remove(0);
            dropped.add(oldest);
            bytes -= oldest.end;
        }
        if (dropped.isEmpty()) {
            return null;
        }
        // Bytes or age may drop records above the start by count: the start follows them, for good.
        startFloor = Math.max(startFloor, segments.get(0).firstSeq);
        return new Dropped(dropped, Math.max(startFloor, logicalStartLocked(lastSeq)));
    }

    /** Persists the new start, then deletes the dropped files: durable first, so no restart brings them back. */
    void delete(Dropped d) throws IOException {
        writeStart(d.start());
        for (Segment s : d.segments()) {
            files.drop(s.file);
            files.drop(s.index);
            Files.deleteIfExists(s.file);
            Files.deleteIfExists(s.index);
            log.debug("room {}: retention dropped {}", room, s);
        }
    }

    /** Replaces the {@code start} file: the logical start and the retention by count it was derived under. */
    void writeStart(long start) throws IOException {
        disk.replaceAtomically(directory.resolve(START), startBytes(start, options.retainMessages()));
    }
}
