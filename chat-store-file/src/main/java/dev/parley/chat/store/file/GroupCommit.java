package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Executors;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flusher: one thread takes every append queued since its last pass and commits them as one
 * group, then publishes and completes them in queue order, so each room's appends complete in seq
 * order.
 *
 * <p>With the shared {@link Journal} ({@code FSYNC}, the default) a group is one journal write and
 * one fsync; its records are then staged in their rooms (readable from memory) and acknowledged, and
 * the {@link SegmentWriter} writes them to the segments behind the acknowledgement (not fsynced). Every
 * {@code checkpointBytes} of journal or {@code checkpointInterval} the flusher begins a new journal
 * file and queues a checkpoint to the segment writer, which fsyncs the rooms written since the last
 * one and deletes the journal files they cover. Without it each room's segment is written and fsynced
 * (in parallel when there are several), or not fsynced at all in {@code NONE} mode.
 */
final class GroupCommit implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final int MAX_BATCH = 1 << 16;
    private static final int FSYNC_THREADS = 16;
    /** How often a store whose disk failed probes it. */
    static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final class Pending {
        final RoomLog room;
        final Message message;
        final byte[] record;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Pending(RoomLog room, Message message, byte[] record) {
            this.room = room;
            this.message = message;
            this.record = record;
        }
    }

    private static final Pending STOP = new Pending(null, null, null);

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Durability durability;
    private final Thread thread;
    private final ExecutorService fsyncPool;
    private final Set<RoomLog> unforced = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Without the journal: rooms whose write or fsync failed, probed until they reopen. Flusher and fsync threads. */
    private final Set<RoomLog> failedRooms = Collections.newSetFromMap(new IdentityHashMap<>());
    private long lastForceNanos = System.nanoTime();
    /** The shared journal, or null when each room's segment is fsynced itself. */
    private final Journal journal;
    private final long checkpointBytes;
    private final long checkpointNanos;
    /** Journal mode: writes the segments behind the acknowledgement and runs the checkpoints. */
    private final SegmentWriter segments;
    /** A group went through the journal since the last checkpoint. */
    private boolean journaledSinceCheckpoint;
    private long lastCheckpointNanos = System.nanoTime();
    private long nextProbeNanos;

    GroupCommit(Durability durability, String name, Journal journal, FileStoreOptions options) {
        this.durability = durability;
        this.journal = journal;
        this.checkpointBytes = options.checkpointBytes();
        this.checkpointNanos = options.checkpointInterval().toNanos();
        AtomicInteger n = new AtomicInteger();
        this.fsyncPool = Executors.newFixedThreadPool(FSYNC_THREADS, r -> {
            Thread t = new Thread(r, name + "-fsync-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.segments = journal == null ? null : new SegmentWriter(name, journal, fsyncPool);
        this.thread = new Thread(this, name + "-flusher");
        this.thread.setDaemon(true);
    }

    void start() {
        if (segments != null) {
            segments.start();
        }
        thread.start();
    }

    /** Journal mode: waits until what was acknowledged so far is in the segments. For tests. */
    void awaitSegmentsWritten() throws InterruptedException {
        if (segments != null) {
            segments.awaitWritten();
        }
    }

    void submit(Pending p) {
        queue.add(p);
    }

    /** Commits everything queued before this call, then stops. What arrives later fails. */
    void stop() {
        queue.add(STOP);
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        fsyncPool.shutdown();
        List<Pending> late = new ArrayList<>();
        queue.drainTo(late);
        for (Pending p : late) {
            if (p != STOP) {
                p.done.completeExceptionally(new StoreException("the store is closed"));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                Pending first;
                if (journal != null) {
                    long wait = !journaledSinceCheckpoint ? Long.MAX_VALUE
                            : checkpointNanos - (System.nanoTime() - lastCheckpointNanos);
                    if (journal.isRecoverable()) {
                        wait = Math.min(wait, Math.max(1, nextProbeNanos - System.nanoTime()));
                    }
                    first = wait <= 0 ? null : queue.poll(Math.min(wait, TimeUnit.SECONDS.toNanos(60)), TimeUnit.NANOSECONDS);
                    probeIfDue();
                    if (first == null) {
                        if (journaledSinceCheckpoint && System.nanoTime() - lastCheckpointNanos >= checkpointNanos) {
                            checkpoint();
                        }
                        continue;
                    }
                } else {
                    boolean interval = durability.mode() == Durability.Mode.INTERVAL;
                    long wait = interval ? durability.interval().toNanos() - (System.nanoTime() - lastForceNanos)
                            : Long.MAX_VALUE;
                    if (!failedRooms.isEmpty()) {
                        wait = Math.min(wait, Math.max(1, nextProbeNanos - System.nanoTime()));
                    }
                    first = wait <= 0 ? null : queue.poll(Math.min(wait, TimeUnit.SECONDS.toNanos(60)),
                            TimeUnit.NANOSECONDS);
                    probeFailedRoomsIfDue();
                    if (first == null) {
                        if (interval && System.nanoTime() - lastForceNanos >= durability.interval().toNanos()) {
                            forceUnforced();
                        }
                        continue;
                    }
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH);
                boolean stop = batch.remove(STOP);
                commit(batch);
                batch.clear();
                if (stop) {
                    if (journal == null) {
                        forceUnforced();
                    }
                    // With the journal, the segment writer writes what is staged as it stops (below);
                    // the store's close then fsyncs every room, writes the clean markers and deletes
                    // the journal.
                    return;
                }
            }
        } catch (InterruptedException e) {
            log.error("the flusher was interrupted; appends will no longer complete");
        } catch (Throwable e) {
            log.error("the flusher failed; appends will no longer complete", e);
            for (Pending p : batch) {
                p.done.completeExceptionally(new StoreException("the store's flusher failed", e));
            }
        } finally {
            if (segments != null) {
                segments.stop();
            }
        }
    }

    private void commit(List<Pending> batch) throws InterruptedException {
        if (journal != null) {
            commitJournaled(batch);
            return;
        }
        Map<RoomLog, List<Pending>> byRoom = new LinkedHashMap<>();
        for (Pending p : batch) {
            byRoom.computeIfAbsent(p.room, r -> new ArrayList<>()).add(p);
        }
        Map<RoomLog, Segment> written = new LinkedHashMap<>();
        for (Map.Entry<RoomLog, List<Pending>> e : byRoom.entrySet()) {
            RoomLog room = e.getKey();
            List<Pending> ps = e.getValue();
            if (room.failure() != null) {
                continue;
            }
            // Accepted before an earlier append of the room failed (and its room reopened): a gap.
            long expected = room.lastSeq() + 1;
            List<Pending> live = new ArrayList<>(ps.size());
            for (Pending p : ps) {
                if (p.message.seq() == expected) {
                    live.add(p);
                    expected++;
                } else {
                    failed(p, new StoreException("an earlier append of room " + room.id + " failed; seq "
                            + p.message.seq() + " does not follow seq " + (expected - 1)));
                }
            }
            e.setValue(live);
            if (live.isEmpty()) {
                continue;
            }
            List<byte[]> records = new ArrayList<>(live.size());
            for (Pending p : live) {
                records.add(p.record);
            }
            try {
                written.put(room, room.write(records, live.get(0).message.seq()));
            } catch (IOException | RuntimeException ex) {
                diskFailed(room, "write failed: " + ex, ex);
            }
        }
        if (durability.mode() == Durability.Mode.FSYNC) {
            force(written);
        } else {
            unforced.addAll(written.keySet());
            if (durability.mode() == Durability.Mode.INTERVAL
                    && System.nanoTime() - lastForceNanos >= durability.interval().toNanos()) {
                forceUnforced();
            }
        }
        for (Map.Entry<RoomLog, List<Pending>> e : byRoom.entrySet()) {
            RoomLog room = e.getKey();
            StoreException failure = room.failure();
            if (failure == null) {
                room.publish();
                for (Pending p : e.getValue()) {
                    p.done.complete(null);
                }
            } else {
                for (Pending p : e.getValue()) {
                    failed(p, failure);
                }
            }
        }
    }

    /**
     * One group through the journal: journal write and fsync (the acknowledgement's durability),
     * then the records are staged in their rooms (readers see them from memory), the segment writer is
     * handed the rooms, and the appends complete. A record reaches a segment only after the journal
     * holds it durably, so a segment never holds past the last checkpoint what the journal lacks.
     */
    private void commitJournaled(List<Pending> batch) throws InterruptedException {
        List<Pending> live = new ArrayList<>(batch.size());
        StoreException storeFailure = journal.failure();
        long bytes = 0;
        Map<RoomLog, Long> next = new IdentityHashMap<>();
        for (Pending p : batch) {
            StoreException f = storeFailure != null ? storeFailure : p.room.failure();
            long expected = next.computeIfAbsent(p.room, r -> r.lastSeq() + 1);
            if (f == null && p.message.seq() != expected) {
                // Accepted after an earlier append of the room failed: it would leave a gap.
                f = new StoreException("an earlier append of room " + p.room.id + " failed; seq " + p.message.seq()
                        + " does not follow seq " + (expected - 1));
            }
            if (f != null) {
                failed(p, f);
            } else {
                live.add(p);
                next.put(p.room, expected + 1);
                bytes += p.record.length;
            }
        }
        if (live.isEmpty()) {
            return;
        }
        // Bounds the memory of records acknowledged but not yet in their segments.
        segments.reserve(bytes);
        try {
            journal.append(live);
            journal.force();
        } catch (IOException | RuntimeException e) {
            // fsyncgate: never retried; whether these records reached the disk is unknown, so they
            // fail, and the store refuses appends until a probe has cut them from the journal and
            // found the disk working (Journal.tryRecover).
            journal.failWrite("journal write or fsync failed: " + e, e);
            nextProbeNanos = System.nanoTime() + PROBE_NANOS;
            StoreException f = journal.failure();
            for (Pending p : live) {
                failed(p, f);
            }
            return;
        }
        journaledSinceCheckpoint = true;
        Map<RoomLog, List<Pending>> byRoom = new LinkedHashMap<>();
        for (Pending p : live) {
            byRoom.computeIfAbsent(p.room, r -> new ArrayList<>()).add(p);
        }
        List<RoomLog> failed = null;
        for (Map.Entry<RoomLog, List<Pending>> e : byRoom.entrySet()) {
            RoomLog room = e.getKey();
            List<Pending> ps = e.getValue();
            List<byte[]> records = new ArrayList<>(ps.size());
            for (Pending p : ps) {
                records.add(p.record);
            }
            try {
                room.stage(records, ps.get(0).message.seq());
            } catch (RuntimeException ex) {
                room.fail("staging failed: " + ex, ex);
                journal.pin("room " + room.id + " failed");
                if (failed == null) {
                    failed = new ArrayList<>();
                }
                failed.add(room);
            }
        }
        segments.write(byRoom.keySet());
        // Durable in the journal and visible to readers: acknowledged, in queue order.
        for (Pending p : live) {
            if (failed != null && failed.contains(p.room)) {
                p.done.completeExceptionally(p.room.failure());
            } else {
                p.done.complete(null);
            }
        }
        if (journal.bytesSinceCheckpoint() >= checkpointBytes
                || System.nanoTime() - lastCheckpointNanos >= checkpointNanos) {
            checkpoint();
        }
    }

    /** Fails an append; its room accepts the seq again, so that a retry from its last seq continues it. */
    private static void failed(Pending p, Throwable f) {
        p.room.rewindAccepted(p.message.seq());
        p.done.completeExceptionally(f);
    }

    /** Without the journal: a room whose write or fsync failed, probed every {@link #PROBE_NANOS}. */
    private void diskFailed(RoomLog room, String what, Throwable cause) {
        room.failDisk(what, cause);
        synchronized (failedRooms) {
            if (failedRooms.isEmpty()) {
                nextProbeNanos = System.nanoTime() + PROBE_NANOS;
            }
            failedRooms.add(room);
        }
    }

    /** Without the journal: probes the failed rooms when due; those whose disk works again take appends. */
    private void probeFailedRoomsIfDue() {
        List<RoomLog> due;
        synchronized (failedRooms) {
            if (failedRooms.isEmpty() || System.nanoTime() - nextProbeNanos < 0) {
                return;
            }
            due = new ArrayList<>(failedRooms);
        }
        for (RoomLog room : due) {
            if (room.recoverAfterFailure(null) || !room.failedRecoverably()) {
                synchronized (failedRooms) {
                    failedRooms.remove(room);
                }
            }
        }
        nextProbeNanos = System.nanoTime() + PROBE_NANOS;
    }

    /** After a journal write failure: probes the disk when due, and resumes appends if it works. */
    private void probeIfDue() {
        if (journal.isRecoverable() && System.nanoTime() - nextProbeNanos >= 0) {
            if (!journal.tryRecover()) {
                nextProbeNanos = System.nanoTime() + PROBE_NANOS;
            }
        }
    }

    /**
     * Begins a new journal file and queues a checkpoint of every room written so far behind the
     * groups already handed to the segment writer: it fsyncs them and deletes the older journal files
     * (FORMAT.md, "Checkpoint"). The flusher goes on meanwhile.
     */
    private void checkpoint() {
        lastCheckpointNanos = System.nanoTime();
        journaledSinceCheckpoint = false;
        try {
            segments.checkpoint(journal.rotate());
        } catch (IOException | RuntimeException e) {
            journal.failWrite("cannot begin a new journal file: " + e, e);
            nextProbeNanos = System.nanoTime() + PROBE_NANOS;
        }
    }

    private void forceUnforced() {
        Map<RoomLog, Segment> tails = new LinkedHashMap<>();
        for (RoomLog room : unforced) {
            Segment t = room.tail();
            if (t != null && room.failure() == null) {
                tails.put(room, t);
            }
        }
        unforced.clear();
        force(tails);
        lastForceNanos = System.nanoTime();
    }

    /** Fsyncs each room's segment; a room whose fsync fails is failed (fsyncgate: never retried). */
    private void force(Map<RoomLog, Segment> segments) {
        if (segments.size() == 1) {
            Map.Entry<RoomLog, Segment> e = segments.entrySet().iterator().next();
            forceOne(e.getKey(), e.getValue());
            return;
        }
        List<Callable<Void>> tasks = new ArrayList<>(segments.size());
        for (Map.Entry<RoomLog, Segment> e : segments.entrySet()) {
            tasks.add(() -> {
                forceOne(e.getKey(), e.getValue());
                return null;
            });
        }
        try {
            for (Future<Void> f : fsyncPool.invokeAll(tasks)) {
                f.get();
            }
        } catch (InterruptedException | ExecutionException e) {
            for (RoomLog room : segments.keySet()) {
                room.fail("fsync was interrupted", e);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void forceOne(RoomLog room, Segment s) {
        try {
            room.force(s);
        } catch (IOException | RuntimeException ex) {
            diskFailed(room, "fsync of " + s.file + " failed: " + ex, ex);
        }
    }
}
