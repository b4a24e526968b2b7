package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.RoomInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.parley.chat.spi.Ids;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's log on disk: its directory, segments, metadata and read markers.
 *
 * <p>Loading (recovery) is lazy and happens once. Readers take the read lock for the segment list
 * and the visible bounds and read the files without blocking appends; the flusher thread writes
 * past the visible bounds and publishes them under the write lock after the records are durable.
 */
final class RoomLog {
    private static final Logger log = LoggerFactory.getLogger(RoomLog.class);
    static final String META = "room.meta";
    static final String CLEAN = "clean";
    static final String MARKERS = "markers";
    static final String START = "start";
    static final String HIGH = "high";
    static final String DAMAGE = "damage";
    /** One slot of the {@code high} file: magic, version, reserved, generation, high mark, reserved, CRC. */
    private static final int HIGH_SLOT_BYTES = 32;
    private static final int SCAN_CHUNK = 1 << 20;

    final String id;
    final Path directory;
    /** Changes only when recovery finds acknowledged records gone (a new epoch, FORMAT.md "High mark"). */
    private volatile String epoch;
    final String topic;
    final long createdAt;
    /** The id as CESU-8, as the journal names the room. */
    final byte[] idBytes;

    private final Disk disk;
    private final OpenFiles files;
    private final FileStoreOptions options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Segment> segments = new ArrayList<>();
    private volatile long lastSeq;
    private volatile boolean loaded;
    private final Object loading = new Object();
    private final Object appendGate = new Object();
    private long acceptedSeq;
    private volatile StoreException failure;
    /** The failure is a segment write's, ended by {@link #retryStaged}; false for anything else. */
    private volatile boolean failureRecoverable;
    private final Map<String, Long> markers = new HashMap<>();
    /** A segment was sealed since the last publish, so retention may have something to drop. */
    private boolean rolled;
    /**
     * Through the shared journal, segments are created and sealed without fsync (the journal holds
     * their records): those sealed since the last checkpoint, and whether a name was created since.
     */
    private final boolean journaled;
    private final List<Segment> unsynced = new ArrayList<>();
    private boolean directoryDirty;
    /**
     * Through the shared journal: acknowledged records (durable in the journal) that the segment
     * writer has not yet written to a segment, seqs {@code stagedFirst ..} in order; reads serve them
     * from here. Under {@link #lock}; {@code stagedBytes} counts those not yet handed back to the
     * writer's memory bound.
     */
    private final ArrayList<byte[]> staged = new ArrayList<>();
    private long stagedFirst;
    private long stagedBytes;
    /**
     * The last seq the segments hold for readers (staged records follow it). Under {@link #lock}.
     * Not the tail's {@code lastSeq}: a write that rolls adds the new tail before it publishes the old.
     */
    private long segmentLast;
    /**
     * A lower bound of the log's logical start (Kafka's log start offset) that does not follow from
     * the head and the retention by count of this run: what the {@code start} file (and the head of
     * the run that wrote it) implies, so that the start never moves back when the retention is
     * widened or removed. Under {@link #lock}; fixed once {@link #startKnown}.
     */
    private long startFloor;
    /**
     * The highest seq known to have been durable in this epoch: from the {@code high} file (written
     * at each checkpoint and clean close), the {@code clean} marker and the journal's records. A log
     * that recovers to less has lost acknowledged records and begins a new epoch. Recovery, then the
     * checkpointing thread.
     */
    private long highMark;
    /** The generation of the {@code high} file's newest valid slot; the next write goes to the other. */
    private long highGeneration;
    /**
     * Damaged seqs found by recovery or by reads, first to last, kept in the {@code damage} file until
     * an operator {@link #repair}s the room. Reads that cross them fail; everything else goes on.
     */
    private final java.util.TreeMap<Long, Long> damaged = new java.util.TreeMap<>();
    /** When the room was last used (any read, append or marker), for releasing idle rooms. */
    private volatile long lastUsedNanos = System.nanoTime();
    /** Records were written to the segments since the room was loaded: close leaves it a clean marker. */
    private volatile boolean writtenSinceLoad;
    /** Records were written to the segments since the last checkpoint of the room. */
    private volatile boolean writtenSinceCheckpoint;
    /** Serializes checkpoints of the room: the segment writer's and an idle release's. */
    private final Object checkpointing = new Object();
    /** The {@code start} file has been read and the floor derived; retention may delete files. */
    private volatile boolean startKnown;

    RoomLog(String id, Path directory, String epoch, String topic, long createdAt, Disk disk, OpenFiles files,
            FileStoreOptions options) {
        this.id = id;
        this.directory = directory;
        this.epoch = epoch;
        this.topic = topic;
        this.createdAt = createdAt;
        this.idBytes = new byte[Cesu8.length(id)];
        Cesu8.encode(id, idBytes, 0);
        this.disk = disk;
        this.files = files;
        this.options = options;
        this.journaled = options.journal() && options.durability().mode() == Durability.Mode.FSYNC;
    }

    static byte[] metaBytes(String id, String epoch, String topic, long createdAt) {
        return new SmallFiles.Writer(SmallFiles.MAGIC_META).putString(id).putString(epoch).putString(topic)
                .putLong(createdAt).finish();
    }

    /** Reads {@code room.meta} of a room directory; null if it is missing or damaged. */
    static RoomLog fromMeta(Path directory, Disk disk, OpenFiles files, FileStoreOptions options) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(META));
        } catch (NoSuchFileException e) {
            return null;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(bytes, SmallFiles.MAGIC_META);
        if (r == null) {
            return null;
        }
        return new RoomLog(r.getString(), directory, r.getString(), r.getString(), r.getLong(), disk, files, options);
    }

    /** A room just created on disk: nothing to recover. */
    void markNew() {
        startKnown = true;
        loaded = true;
    }

    // ---------------------------------------------------------------- state

    RoomInfo info() {
        readLockLoaded();
        try {
            long last = lastSeq;
            return new RoomInfo(id, epoch, topic, createdAt, firstSeqLocked(), last);
        } finally {
            lock.readLock().unlock();
        }
    }

    StoreException failure() {
        return failure;
    }

    /** The room's epoch, as its {@code room.meta} holds it; does not load the log. */
    String epoch() {
        return epoch;
    }

    /** The last seq readers see (the segments' and the staged records'). */
    long lastSeq() {
        return lastSeq;
    }

    /** A failed append gives its seq back: the next accepted append continues from the one before. */
    void rewindAccepted(long seq) {
        synchronized (appendGate) {
            if (acceptedSeq >= seq) {
                acceptedSeq = Math.max(seq - 1, lastSeq);
            }
        }
    }

    /** Whether the room failed only because a segment write failed, which {@link #retryStaged} may end. */
    boolean failedRecoverably() {
        return failure != null && failureRecoverable;
    }

    /**
     * Segment writer thread, after a segment write failed: writes the staged records again from where
     * the segment's last whole write ended (no fsync is retried: a write that failed left no record
     * the segment counts), and, if that works, makes the room available again. Returns true then.
     */
    boolean retryStaged() {
        if (!failedRecoverably()) {
            return false;
        }
        List<byte[]> records;
        long first;
        lock.readLock().lock();
        try {
            records = new ArrayList<>(staged);
            first = stagedFirst;
        } finally {
            lock.readLock().unlock();
        }
        try {
            Segment t = tail();
            long written = t == null ? first - 1 : t.writeLast;
            int skip = (int) Math.max(0, Math.min(records.size(), written - first + 1));
            if (skip < records.size()) {
                write(records.subList(skip, records.size()), first + skip);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("room {}: its segment write still fails ({}); trying again later", id, e.toString());
            return false;
        }
        lock.writeLock().lock();
        try {
            staged.subList(0, records.size()).clear();
            stagedFirst += records.size();
            publishSegmentsLocked();
            failureRecoverable = false;
            failure = null;
        } finally {
            lock.writeLock().unlock();
        }
        log.warn("room {}: its segment writes work again; appends resume", id);
        return true;
    }

    void fail(String what, Throwable cause) {
        failureRecoverable = false;
        if (failure == null) {
            failure = new StoreException("room " + id + " is unavailable until the store is reopened: " + what, cause);
            log.error("room {} ({}) is unavailable until the store is reopened: {}", id, directory, what, cause);
        }
    }

    /**
     * Checks the append's seq against what was accepted before, then queues it. Called by the
     * engine's single writer of the room; the gate also keeps two careless writers consistent.
     */
    void accept(Message m, Runnable enqueue) {
        while (true) {
            ensureLoaded();
            synchronized (appendGate) {
                if (loaded) {
                    acceptLocked(m, enqueue);
                    return;
                }
            }
            // Released as idle between the two steps: load it again.
        }
    }

    private void acceptLocked(Message m, Runnable enqueue) {
        {
            StoreException f = failure;
            if (f != null) {
                throw f;
            }
            if (m.seq() != acceptedSeq + 1) {
                throw new IllegalArgumentException(
                        "room " + id + " is at seq " + acceptedSeq + "; cannot append seq " + m.seq());
            }
            // Enqueued under the gate so that queue order is seq order even for careless callers.
            enqueue.run();
            acceptedSeq = m.seq();
        }
    }

    void ensureLoaded() {
        lastUsedNanos = System.nanoTime();
        if (loaded) {
            return;
        }
        synchronized (loading) {
            if (loaded) {
                return;
            }
            try {
                load(Long.MAX_VALUE);
                checkNoLoss();
                initStart();
            } catch (IOException | RuntimeException e) {
                throw new StoreException("cannot open room " + id + " in " + directory + ": " + e.getMessage(), e);
            }
            loaded = true;
        }
    }

    boolean isLoaded() {
        return loaded;
    }

    /** Takes the read lock on a loaded room, loading it again if it was released as idle meanwhile. */
    private void readLockLoaded() {
        while (true) {
            ensureLoaded();
            lock.readLock().lock();
            if (loaded) {
                return;
            }
            lock.readLock().unlock();
        }
    }

    /**
     * Releases the room's open files, segment list, index and buffers if it has been unused for
     * {@code idleNanos} and holds nothing in flight; its next use loads it again (a tail recovery
     * that reads a few index entries and records, no fsync). Through the journal a room is released
     * only once a checkpoint made all it holds durable, so releasing costs no I/O; otherwise it is
     * checkpointed first. Returns whether it was released. Any thread.
     */
    boolean releaseIfIdle(long nowNanos, long idleNanos) {
        if (!loaded || nowNanos - lastUsedNanos < idleNanos || failure != null) {
            return false;
        }
        synchronized (loading) {
            synchronized (appendGate) {
                if (!loaded || nowNanos - lastUsedNanos < idleNanos || failure != null || acceptedSeq != lastSeq) {
                    return false;
                }
                lock.readLock().lock();
                try {
                    if (!staged.isEmpty() || stagedBytes != 0) {
                        return false;
                    }
                } finally {
                    lock.readLock().unlock();
                }
                synchronized (checkpointing) {
                    if (writtenSinceCheckpoint || !unsynced.isEmpty() || directoryDirty) {
                        if (journaled) {
                            return false; // the next checkpoint makes it durable; released at a later sweep
                        }
                        try {
                            checkpointLocked();
                        } catch (IOException | RuntimeException e) {
                            log.warn("room {}: cannot make it durable to release it: {}", id, e.toString());
                            return false;
                        }
                    }
                    synchronized (markers) {
                        lock.writeLock().lock();
                        try {
                            for (Segment s : segments) {
                                files.drop(s.file);
                                files.drop(s.index);
                            }
                            segments.clear();
                            staged.trimToSize();
                            markers.clear();
                            startKnown = false;
                            startFloor = 0;
                            highMark = 0;
                            highGeneration = 0;
                            segmentLast = 0;
                            rolled = false;
                            loaded = false;
                        } finally {
                            lock.writeLock().unlock();
                        }
                    }
                }
            }
        }
        log.debug("room {}: released after being idle", id);
        return true;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Recovers the room at open from the records the journal holds for it since the last
     * checkpoint ({@code entries}, in seq order): the tail segment is trusted only up to the seq
     * before the first of them (what the checkpoint made durable), cut after it, and the journal's
     * records are written again from there. Not fsynced here; the store does that for every
     * replayed room before it deletes the journal.
     */
    void recoverFromJournal(List<Journal.Entry> entries) {
        synchronized (loading) {
            if (loaded) {
                throw new IllegalStateException("room " + id + " was loaded before the journal was replayed");
            }
            try {
                load(entries.get(0).seq() - 1);
            } catch (IOException | RuntimeException e) {
                throw new StoreException("cannot open room " + id + " in " + directory + ": " + e.getMessage(), e);
            }
            loaded = true;
        }
        try {
            replay(entries);
            checkNoLoss();
        } catch (IOException | RuntimeException e) {
            fail("cannot begin a new epoch: " + e, e);
        } finally {
            try {
                initStart();
            } catch (IOException | RuntimeException e) {
                fail("cannot read or write its " + START + " file: " + e, e);
            }
        }
    }

    private void replay(List<Journal.Entry> entries) {
        // Each journal record was durable (fsynced) before it was acknowledged.
        highMark = Math.max(highMark, entries.get(entries.size() - 1).seq());
        if (failure != null) {
            return;
        }
        long expected = lastSeq + 1;
        long first = expected;
        long replayed = 0;
        List<byte[]> records = new ArrayList<>();
        try {
            for (Journal.Entry e : entries) {
                if (e.seq() < expected) {
                    // Already in the segment: the checkpoint that would have deleted it did not finish.
                    continue;
                }
                if (e.seq() > expected) {
                    // Both copies of the records between are gone. Isolated like corruption: their seqs stay
                    // theirs (reads over them fail), and the journal's later records are kept.
                    log.error("room {}: the journal holds seq {} after seq {}, and no copy of seqs {}..{} is left;"
                            + " reads over them fail until the room is repaired", id, e.seq(), expected - 1, expected,
                            e.seq() - 1);
                    if (!records.isEmpty()) {
                        write(records, first);
                        replayed += records.size();
                        records = new ArrayList<>();
                    }
                    writeHole(expected, e.seq() - 1);
                    markDamaged(expected, e.seq() - 1);
                    expected = e.seq();
                    first = expected;
                }
                records.add(e.record());
                expected++;
            }
            if (!records.isEmpty()) {
                write(records, first);
                replayed += records.size();
            }
        } catch (IOException | RuntimeException e) {
            fail("replaying the journal failed: " + e, e);
            return;
        }
        if (expected > lastSeq + 1) {
            publish();
            log.info("room {}: replayed {} records from the journal, now at seq {}", id, replayed, lastSeq);
        }
        synchronized (appendGate) {
            acceptedSeq = lastSeq;
        }
    }

    /**
     * @param trustedUpTo the last seq the tail segment is known to hold durably (the journal holds
     *     what follows); {@code Long.MAX_VALUE} when the journal holds nothing of the room
     */
    private void load(long trustedUpTo) throws IOException {
        long started = System.nanoTime();
        writtenSinceLoad = false;
        List<Long> firsts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*.seg")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    firsts.add(Long.parseLong(name.substring(0, name.length() - 4)));
                } catch (NumberFormatException e) {
                    log.warn("ignoring unexpected file {}", p);
                }
            }
        }
        Collections.sort(firsts);
        loadMarkers();
        Path cleanFile = directory.resolve(CLEAN);
        long[] clean = readClean(cleanFile);
        highMark = readHigh();
        if (clean != null) {
            // Written at a clean close, after the tail was fsynced: everything up to it was durable.
            highMark = Math.max(highMark, clean[0]);
        }
        boolean limited = trustedUpTo != Long.MAX_VALUE;
        boolean scanned = false;
        for (int i = 0; i < firsts.size(); i++) {
            long first = firsts.get(i);
            boolean isTail = i == firsts.size() - 1;
            long nextFirst = isTail ? Long.MAX_VALUE : firsts.get(i + 1);
            // Through the journal, segments may hold records past the last checkpoint: written without
            // fsync, so after a power loss they may be torn or holed. Each such one is scanned.
            boolean pastCheckpoint = limited && nextFirst - 1 > trustedUpTo;
            if (!isTail && !pastCheckpoint) {
                Segment s = new Segment(directory, first, nextFirst - 1, 0);
                s.end = Files.size(s.file);
                s.writeEnd = s.end;
                segments.add(s);
                continue;
            }
            Segment t = new Segment(directory, first, first - 1, SmallFiles.FILE_HEADER_BYTES);
            boolean kept;
            if (isTail && clean != null && clean[1] == first && Files.size(t.file) == clean[2]
                    && Files.size(t.index) == Segment.indexPosition(clean[0] - first + 1)) {
                t.lastSeq = clean[0];
                t.end = clean[2];
                kept = true;
            } else {
                kept = recoverTail(t, limited ? Math.max(trustedUpTo, first - 1) : Long.MAX_VALUE);
                scanned = true;
            }
            if (kept) {
                t.writeLast = t.lastSeq;
                t.writeEnd = t.end;
                segments.add(t);
            }
            if (!isTail && (!kept || t.lastSeq < nextFirst - 1)) {
                // The log ends here: later segments would follow a hole. What they held is in the
                // journal (replayed next), or lost, which the high mark tells.
                deleteSegmentsFrom(firsts.subList(i + 1, firsts.size()));
                break;
            }
            if (failure != null) {
                break;
            }
        }
        lastSeq = segments.isEmpty() ? 0 : segments.get(segments.size() - 1).lastSeq;
        segmentLast = lastSeq;
        acceptedSeq = lastSeq;
        if (Files.deleteIfExists(cleanFile)) {
            // Must be gone for good before new records land, or a later crash would trust it.
            disk.syncDirectory(directory);
        }
        log.debug("opened room {} at seq {} in {} µs ({})", id, lastSeq, (System.nanoTime() - started) / 1000,
                scanned ? "tail scanned" : "clean");
    }

    /**
     * If the log recovered to less than its high mark, acknowledged records are gone: the room keeps
     * what is intact and begins a new epoch, so that a seq is never handed out twice in one epoch and
     * resuming clients are told they did not recover (PROTOCOL §5.5).
     */
    private void checkNoLoss() throws IOException {
        if (failure != null || lastSeq >= highMark) {
            return;
        }
        String old = epoch;
        String fresh = beginEpoch();
        log.error("room {} ({}): acknowledged records of seqs {}..{} are gone; the log keeps seqs up to {} and goes on"
                + " in a new epoch {} (was {})", id, directory, lastSeq + 1, highMark, lastSeq, fresh, old);
        writeHigh(lastSeq);
    }

    /** Replaces {@code room.meta} with a fresh epoch, durably, and returns it. */
    private String beginEpoch() throws IOException {
        String fresh = Ids.newEpoch();
        disk.replaceAtomically(directory.resolve(META), metaBytes(id, fresh, topic, createdAt));
        epoch = fresh;
        return fresh;
    }

    // ---------------------------------------------------------------- damage and repair

    /** Reads the {@code damage} file, if any: the damage earlier runs found. At open, before any use. */
    void loadDamage() throws IOException {
        Path file = directory.resolve(DAMAGE);
        if (!Files.exists(file)) {
            return;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(file), SmallFiles.MAGIC_DAMAGE);
        if (r == null) {
            log.error("room {}: damaged {} file; damage found earlier is no longer listed", id, file);
            return;
        }
        synchronized (damaged) {
            while (r.hasMore()) {
                damaged.put(r.getLong(), r.getLong());
            }
        }
    }

    /** Records seqs {@code from..to} as damaged, merged with what is known, and persists the list. */
    void markDamaged(long from, long to) {
        synchronized (damaged) {
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
                writeDamageLocked();
            } catch (IOException e) {
                log.warn("room {}: cannot persist the damaged seqs {}..{}: {}", id, a, b, e.toString());
            }
        }
    }

    private void writeDamageLocked() throws IOException {
        Path file = directory.resolve(DAMAGE);
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

    /** The damaged seqs known, as {@code [first, last]} pairs in ascending order; empty when none. */
    List<long[]> damage() {
        synchronized (damaged) {
            List<long[]> out = new ArrayList<>(damaged.size());
            for (Map.Entry<Long, Long> e : damaged.entrySet()) {
                out.add(new long[] {e.getKey(), e.getValue()});
            }
            return out;
        }
    }

    /**
     * Drops the damaged seqs, and everything before them, into a new epoch: the log's start moves to
     * the seq after the last damaged one (never back), the epoch changes, the damage list is emptied,
     * and whole segments below the start are deleted. Returns false if no damage was known.
     */
    boolean repair() throws IOException {
        synchronized (loading) {
            ensureLoaded(); // under the monitor, so it is not released meanwhile
            long last;
            synchronized (damaged) {
                if (damaged.isEmpty()) {
                    return false;
                }
                last = damaged.lastEntry().getValue();
            }
            long start;
            lock.writeLock().lock();
            try {
                startFloor = Math.max(startFloor, last + 1);
                start = logicalStartLocked();
            } finally {
                lock.writeLock().unlock();
            }
            writeStart(start);
            String old = epoch;
            String fresh = beginEpoch();
            synchronized (damaged) {
                damaged.clear();
                writeDamageLocked();
            }
            log.warn("room {}: repaired by an operator: seqs below {} (damaged up to {}) are dropped; new epoch {}"
                    + " (was {})", id, start, last, fresh, old);
            applyRetention(System.currentTimeMillis());
            return true;
        }
    }

    /** The high mark in the {@code high} file's newest valid slot, 0 if none. */
    private long readHigh() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(HIGH));
        } catch (NoSuchFileException e) {
            return 0;
        }
        long mark = 0;
        for (int slot = 0; slot + HIGH_SLOT_BYTES <= bytes.length && slot < 2 * HIGH_SLOT_BYTES; slot += HIGH_SLOT_BYTES) {
            ByteBuffer b = ByteBuffer.wrap(bytes, slot, HIGH_SLOT_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            crc.update(bytes, slot, HIGH_SLOT_BYTES - 4);
            if (b.getInt(0) != SmallFiles.MAGIC_HIGH || b.getShort(4) != SmallFiles.VERSION
                    || b.getInt(HIGH_SLOT_BYTES - 4) != (int) crc.getValue()) {
                continue;
            }
            long generation = b.getLong(8);
            if (generation > highGeneration) {
                highGeneration = generation;
                mark = b.getLong(16);
            }
        }
        return mark;
    }

    /**
     * Makes {@code mark} the room's durable high mark: one write into the slot the newest one is not
     * in, and one fsync, so a torn write leaves the other slot valid.
     */
    private void writeHigh(long mark) throws IOException {
        Path file = directory.resolve(HIGH);
        boolean created = !Files.exists(file);
        long generation = highGeneration + 1;
        ByteBuffer slot = ByteBuffer.allocate(HIGH_SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        slot.putInt(SmallFiles.MAGIC_HIGH).putShort((short) SmallFiles.VERSION).putShort((short) 0).putLong(generation)
                .putLong(mark).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(slot.array(), 0, HIGH_SLOT_BYTES - 4);
        slot.putInt((int) crc.getValue()).flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            disk.write(ch, file, slot, (generation % 2) * HIGH_SLOT_BYTES);
            disk.force(ch, file);
        }
        if (created) {
            disk.syncDirectory(directory);
        }
        highGeneration = generation;
        highMark = mark;
    }

    private void deleteSegmentsFrom(List<Long> firsts) throws IOException {
        boolean deleted = false;
        for (long first : firsts) {
            Segment gone = new Segment(directory, first, 0, 0);
            files.drop(gone.file);
            files.drop(gone.index);
            deleted |= Files.deleteIfExists(gone.file);
            deleted |= Files.deleteIfExists(gone.index);
            log.info("room {}: deleting {}, which follows the end of the log's valid records", id, gone.file);
        }
        if (deleted) {
            disk.syncDirectory(directory);
        }
    }

    private long[] readClean(Path cleanFile) throws IOException {
        try {
            SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(cleanFile), SmallFiles.MAGIC_CLEAN);
            return r == null ? null : new long[] {r.getLong(), r.getLong(), r.getLong()};
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Finds the last valid record of the tail segment: trusts the index up to its last entry that
     * names a valid record, scans forward from there, and truncates what follows unless a valid
     * record follows it (corruption, reported and kept). Returns false if the segment was an empty
     * one whose creation the crash interrupted (it is deleted).
     */
    private boolean recoverTail(Segment t, long trustedUpTo) throws IOException {
        // With a journal behind the tail, only what the last checkpoint fsynced counts (records past
        // it may have holes after a power loss); the rest is cut and written again from the journal.
        boolean limited = trustedUpTo != Long.MAX_VALUE;
        long bound = limited ? Math.max(trustedUpTo, t.firstSeq - 1) : Long.MAX_VALUE;
        if (!Files.exists(t.index)) {
            // The crash came between creating the segment and its index; the scan below rebuilds it.
            Files.write(t.index, SmallFiles.fileHeader(SmallFiles.MAGIC_INDEX, t.firstSeq, System.currentTimeMillis()));
        }
        try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
            long size = seg.channel.size();
            ByteBuffer header = read(seg, 0, (int) Math.min(size, SmallFiles.FILE_HEADER_BYTES));
            if (!SmallFiles.isFileHeader(header, SmallFiles.MAGIC_SEGMENT, t.firstSeq)) {
                // Begun after the last checkpoint, a segment's creation was not fsynced: the journal holds its records.
                if (size <= SmallFiles.FILE_HEADER_BYTES || (limited && t.firstSeq > trustedUpTo)) {
                    log.warn("deleting {}: its creation was interrupted before any record", t.file);
                    files.drop(t.file);
                    files.drop(t.index);
                    Files.deleteIfExists(t.file);
                    Files.deleteIfExists(t.index);
                    disk.syncDirectory(directory);
                    return false;
                }
                throw new IOException("damaged segment header in " + t.file);
            }
            long idxSize = idx.channel.size();
            ByteBuffer idxHeader = read(idx, 0, (int) Math.min(idxSize, SmallFiles.FILE_HEADER_BYTES));
            long entries = SmallFiles.isFileHeader(idxHeader, SmallFiles.MAGIC_INDEX, t.firstSeq)
                    ? (idxSize - SmallFiles.FILE_HEADER_BYTES) / 4
                    : -1;
            if (entries < 0) {
                disk.write(idx.channel, t.index, ByteBuffer.wrap(SmallFiles.fileHeader(
                        SmallFiles.MAGIC_INDEX, t.firstSeq, System.currentTimeMillis())), 0);
                entries = 0;
            }
            // Entries 0..trusted-1 name valid records; validity is a prefix, so bisect it.
            long trusted = 0;
            long pos = SmallFiles.FILE_HEADER_BYTES;
            if (limited) {
                entries = Math.min(entries, bound - t.firstSeq + 1);
            }
            if (entries > 0) {
                long lo = 0;
                long hi = entries;
                if (validEntry(seg, idx, t, entries - 1, size) > 0) {
                    lo = entries;
                } else {
                    while (lo < hi) {
                        long mid = (lo + hi) >>> 1;
                        if (validEntry(seg, idx, t, mid, size) > 0) {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                }
                trusted = lo;
                if (trusted > 0) {
                    long off = entryAt(idx, trusted - 1);
                    pos = off + validEntry(seg, idx, t, trusted - 1, size);
                }
            }
            List<Long> found = new ArrayList<>();
            long expected = t.firstSeq + trusted;
            long p = pos;
            ByteBuffer win = null;
            long winStart = 0;
            // The scan is sequential, so it may go past the bound: a valid record there was written
            // after the journal held it durably, and a journal cut by the disk may no longer hold it.
            while (p < size) {
                int rel = win == null ? -1 : (int) (p - winStart);
                boolean refill = win == null || rel + Records.HEADER_BYTES > win.limit();
                if (!refill) {
                    int l = win.getInt(rel);
                    refill = l >= 0 && l <= Records.MAX_PAYLOAD_BYTES && rel + Records.HEADER_BYTES + l > win.limit()
                            && p + Records.HEADER_BYTES + l <= size;
                }
                if (refill) {
                    int want = SCAN_CHUNK;
                    ByteBuffer h = read(seg, p, (int) Math.min(size - p, Records.HEADER_BYTES));
                    if (h.limit() == Records.HEADER_BYTES) {
                        int l = h.getInt(0);
                        if (l >= 0 && l <= Records.MAX_PAYLOAD_BYTES) {
                            want = Math.max(want, Records.HEADER_BYTES + l);
                        }
                    }
                    win = read(seg, p, (int) Math.min(size - p, want));
                    winStart = p;
                    rel = 0;
                }
                int len = Records.validAt(win, rel, expected);
                if (len >= 0) {
                    found.add(p);
                    p += len;
                    expected++;
                    continue;
                }
                if (limited && expected > bound) {
                    break; // past the checkpoint: cut below, the journal holds what follows
                }
                long next = findValidAfter(seg, p, size, expected - 1);
                if (next < 0) {
                    break; // nothing valid follows: a torn tail, or durable records lost (the high mark tells)
                }
                // Corruption followed by valid records: the damaged seqs are isolated (their index entries
                // name the damage, so reads that cross it fail) and the log goes on after them.
                long nextSeq = read(seg, next + 8, 8).getLong(0);
                log.error("room {}: corrupt records of seqs {}..{} in {} at offset {}, followed by a valid record at"
                        + " offset {}; reads over them fail until the room is repaired", id, expected, nextSeq - 1,
                        t.file, p, next);
                markDamaged(expected, nextSeq - 1);
                for (long seq = expected; seq < nextSeq; seq++) {
                    found.add(p);
                }
                expected = nextSeq;
                p = next;
                win = null;
            }
            long lastGood = expected - 1;
            if (limited && lastGood < bound) {
                // Durable records are gone from the end of the log: cut, and the high mark makes the epoch new.
                log.error("room {}: record of seq {} in {} at offset {} is damaged or missing, though a checkpoint had"
                        + " made it durable; cutting {} bytes after seq {}", id, expected, t.file, p, size - p, lastGood);
                disk.truncate(seg.channel, t.file, p);
                highMark = Math.max(highMark, bound);
            } else if (limited && p < size) {
                log.info("room {}: cutting {} bytes written after the last checkpoint from {} at offset {}; the journal"
                        + " holds what follows seq {}", id, size - p, t.file, p, lastGood);
                disk.truncate(seg.channel, t.file, p);
            } else if (p < size) {
                log.warn("room {}: truncating {} bytes of torn tail from {} at offset {} (last seq {})", id,
                        size - p, t.file, p, lastGood);
                disk.truncate(seg.channel, t.file, p);
            }
            long idxEnd = Segment.indexPosition(trusted);
            if (idx.channel.size() != idxEnd || !found.isEmpty()) {
                idx.channel.truncate(idxEnd);
                if (!found.isEmpty()) {
                    ByteBuffer b = ByteBuffer.allocate(4 * found.size()).order(ByteOrder.LITTLE_ENDIAN);
                    for (long off : found) {
                        b.putInt((int) off);
                    }
                    b.flip();
                    disk.write(idx.channel, t.index, b, idxEnd);
                }
                disk.force(idx.channel, t.index);
            }
            t.lastSeq = lastGood;
            t.end = p;
            return true;
        }
    }

    /** The length of the record entry {@code e} of the index names, or -1 if that is no valid record. */
    private int validEntry(OpenFiles.Handle seg, OpenFiles.Handle idx, Segment t, long e, long size) throws IOException {
        long off = entryAt(idx, e);
        if (off < SmallFiles.FILE_HEADER_BYTES || off + Records.HEADER_BYTES > size) {
            return -1;
        }
        ByteBuffer h = read(seg, off, Records.HEADER_BYTES);
        int len = h.getInt(0);
        if (len < 0 || len > Records.MAX_PAYLOAD_BYTES || off + Records.HEADER_BYTES + len > size) {
            return -1;
        }
        return Records.validAt(read(seg, off, Records.HEADER_BYTES + len), 0, t.firstSeq + e);
    }

    private static long entryAt(OpenFiles.Handle idx, long e) throws IOException {
        ByteBuffer b = read(idx, Segment.indexPosition(e), 4);
        return b.limit() < 4 ? -1 : Integer.toUnsignedLong(b.getInt(0));
    }

    /** The offset of a valid record after {@code from} with a seq above {@code lastGood}, or -1. */
    private long findValidAfter(OpenFiles.Handle seg, long from, long size, long lastGood) throws IOException {
        long start = from + 1;
        while (start + Records.HEADER_BYTES <= size) {
            ByteBuffer win = read(seg, start, (int) Math.min(size - start, SCAN_CHUNK + Records.MAX_PAYLOAD_BYTES / 16));
            int limit = Math.min(win.limit() - Records.HEADER_BYTES, SCAN_CHUNK);
            for (int q = 0; q <= limit; q++) {
                long seq = win.getLong(q + 8);
                if (seq > lastGood && seq <= lastGood + (size - from) && Records.validAt(win, q, seq) > 0) {
                    return start + q;
                }
            }
            start += limit + 1;
        }
        return -1;
    }

    static ByteBuffer read(OpenFiles.Handle h, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, length)).order(ByteOrder.LITTLE_ENDIAN);
        long p = position;
        while (b.hasRemaining()) {
            int n = h.channel.read(b, p);
            if (n < 0) {
                break;
            }
            p += n;
        }
        b.flip();
        return b;
    }

    // ---------------------------------------------------------------- reads

    List<Message> readAfter(long afterSeq, int limit) {
        if (limit <= 0) {
            ensureLoaded();
            return List.of();
        }
        readLockLoaded();
        try {
            long first = firstSeqLocked();
            if (first == 0) {
                return List.of();
            }
            long from = afterSeq >= lastSeq ? Long.MAX_VALUE : Math.max(afterSeq + 1, first);
            long to = Math.min(lastSeq, from + limit - 1);
            return readLocked(from, to);
        } finally {
            lock.readLock().unlock();
        }
    }

    List<Message> readBefore(long beforeSeq, int limit) {
        if (limit <= 0) {
            ensureLoaded();
            return List.of();
        }
        readLockLoaded();
        try {
            long first = firstSeqLocked();
            if (first == 0) {
                return List.of();
            }
            if (beforeSeq <= first) {
                return List.of();
            }
            long to = Math.min(lastSeq, beforeSeq - 1);
            long from = Math.max(first, to - limit + 1);
            return readLocked(from, to);
        } finally {
            lock.readLock().unlock();
        }
    }

    private long firstSeqLocked() {
        // Retention may leave only an empty tail segment, which starts after the last seq.
        long physical = segments.isEmpty() ? (staged.isEmpty() ? 0 : stagedFirst) : segments.get(0).firstSeq;
        long first = Math.max(physical, logicalStartLocked());
        return first > lastSeq || physical == 0 ? 0 : first;
    }

    /**
     * The seq below which the log is no longer served, whatever its files still hold: retention by
     * count holds as soon as the head moves (PROTOCOL §9), the files go later, whole segments at a
     * time. Never lower than the floor of earlier runs.
     */
    private long logicalStartLocked() {
        long keep = options.retainMessages();
        long byCount = keep == Long.MAX_VALUE ? 0 : lastSeq - keep + 1;
        return Math.max(startFloor, byCount);
    }

    private long segmentLastLocked() {
        return segmentLast;
    }

    private List<Message> readLocked(long from, long to) {
        if (from > to) {
            return List.of();
        }
        List<Message> out = new ArrayList<>((int) Math.min(to - from + 1, 4096));
        for (Segment s : segments) {
            long sLast = s.lastSeq;
            if (sLast < from || s.firstSeq > to || sLast < s.firstSeq) {
                continue;
            }
            long a = Math.max(from, s.firstSeq);
            long b = Math.min(to, sLast);
            readSegment(s, a, b, sLast, out);
        }
        // Acknowledged records the segment writer has not written yet (journal mode): from memory.
        for (long seq = Math.max(from, segmentLastLocked() + 1); seq <= to && !staged.isEmpty(); seq++) {
            byte[] record = staged.get((int) (seq - stagedFirst));
            out.add(Records.decode(id, ByteBuffer.wrap(record), 0));
        }
        return out;
    }

    private void readSegment(Segment s, long a, long b, long sLast, List<Message> out) {
        long offset = -1;
        try (OpenFiles.Handle idx = files.acquire(s.index); OpenFiles.Handle seg = files.acquire(s.file)) {
            int entries = (int) (b - a + 1) + (b < sLast ? 1 : 0);
            ByteBuffer ix = read(idx, Segment.indexPosition(a - s.firstSeq), 4 * entries);
            if (ix.limit() < 4 * entries) {
                throw new StoreException("index " + s.index + " is shorter than its segment");
            }
            long start = Integer.toUnsignedLong(ix.getInt(0));
            long end = b < sLast ? Integer.toUnsignedLong(ix.getInt(4 * (entries - 1))) : s.end;
            if (start < SmallFiles.FILE_HEADER_BYTES || end < start || end - start > Integer.MAX_VALUE) {
                throw new StoreException("index " + s.index + " names offsets " + start + ".." + end);
            }
            ByteBuffer data = read(seg, start, (int) (end - start));
            int rel = 0;
            for (long seq = a; seq <= b; seq++) {
                offset = start + rel;
                int len = Records.validAt(data, rel, seq);
                if (len < 0) {
                    markDamaged(seq, seq);
                    throw new StoreException("corrupt record of seq " + seq + " in " + s.file + " at offset " + offset);
                }
                out.add(Records.decode(id, data, rel));
                rel += len;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof StoreException) {
                log.error("room {}: {}", id, e.getMessage());
                throw (StoreException) e;
            }
            throw new StoreException("cannot read room " + id + " from " + s.file + " at offset " + offset + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------- writes (flusher thread)

    /**
     * Writes the records after what is written, rolling segments as they fill. Returns the segment
     * that holds the last of them (the one to fsync; segments rolled away were fsynced on sealing).
     */
    Segment write(List<byte[]> records, long firstSeqOfBatch) throws IOException {
        writtenSinceCheckpoint = true;
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
    private void writeHole(long from, long to) throws IOException {
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
            b = ByteBuffer.allocateDirect(Math.max(bytes, b == null ? 64 << 10 : Math.min(MAX_SCRATCH_BYTES, 2 * b.capacity())))
                    .order(ByteOrder.LITTLE_ENDIAN);
            mine[which] = b;
        }
        b.clear().limit(bytes);
        return b;
    }

    private static final int MAX_SCRATCH_BYTES = 4 << 20;
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[2]);

    private Segment tailFor(long seq, int recordBytes) throws IOException {
        Segment t = segments.isEmpty() ? null : segments.get(segments.size() - 1);
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
                try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
                    disk.force(seg.channel, t.file);
                    disk.force(idx.channel, t.index);
                }
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

    void force(Segment t) throws IOException {
        try (OpenFiles.Handle seg = files.acquire(t.file)) {
            disk.force(seg.channel, t.file);
        }
    }

    /**
     * The room's part of a checkpoint: fsyncs the segments sealed since the last one, the tail, their
     * indexes and (if a segment was begun) the directory, so that everything written so far is
     * durable without the journal. Flusher thread (or the store's open and close).
     */
    void checkpoint() throws IOException {
        synchronized (checkpointing) {
            checkpointLocked();
        }
    }

    private void checkpointLocked() throws IOException {
        // Cleared first: a write racing with this checkpoint sets it again.
        writtenSinceCheckpoint = false;
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
        if (t != null && t.writeLast > highMark) {
            // Before the journal that holds these records goes: recovery must know they were durable.
            try {
                writeHigh(t.writeLast);
            } catch (IOException e) {
                // The segments are durable; only the mark is not. Written whole again at the next checkpoint
                // (the other slot still holds the previous mark), and the journal stays until then.
                writtenSinceCheckpoint = true;
                throw new HighMarkNotWritten(e);
            }
        }
    }

    /** A checkpoint made the room's segments durable but could not write its high mark: try again later. */
    static final class HighMarkNotWritten extends IOException {
        private static final long serialVersionUID = 1L;

        HighMarkNotWritten(IOException cause) {
            super("cannot write the high mark: " + cause.getMessage(), cause);
        }
    }

    private void forceWithIndex(Segment t) throws IOException {
        try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
            disk.force(seg.channel, t.file);
            disk.force(idx.channel, t.index);
        }
    }

    /** Makes what was written visible to readers: it is now durable under the store's setting. */
    void publish() {
        lock.writeLock().lock();
        try {
            for (int i = segments.size() - 1; i >= 0; i--) {
                Segment s = segments.get(i);
                if (s.lastSeq == s.writeLast && s.end == s.writeEnd) {
                    break;
                }
                s.end = s.writeEnd;
                s.lastSeq = s.writeLast;
            }
            if (!segments.isEmpty()) {
                lastSeq = segments.get(segments.size() - 1).lastSeq;
                segmentLast = lastSeq;
            }
            if (!staged.isEmpty()) {
                lastSeq = stagedFirst + staged.size() - 1;
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (rolled) {
            rolled = false;
            try {
                applyRetention(System.currentTimeMillis());
            } catch (IOException | RuntimeException e) {
                log.warn("room {}: retention failed; it will be tried again at the next segment", id, e);
            }
        }
    }

    /**
     * Journal mode, flusher thread: makes records the journal holds durably visible to readers, served
     * from memory until {@link #writeStaged} has written them to a segment. Returns their bytes.
     */
    long stage(List<byte[]> records, long firstSeq) {
        long bytes = 0;
        for (byte[] r : records) {
            bytes += r.length;
        }
        lock.writeLock().lock();
        try {
            if (staged.isEmpty()) {
                stagedFirst = firstSeq;
            } else if (stagedFirst + staged.size() != firstSeq) {
                throw new IllegalStateException("room " + id + ": staged up to seq " + (stagedFirst + staged.size() - 1)
                        + ", cannot stage seq " + firstSeq);
            }
            staged.addAll(records);
            stagedBytes += bytes;
            lastSeq = firstSeq + records.size() - 1;
        } finally {
            lock.writeLock().unlock();
        }
        return bytes;
    }

    /**
     * Journal mode, segment writer thread: writes every staged record to the segments (one write to
     * the segment and one to the index, per segment touched), then publishes them there and drops them
     * from memory, atomically for readers. Returns the bytes released from the writer's memory bound:
     * those written, or, once the room has failed, all staged ones (they stay readable from memory and
     * the pinned journal keeps them for the next open). Returns -1 if there was nothing to write.
     */
    long writeStaged() {
        List<byte[]> records;
        long first;
        lock.readLock().lock();
        try {
            if (stagedBytes == 0 && (staged.isEmpty() || failure != null)) {
                return -1;
            }
            records = failure != null ? List.of() : new ArrayList<>(staged);
            first = stagedFirst;
        } finally {
            lock.readLock().unlock();
        }
        if (!records.isEmpty()) {
            try {
                write(records, first);
            } catch (IOException | RuntimeException ex) {
                if (failure == null) {
                    failure = new StoreException("room " + id + " refuses appends while its segment write fails: " + ex,
                            ex);
                    failureRecoverable = true;
                    log.error("room {} ({}) refuses appends while its segment write fails; its acknowledged records"
                            + " stay readable from memory and the journal keeps them: {}", id, directory, ex.toString());
                }
            }
        }
        long released;
        lock.writeLock().lock();
        try {
            if (failure != null) {
                // Not written (or not all of it): kept in memory for reads; the journal keeps it durable.
                released = stagedBytes;
                stagedBytes = 0;
            } else {
                released = 0;
                for (byte[] r : records) {
                    released += r.length;
                }
                stagedBytes -= released;
                staged.subList(0, records.size()).clear();
                stagedFirst += records.size();
                publishSegmentsLocked();
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (rolled && failure == null) {
            rolled = false;
            try {
                applyRetention(System.currentTimeMillis());
            } catch (IOException | RuntimeException e) {
                log.warn("room {}: retention failed; it will be tried again at the next segment", id, e);
            }
        }
        return released;
    }

    private void publishSegmentsLocked() {
        for (int i = segments.size() - 1; i >= 0; i--) {
            Segment s = segments.get(i);
            if (s.lastSeq == s.writeLast && s.end == s.writeEnd) {
                break;
            }
            s.end = s.writeEnd;
            s.lastSeq = s.writeLast;
        }
        if (!segments.isEmpty()) {
            segmentLast = segments.get(segments.size() - 1).lastSeq;
        }
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

    /** Fsyncs the tail and its index and leaves the clean-shutdown marker. Flusher thread, at close. */
    void closeCleanly() throws IOException {
        if (!loaded || failure != null || !writtenSinceLoad) {
            // Only read since it was loaded: its files are as recovery left them, so the next open
            // recovers the tail as cheaply as now (no fsync here, none there).
            return;
        }
        Segment t = tail();
        if (t == null) {
            return;
        }
        checkpoint();
        byte[] marker = new SmallFiles.Writer(SmallFiles.MAGIC_CLEAN).putLong(t.lastSeq).putLong(t.firstSeq)
                .putLong(t.end).finish();
        disk.replaceAtomically(directory.resolve(CLEAN), marker);
    }

    // ---------------------------------------------------------------- retention

    private void applyRetention(long now) throws IOException {
        long keepBytes = options.retainBytes();
        long maxAgeMs = options.retainAge().toMillis();
        if (!startKnown) {
            return;
        }
        List<Segment> dropped = new ArrayList<>();
        long start;
        lock.writeLock().lock();
        try {
            long bytes = 0;
            for (Segment s : segments) {
                bytes += s.end;
            }
            // Counted from what readers see (lastSeq), never from what is only written, so the
            // start never passes the last seq.
            long logical = logicalStartLocked();
            while (segments.size() > 1) {
                Segment oldest = segments.get(0);
                boolean byCount = segments.get(1).firstSeq <= logical;
                boolean byBytes = keepBytes != Long.MAX_VALUE && bytes - oldest.end >= keepBytes;
                boolean byAge = maxAgeMs > 0 && lastTs(oldest) < now - maxAgeMs;
                if (!byCount && !byBytes && !byAge) {
                    break;
                }
                segments.remove(0);
                dropped.add(oldest);
                unsynced.remove(oldest);
                bytes -= oldest.end;
            }
            if (dropped.isEmpty()) {
                return;
            }
            // Bytes or age may drop records above the start by count: the start follows them, for good.
            startFloor = Math.max(startFloor, segments.get(0).firstSeq);
            start = Math.max(startFloor, logicalStartLocked());
        } finally {
            lock.writeLock().unlock();
        }
        // Durable before the files go, so that neither a restart nor a crash brings them back into view.
        writeStart(start);
        for (Segment s : dropped) {
            files.drop(s.file);
            files.drop(s.index);
            Files.deleteIfExists(s.file);
            Files.deleteIfExists(s.index);
            log.debug("room {}: retention dropped {}", id, s);
        }
    }

    /**
     * Reads the {@code start} file left by earlier runs and derives the floor of the logical start
     * from it: its start, and the head minus its retention by count (the records recovered since it
     * was written were appended under that retention). If this run's retention differs, the file is
     * rewritten first, so that a later run derives its floor from this run's retention. Then applies
     * retention once. Called once, when the room is loaded.
     */
    private void initStart() throws IOException {
        long persistedStart = 0;
        long persistedKeep = Long.MAX_VALUE;
        try {
            SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(directory.resolve(START)),
                    SmallFiles.MAGIC_START);
            if (r == null) {
                log.error("room {}: damaged {} file; the log starts where its files and retention say", id,
                        directory.resolve(START));
            } else {
                persistedStart = r.getLong();
                persistedKeep = r.getLong();
            }
        } catch (NoSuchFileException e) {
            // Never written: no retention has applied yet, or the store predates the file.
        }
        long start;
        lock.writeLock().lock();
        try {
            long byPersistedCount = persistedKeep == Long.MAX_VALUE ? 0 : lastSeq - persistedKeep + 1;
            startFloor = Math.min(Math.max(persistedStart, byPersistedCount), lastSeq);
            start = logicalStartLocked();
        } finally {
            lock.writeLock().unlock();
        }
        if (persistedKeep != options.retainMessages()) {
            writeStart(start);
        }
        startKnown = true;
        applyRetention(System.currentTimeMillis());
    }

    /** Replaces the {@code start} file: the logical start and the retention by count it was derived under. */
    private void writeStart(long start) throws IOException {
        disk.replaceAtomically(directory.resolve(START), startBytes(start, options.retainMessages()));
    }

    static byte[] startBytes(long start, long retainMessages) {
        return new SmallFiles.Writer(SmallFiles.MAGIC_START).putLong(start).putLong(retainMessages).finish();
    }

    private long lastTs(Segment s) {
        if (s.lastTs < 0) {
            List<Message> last = new ArrayList<>(1);
            readSegment(s, s.lastSeq, s.lastSeq, s.lastSeq, last);
            s.lastTs = last.isEmpty() ? Long.MAX_VALUE : last.get(0).ts();
        }
        return s.lastTs;
    }

    // ---------------------------------------------------------------- read markers

    private void loadMarkers() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(MARKERS));
        } catch (NoSuchFileException e) {
            return;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(bytes, SmallFiles.MAGIC_MARKERS);
        if (r == null) {
            log.error("room {}: damaged read markers file {}; starting without markers", id, directory.resolve(MARKERS));
            return;
        }
        synchronized (markers) {
            while (r.hasMore()) {
                markers.put(r.getString(), r.getLong());
            }
        }
    }

    long readMarker(String user) {
        while (true) {
            ensureLoaded();
            synchronized (markers) {
                if (loaded) {
                    return markers.getOrDefault(user, 0L);
                }
            }
        }
    }

    long moveReadMarker(String user, long seq) {
        while (true) {
            ensureLoaded();
            synchronized (markers) {
                if (loaded) {
                    return moveReadMarkerLocked(user, seq);
                }
            }
        }
    }

    private long moveReadMarkerLocked(String user, long seq) {
        {
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
                disk.replaceAtomically(directory.resolve(MARKERS), w.finish());
            } catch (IOException e) {
                markers.put(user, current);
                throw new StoreException("cannot persist a read marker of room " + id + ": " + e.getMessage(), e);
            }
            return seq;
        }
    }
}
