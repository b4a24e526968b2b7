package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Ids;
import dev.parley.chat.spi.RoomInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's log on disk, as a coordinator of its parts: {@link Recovery} when it is loaded, a
 * {@link SegmentAppender} that writes past what readers see, a {@link SegmentReader}, the
 * {@link StagedRecords} that wait behind the journal, {@link Retention}, the {@link HighMark}, the
 * {@link DamageList} and the {@link ReadMarkers}. This class holds the segment list and the bounds
 * readers see, the room's failure, and its lifecycle: loaded lazily once, released when idle.
 *
 * <p>Readers take the read lock for the segment list and the visible bounds and read the files
 * without blocking appends; the flusher thread writes past the visible bounds and publishes them
 * under the write lock after the records are durable.
 */
final class RoomLog {
    private static final Logger log = LoggerFactory.getLogger(RoomLog.class);

    final String id;
    final Path directory;
    /** Changes only when recovery finds acknowledged records gone (a new epoch, FORMAT.md "High mark"). */
    private volatile String epoch;
    final String topic;
    final long createdAt;
    /** The id as CESU-8, as the journal names the room. */
    final byte[] idBytes;

    private final Disk disk;
    private final FileStoreOptions options;
    /** Through the shared journal: segments are written behind the acknowledgement, fsynced at checkpoints. */
    private final boolean journaled;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Under {@link #lock}; the appender adds to it under the write lock. */
    private final List<Segment> segments = new ArrayList<>();
    /** Under {@link #lock}. */
    private final StagedRecords staged = new StagedRecords();
    private final SegmentAppender appender;
    private final SegmentReader reader;
    private final Recovery recovery;
    private final Retention retention;
    private final HighMark high;
    private final DamageList damage;
    private final ReadMarkers markers;

    /** The last seq readers see (the segments' and the staged records'). */
    private volatile long lastSeq;
    /**
     * The last seq the segments hold for readers (staged records follow it). Under {@link #lock}.
     * Not the tail's {@code lastSeq}: a write that rolls adds the new tail before it publishes the old.
     */
    private long segmentLast;
    private volatile boolean loaded;
    private final Object loading = new Object();
    private final Object appendGate = new Object();
    private long acceptedSeq;
    private volatile StoreException failure;
    /** How the room's failure may end without a restart (FORMAT.md, "A failing disk"). */
    enum Cure { NONE, RETRY_WRITE, REOPEN }

    /** What ends the room's failure: a segment write again ({@link #retryStaged}), a reopen, or only a restart. */
    private volatile Cure failureRecovery = Cure.NONE;
    /** The last acknowledged seq when a reopen began, kept until one succeeds; -1 when none is under way. */
    private long reopenAt = -1;
    /** When the room was last used (any read, append or marker), for releasing idle rooms. */
    private volatile long lastUsedNanos = System.nanoTime();
    /** Serializes checkpoints of the room: the segment writer's and an idle release's. */
    private final Object checkpointing = new Object();

    RoomLog(RoomDirectories.Meta meta, Path directory, Disk disk, OpenFiles files, FileStoreOptions options,
            Runnable onDamage) {
        this.id = meta.id();
        this.directory = directory;
        this.epoch = meta.epoch();
        this.topic = meta.topic();
        this.createdAt = meta.createdAt();
        this.idBytes = new byte[Cesu8.length(id)];
        Cesu8.encode(id, idBytes, 0);
        this.disk = disk;
        this.options = options;
        this.journaled = options.journal() && options.durability().mode() == Durability.Mode.FSYNC;
        this.damage = new DamageList(id, directory, disk, onDamage);
        this.high = new HighMark(directory, disk);
        this.markers = new ReadMarkers(id, directory, disk);
        this.reader = new SegmentReader(id, files, damage);
        this.recovery = new Recovery(id, directory, disk, files, damage, high);
        this.retention = new Retention(id, directory, disk, files, options);
        this.appender = new SegmentAppender(directory, disk, files, options, journaled, segments, lock);
    }

    /** The room in {@code directory}, as its {@code room.meta} names it; null if that is missing or damaged. */
    static RoomLog fromDirectory(Path directory, Disk disk, OpenFiles files, FileStoreOptions options,
            Runnable onDamage) throws IOException {
        RoomDirectories.Meta meta = RoomDirectories.readMeta(directory);
        if (meta == null) {
            return null;
        }
        RoomLog room = new RoomLog(meta, directory, disk, files, options, onDamage);
        room.damage.load();
        return room;
    }

    /** A room just created on disk: nothing to recover. */
    void markNew() {
        retention.markKnown();
        loaded = true;
    }

    // ---------------------------------------------------------------- state

    RoomInfo info() {
        readLockLoaded();
        try {
            return new RoomInfo(id, epoch, topic, createdAt, firstSeqLocked(), lastSeq);
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
        return failure != null && failureRecovery != Cure.NONE;
    }

    void fail(String what, Throwable cause) {
        failureRecovery = Cure.NONE;
        if (failure == null) {
            failure = new StoreException("room " + id + " is unavailable until the store is reopened: " + what, cause);
            log.error("room {} ({}) is unavailable until the store is reopened: {}", id, directory, what, cause);
        }
    }

    /**
     * A write or fsync of the room failed (a full or failing disk): appends fail until
     * {@link #recoverAfterFailure} finds the disk working and has reopened the room's files from what
     * is on disk. The fsync that failed is never retried (fsyncgate): what it covered is cut or read
     * again from the disk.
     */
    void failDisk(String what, Throwable cause) {
        if (failure == null) {
            failure = new StoreException("room " + id + " refuses appends while its disk fails: " + what, cause);
            failureRecovery = Cure.REOPEN;
            log.error("room {} ({}) refuses appends while its disk fails, and probes it: {}", id, directory, what,
                    cause);
        } else if (failureRecovery == Cure.RETRY_WRITE) {
            failureRecovery = Cure.REOPEN;
        }
    }

    /**
     * The probe of a failed room (the flusher's or segment writer's thread, every few seconds): ends
     * the failure if it can, by writing the staged records again or by reopening the room's files.
     * Returns true if the room takes appends again. {@code journal} is the shared journal, or null.
     */
    boolean recoverAfterFailure(Journal journal) {
        return switch (failure == null ? Cure.NONE : failureRecovery) {
            case RETRY_WRITE -> retryStaged();
            case REOPEN -> reopen(journal);
            case NONE -> failure == null;
        };
    }

    /**
     * Probes the disk with a bounded write and fsync in the room's directory; if that works, drops
     * every open file and what is loaded, and recovers the room from what is on disk, cut after the
     * last acknowledged seq (appends that failed stay failed); through the journal, the records after
     * the last checkpoint are written again from the journal's durable copy. Then a checkpoint makes
     * it all durable, and the room goes on. Under every lock of the room, in the order a release
     * takes them.
     */
    private boolean reopen(Journal journal) {
        synchronized (loading) {
            synchronized (appendGate) {
                synchronized (checkpointing) {
                    synchronized (markers) {
                        lock.writeLock().lock();
                        try {
                            return reopenLocked(journal);
                        } finally {
                            lock.writeLock().unlock();
                        }
                    }
                }
            }
        }
    }

    private boolean reopenLocked(Journal journal) {
        if (failure == null || failureRecovery != Cure.REOPEN) {
            return failure == null;
        }
        if (reopenAt < 0) {
            reopenAt = lastSeq;
        }
        long acknowledged = reopenAt;
        try {
            appender.probe();
            high.read();
            long trusted = high.get();
            List<Journal.Entry> entries = journaled && journal != null ? journal.durableEntriesOf(id, trusted)
                    : List.of();
            unloadLocked();
            if (journaled) {
                load(trusted, false);
                if (!entries.isEmpty()) {
                    recovery.replay(entries, lastSeq, appender);
                    publishSegmentsLocked();
                }
                // Staged records are in the journal's durable part, so in the segments now.
                long inSegments = segmentLast;
                if (!staged.isEmpty() && staged.first() <= inSegments) {
                    staged.dropWritten((int) (Math.min(inSegments, staged.last()) - staged.first() + 1));
                }
                if (!segments.isEmpty()) {
                    lastSeq = segmentLast;
                }
                if (!staged.isEmpty()) {
                    lastSeq = staged.last();
                }
            } else {
                load(acknowledged, true);
            }
            // Readers and members saw everything up to here: if it is gone, the epoch changes.
            high.raise(acknowledged);
            checkNoLoss();
            checkpointLocked();
            initStart();
        } catch (IOException | RuntimeException e) {
            // If it was unloaded, it stays so (reads fail too) until a probe reopens it from the disk.
            log.warn("room {}: its disk still fails ({}); probing again later", id, e.toString());
            return false;
        }
        reopenAt = -1;
        acceptedSeq = lastSeq;
        failureRecovery = Cure.NONE;
        failure = null;
        loaded = true;
        log.warn("room {}: its disk works again; reopened at seq {} and appends resume (the appends that failed"
                + " stay failed)", id, lastSeq);
        return true;
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
                    return;
                }
            }
            // Released as idle between the two steps: load it again.
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
            StoreException f = failure;
            if (f != null && failureRecovery == Cure.REOPEN) {
                throw f; // a reopen after a disk failure was cut short: the next probe loads it
            }
            try {
                load(Long.MAX_VALUE, false);
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
                    if (!staged.isEmpty() || staged.unreleasedBytes() != 0) {
                        return false;
                    }
                } finally {
                    lock.readLock().unlock();
                }
                synchronized (checkpointing) {
                    if (appender.needsSync()) {
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
                            unloadLocked();
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

    /** Drops everything loaded; under every lock of the room. */
    private void unloadLocked() {
        for (Segment s : segments) {
            appender.forgetFiles(s);
        }
        segments.clear();
        staged.trimToSize();
        markers.clear();
        retention.reset();
        high.reset();
        appender.reset();
        segmentLast = 0;
        loaded = false;
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
                load(entries.get(0).seq() - 1, false);
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
                fail("cannot read or write its " + Retention.START + " file: " + e, e);
            }
        }
    }

    private void replay(List<Journal.Entry> entries) {
        long last;
        try {
            last = recovery.replay(entries, lastSeq, appender);
        } catch (IOException | RuntimeException e) {
            fail("replaying the journal failed: " + e, e);
            return;
        }
        if (last > lastSeq) {
            publish();
        }
        synchronized (appendGate) {
            acceptedSeq = lastSeq;
        }
    }

    /**
     * @param trustedUpTo the last seq the tail segment is known to hold durably (the journal holds
     *     what follows); {@code Long.MAX_VALUE} when the journal holds nothing of the room
     * @param cutPast whether records after {@code trustedUpTo} are cut even if valid (appends that failed)
     */
    private void load(long trustedUpTo, boolean cutPast) throws IOException {
        long started = System.nanoTime();
        appender.reset();
        markers.load();
        List<Segment> recovered = recovery.segments(trustedUpTo, cutPast);
        lock.writeLock().lock();
        try {
            segments.addAll(recovered);
            lastSeq = segments.isEmpty() ? 0 : segments.get(segments.size() - 1).lastSeq;
            segmentLast = lastSeq;
        } finally {
            lock.writeLock().unlock();
        }
        acceptedSeq = lastSeq;
        log.debug("opened room {} at seq {} in {} µs", id, lastSeq, (System.nanoTime() - started) / 1000);
    }

    /**
     * If the log recovered to less than its high mark, acknowledged records are gone: the room keeps
     * what is intact and begins a new epoch, so that a seq is never handed out twice in one epoch and
     * resuming clients are told they did not recover (PROTOCOL §5.5).
     */
    private void checkNoLoss() throws IOException {
        long mark = high.get();
        if (failure != null || lastSeq >= mark) {
            return;
        }
        String old = epoch;
        String fresh = beginEpoch();
        log.error("room {} ({}): acknowledged records of seqs {}..{} are gone; the log keeps seqs up to {} and goes on"
                + " in a new epoch {} (was {})", id, directory, lastSeq + 1, mark, lastSeq, fresh, old);
        high.write(lastSeq);
    }

    /** Replaces {@code room.meta} with a fresh epoch, durably, and returns it. */
    private String beginEpoch() throws IOException {
        String fresh = Ids.newEpoch();
        disk.replaceAtomically(directory.resolve(RoomDirectories.META),
                new RoomDirectories.Meta(id, fresh, topic, createdAt).bytes());
        epoch = fresh;
        return fresh;
    }

    // ---------------------------------------------------------------- damage and repair

    /** The damaged seqs known, as {@code [first, last]} pairs in ascending order; empty when none. */
    List<long[]> damage() {
        return damage.ranges();
    }

    /**
     * Drops the damaged seqs, and everything before them, into a new epoch: the log's start moves to
     * the seq after the last damaged one (never back), the epoch changes, the damage list is emptied,
     * and whole segments below the start are deleted. Returns false if no damage was known.
     */
    boolean repair() throws IOException {
        synchronized (loading) {
            ensureLoaded(); // under the monitor, so it is not released meanwhile
            long last = damage.last();
            if (last < 0) {
                return false;
            }
            long start;
            lock.writeLock().lock();
            try {
                start = retention.raiseFloorLocked(last + 1, lastSeq);
            } finally {
                lock.writeLock().unlock();
            }
            retention.writeStart(start);
            String old = epoch;
            String fresh = beginEpoch();
            damage.clear();
            log.warn("room {}: repaired by an operator: seqs below {} (damaged up to {}) are dropped; new epoch {}"
                    + " (was {})", id, start, last, fresh, old);
            applyRetention(System.currentTimeMillis());
            return true;
        }
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
            if (first == 0 || beforeSeq <= first) {
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
        long physical = segments.isEmpty() ? (staged.isEmpty() ? 0 : staged.first()) : segments.get(0).firstSeq;
        long first = Math.max(physical, retention.logicalStartLocked(lastSeq));
        return first > lastSeq || physical == 0 ? 0 : first;
    }

    private List<Message> readLocked(long from, long to) {
        if (from > to) {
            return List.of();
        }
        List<Message> out = new ArrayList<>((int) Math.min(to - from + 1, 4096));
        reader.readRange(segments, from, to, out);
        // Acknowledged records the segment writer has not written yet (journal mode): from memory.
        for (long seq = Math.max(from, segmentLast + 1); seq <= to && !staged.isEmpty(); seq++) {
            out.add(Records.decode(id, ByteBuffer.wrap(staged.get(seq)), 0));
        }
        return out;
    }

    // ---------------------------------------------------------------- writes (flusher thread)

    /** Writes the records after what is written; see {@link SegmentAppender#write}. */
    Segment write(List<byte[]> records, long firstSeqOfBatch) throws IOException {
        return appender.write(records, firstSeqOfBatch);
    }

    /** Fsyncs the tail the group commit wrote to. */
    void force(Segment t) throws IOException {
        appender.force(t);
    }

    /** The segment being written, if any. */
    Segment tail() {
        return appender.tail();
    }

    /**
     * The room's part of a checkpoint: makes everything written so far durable without the journal
     * (see {@link SegmentAppender#sync}), then its high mark. Flusher or segment writer thread (or
     * the store's open and close).
     */
    void checkpoint() throws IOException {
        synchronized (checkpointing) {
            checkpointLocked();
        }
    }

    private void checkpointLocked() throws IOException {
        Segment t = appender.sync();
        if (t != null && t.writeLast > high.get()) {
            // Before the journal that holds these records goes: recovery must know they were durable.
            try {
                high.write(t.writeLast);
            } catch (IOException e) {
                // The segments are durable; only the mark is not. Written whole again at the next checkpoint
                // (the other slot still holds the previous mark), and the journal stays until then.
                appender.markUnsynced();
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

    /** Makes what was written visible to readers: it is now durable under the store's setting. */
    void publish() {
        lock.writeLock().lock();
        try {
            publishSegmentsLocked();
            if (!segments.isEmpty()) {
                lastSeq = segmentLast;
            }
            if (!staged.isEmpty()) {
                lastSeq = staged.last();
            }
        } finally {
            lock.writeLock().unlock();
        }
        retainIfRolled();
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

    // ---------------------------------------------------------------- staged behind the journal

    /**
     * Journal mode, flusher thread: makes records the journal holds durably visible to readers, served
     * from memory until {@link #writeStaged} has written them to a segment. Returns their bytes.
     */
    long stage(List<byte[]> records, long firstSeq) {
        lock.writeLock().lock();
        try {
            if (firstSeq <= lastSeq) {
                // Journaled while a reopen wrote the journal's copy of them to the segments: there already.
                int skip = (int) Math.min(records.size(), lastSeq - firstSeq + 1);
                records = records.subList(skip, records.size());
                firstSeq += skip;
                if (records.isEmpty()) {
                    return 0;
                }
            }
            long bytes = staged.add(id, records, firstSeq);
            lastSeq = staged.last();
            return bytes;
        } finally {
            lock.writeLock().unlock();
        }
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
            if (staged.unreleasedBytes() == 0 && (staged.isEmpty() || failure != null)) {
                return -1;
            }
            records = failure != null ? List.of() : staged.snapshot();
            first = staged.first();
        } finally {
            lock.readLock().unlock();
        }
        if (!records.isEmpty()) {
            try {
                appender.write(records, first);
            } catch (IOException | RuntimeException ex) {
                if (failure == null) {
                    failure = new StoreException("room " + id + " refuses appends while its segment write fails: " + ex,
                            ex);
                    failureRecovery = Cure.RETRY_WRITE;
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
                released = staged.releaseAll();
            } else {
                released = staged.dropWritten(records.size());
                publishSegmentsLocked();
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (failure == null) {
            retainIfRolled();
        }
        return released;
    }

    /**
     * Segment writer thread, after a segment write failed: writes the staged records again from where
     * the segment's last whole write ended (no fsync is retried: a write that failed left no record
     * the segment counts), and, if that works, makes the room available again. Returns true then.
     */
    private boolean retryStaged() {
        if (failure == null || failureRecovery != Cure.RETRY_WRITE) {
            return false;
        }
        List<byte[]> records;
        long first;
        lock.readLock().lock();
        try {
            records = staged.snapshot();
            first = staged.first();
        } finally {
            lock.readLock().unlock();
        }
        try {
            Segment t = tail();
            long written = t == null ? first - 1 : t.writeLast;
            int skip = (int) Math.max(0, Math.min(records.size(), written - first + 1));
            if (skip < records.size()) {
                appender.write(records.subList(skip, records.size()), first + skip);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("room {}: its segment write still fails ({}); trying again later", id, e.toString());
            return false;
        }
        lock.writeLock().lock();
        try {
            staged.dropWritten(records.size());
            publishSegmentsLocked();
            failureRecovery = Cure.NONE;
            failure = null;
        } finally {
            lock.writeLock().unlock();
        }
        log.warn("room {}: its segment writes work again; appends resume", id);
        return true;
    }

    /** Fsyncs the tail and its index and leaves the clean-shutdown marker. Flusher thread, at close. */
    void closeCleanly() throws IOException {
        if (!loaded || failure != null || !appender.writtenSinceLoad()) {
            // Only read since it was loaded: its files are as recovery left them, so the next open
            // recovers the tail as cheaply as now (no fsync here, none there).
            return;
        }
        Segment t = tail();
        if (t == null) {
            return;
        }
        checkpoint();
        recovery.writeClean(t);
    }

    // ---------------------------------------------------------------- retention

    private void retainIfRolled() {
        if (appender.takeRolled()) {
            try {
                applyRetention(System.currentTimeMillis());
            } catch (IOException | RuntimeException e) {
                log.warn("room {}: retention failed; it will be tried again at the next segment", id, e);
            }
        }
    }

    private void applyRetention(long now) throws IOException {
        if (!retention.known()) {
            return;
        }
        Retention.Dropped dropped;
        lock.writeLock().lock();
        try {
            dropped = retention.dropLocked(segments, lastSeq, now, reader::lastTs);
            if (dropped == null) {
                return;
            }
            appender.forget(dropped.segments());
        } finally {
            lock.writeLock().unlock();
        }
        retention.delete(dropped);
    }

    /**
     * Reads the {@code start} file left by earlier runs and derives the floor of the logical start
     * from it. If this run's retention differs, the file is rewritten first, so that a later run
     * derives its floor from this run's retention. Then applies retention once. Called once, when the
     * room is loaded.
     */
    private void initStart() throws IOException {
        Retention.Persisted persisted = retention.readPersisted();
        long start;
        lock.writeLock().lock();
        try {
            start = retention.initLocked(persisted, lastSeq);
        } finally {
            lock.writeLock().unlock();
        }
        if (persisted.retainMessages() != options.retainMessages()) {
            retention.writeStart(start);
        }
        retention.markKnown();
        applyRetention(System.currentTimeMillis());
    }

    // ---------------------------------------------------------------- read markers

    long readMarker(String user) {
        while (true) {
            ensureLoaded();
            synchronized (markers) {
                if (loaded) {
                    return markers.get(user);
                }
            }
        }
    }

    long moveReadMarker(String user, long seq) {
        while (true) {
            ensureLoaded();
            synchronized (markers) {
                if (loaded) {
                    return markers.move(user, seq);
                }
            }
        }
    }
}
