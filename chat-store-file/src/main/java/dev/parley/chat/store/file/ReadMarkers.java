package dev.parley.chat.store.file;

import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's read markers (FORMAT.md, "Read markers"): the last seq each user has read, replaced as a
 * whole file at each move. Thread-safe; the room also takes this object's monitor to keep a move
 * and a release of the room apart.
 */
final class ReadMarkers {
    private static final Logger log = LoggerFactory.getLogger(ReadMarkers.class);
    static final String FILE = "markers";

    private final String room;
    private final Path file;
    private final Disk disk;
    private final Map<String, Long> markers = new HashMap<>();

    ReadMarkers(String room, Path directory, Disk disk) {
        this.room = room;
        this.file = directory.resolve(FILE);
        this.disk = disk;
    }

    /** Reads the markers file, if any; a damaged one is reported and ignored. */
    synchronized void load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(bytes, SmallFiles.MAGIC_MARKERS);
        if (r == null) {
            log.error("room {}: damaged read markers file {}; starting without markers", room, file);
            return;
        }
        while (r.hasMore()) {
            markers.put(r.getString(), r.getLong());
        }
    }

    synchronized long get(String user) {
        return markers.getOrDefault(user, 0L);
    }

    /** Moves the user's marker forward to {@code seq} (never back), durably; returns the marker now. */
    synchronized long move(String user, long seq) {
        long current = markers.getOrDefault(user, 0L);
        if (seq <= current) {
            return current;
        }
        markers.put(user, seq);
        SmallFiles.Writer w = new SmallFiles.Writer(SmallFiles.MAGIC_MARKERS);
        for (Map.Entry<String, Long> e : markers.entrySet()) {
            w.putString(e.getKey()).putLong(e.getValue());
        }
        try {
            disk.replaceAtomically(file, w.finish());
        } catch (IOException e) {
            markers.put(user, current);
            throw new StoreException("cannot persist a read marker of room " + room + ": " + e.getMessage(), e);
        }
        return seq;
    }

    /** Forgets the markers held in memory (the room is released; {@link #load} reads them again). */
    synchronized void clear() {
        markers.clear();
    }
}
