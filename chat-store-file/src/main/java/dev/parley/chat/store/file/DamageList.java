package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The damaged seqs of a room (FORMAT.md, "Damage"), found by recovery or by reads, first to last,
 * kept in the room's {@code damage} file until an operator repairs the room. Reads that cross them
 * fail; everything else goes on. Thread-safe.
 */
final class DamageList {
    private static final Logger log = LoggerFactory.getLogger(DamageList.class);
    static final String FILE = "damage";

    private final String room;
    private final Path directory;
    private final Disk disk;
    /** Told once each time the list goes from empty to not empty, so the store can list the room. */
    private final Runnable onDamage;
    private final TreeMap<Long, Long> damaged = new TreeMap<>();

    DamageList(String room, Path directory, Disk disk, Runnable onDamage) {
        this.room = room;
        this.directory = directory;
        this.disk = disk;
        this.onDamage = onDamage;
    }

    /** Whether a room directory holds a damage list, without reading it. */
    static boolean exists(Path directory) {
        return Files.exists(directory.resolve(FILE));
    }

    /** Reads the {@code damage} file, if any: the damage earlier runs found. */
    synchronized void load() throws IOException {
        Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(file), SmallFiles.MAGIC_DAMAGE);
        if (r == null) {
            log.error("room {}: damaged {} file; damage found earlier is no longer listed", room, file);
            return;
        }
        while (r.hasMore()) {
            damaged.put(r.getLong(), r.getLong());
        }
    }

    /** Records seqs {@code from..to} as damaged, merged with what is known, and persists the list. */
    synchronized void mark(long from, long to) {
        boolean first = damaged.isEmpty();
        long a = from;
        long b = to;
        Map.Entry<Long, Long> before = damaged.floorEntry(a);
        if (before != null && before.getValue() >= a - 1) {
            if (before.getValue() >= b) {
                return; // known already
            }
            a = before.getKey();
            b = Math.max(b, before.getValue());
        }
        for (Map.Entry<Long, Long> e = damaged.ceilingEntry(a); e != null && e.getKey() <= b + 1;
                e = damaged.ceilingEntry(a)) {
            b = Math.max(b, e.getValue());
            damaged.remove(e.getKey());
        }
        damaged.put(a, b);
        try {
            write();
        } catch (IOException e) {
            log.warn("room {}: cannot persist the damaged seqs {}..{}: {}", room, a, b, e.toString());
        }
        if (first) {
            onDamage.run();
        }
    }

    /** The damaged seqs known, as {@code [first, last]} pairs in ascending order; empty when none. */
    synchronized List<long[]> ranges() {
        List<long[]> out = new ArrayList<>(damaged.size());
        for (Map.Entry<Long, Long> e : damaged.entrySet()) {
            out.add(new long[] {e.getKey(), e.getValue()});
        }
        return out;
    }

    /** The last damaged seq, or -1 when none is known. */
    synchronized long last() {
        return damaged.isEmpty() ? -1 : damaged.lastEntry().getValue();
    }

    /** Empties the list, durably (a repair dropped the damage). */
    synchronized void clear() throws IOException {
        damaged.clear();
        write();
    }

    private void write() throws IOException {
        Path file = directory.resolve(FILE);
        if (damaged.isEmpty()) {
            if (Files.deleteIfExists(file)) {
                disk.syncDirectory(directory);
            }
            return;
        }
        SmallFiles.Writer w = new SmallFiles.Writer(SmallFiles.MAGIC_DAMAGE);
        for (Map.Entry<Long, Long> e : damaged.entrySet()) {
            w.putLong(e.getKey()).putLong(e.getValue());
        }
        disk.replaceAtomically(file, w.finish());
    }
}
