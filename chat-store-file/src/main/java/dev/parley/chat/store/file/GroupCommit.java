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
 * one fsync, then one write per room to its segment (not fsynced); every {@code checkpointBytes}
 * of journal or {@code checkpointInterval} the rooms written since the last checkpoint are fsynced
 * and the journal files they cover deleted. Without it each room's segment is written and fsynced
 * (in parallel when there are several), or not fsynced at all in {@code NONE} mode.
 */
final class GroupCommit implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final int MAX_BATCH = 1 << 16;
    private static final int FSYNC_THREADS = 16;

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
    private long lastForceNanos = System.nanoTime();
    /** The shared journal, or null when each room's segment is fsynced itself. */
    private final Journal journal;
    private final long checkpointBytes;
    private final long checkpointNanos;
    /** Rooms written since the last checkpoint; their segments hold records only the journal has made durable. */
    private final Set<RoomLog> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
    private long lastCheckpointNanos = System.nanoTime();

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
        this.thread = new Thread(this, name + "-flusher");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
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
                    long wait = dirty.isEmpty() ? Long.MAX_VALUE
                            : checkpointNanos - (System.nanoTime() - lastCheckpointNanos);
                    first = wait <= 0 ? null : queue.poll(Math.min(wait, TimeUnit.SECONDS.toNanos(60)), TimeUnit.NANOSECONDS);
                    if (first == null) {
                        if (!dirty.isEmpty() && System.nanoTime() - lastCheckpointNanos >= checkpointNanos) {
                            checkpoint(true);
                        }
                        continue;
                    }
                } else if (durability.mode() == Durability.Mode.INTERVAL) {
                    long wait = durability.interval().toNanos() - (System.nanoTime() - lastForceNanos);
                    first = wait <= 0 ? null : queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (first == null) {
                        forceUnforced();
                        continue;
                    }
                } else {
                    first = queue.take();
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH);
                boolean stop = batch.remove(STOP);
                commit(batch);
                batch.clear();
                if (stop) {
                    if (journal != null) {
                        // The store's close writes the clean markers and then deletes the journal.
                        checkpoint(false);
                    } else {
                        forceUnforced();
                    }
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
        }
    }

    private void commit(List<Pending> batch) {
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
            List<byte[]> records = new ArrayList<>(ps.size());
            for (Pending p : ps) {
                records.add(p.record);
            }
            try {
                written.put(room, room.write(records, ps.get(0).message.seq()));
            } catch (IOException | RuntimeException ex) {
                room.fail("write failed: " + ex, ex);
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
                    p.done.completeExceptionally(failure);
                }
            }
        }
    }

    /**
     * One group through the journal: journal write and fsync (the acknowledgement's durability),
     * then the rooms' segments from the same records, then publish and complete. A record reaches a
     * segment only after the journal holds it durably, so a segment never holds past the last
     * checkpoint what the journal lacks.
     */
    private void commitJournaled(List<Pending> batch) {
        List<Pending> live = new ArrayList<>(batch.size());
        StoreException storeFailure = journal.failure();
        for (Pending p : batch) {
            StoreException f = storeFailure != null ? storeFailure : p.room.failure();
            if (f != null) {
                p.done.completeExceptionally(f);
            } else {
                live.add(p);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        try {
            journal.append(live);
            journal.force();
        } catch (IOException | RuntimeException e) {
            // fsyncgate: never retried; whether these records reached the disk is unknown, so they
            // fail, the store refuses further appends and a reopen replays what the journal holds.
            journal.fail("journal write or fsync failed: " + e, e);
            StoreException f = journal.failure();
            for (Pending p : live) {
                p.done.completeExceptionally(f);
            }
            return;
        }
        Map<RoomLog, List<Pending>> byRoom = new LinkedHashMap<>();
        for (Pending p : live) {
            byRoom.computeIfAbsent(p.room, r -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<RoomLog, List<Pending>> e : byRoom.entrySet()) {
            RoomLog room = e.getKey();
            List<Pending> ps = e.getValue();
            dirty.add(room);
            List<byte[]> records = new ArrayList<>(ps.size());
            for (Pending p : ps) {
                records.add(p.record);
            }
            try {
                room.write(records, ps.get(0).message.seq());
            } catch (IOException | RuntimeException ex) {
                room.fail("write failed: " + ex, ex);
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
                    p.done.completeExceptionally(failure);
                }
            }
        }
        if (journal.bytesSinceCheckpoint() >= checkpointBytes
                || System.nanoTime() - lastCheckpointNanos >= checkpointNanos) {
            checkpoint(true);
        }
    }

    /**
     * Fsyncs the segment and index of every room written since the last checkpoint, then (if
     * {@code rotate}) begins a new journal file and deletes the old ones. A failed fsync fails
     * that room and pins the journal, which then still holds the room's acknowledged records.
     */
    private void checkpoint(boolean rotate) {
        lastCheckpointNanos = System.nanoTime();
        List<RoomLog> rooms = new ArrayList<>(dirty.size());
        for (RoomLog room : dirty) {
            if (room.failure() != null) {
                // Its segment may lack acknowledged records that only the journal holds.
                journal.pin("room " + room.id + " failed");
            } else {
                rooms.add(room);
            }
        }
        dirty.clear();
        List<Callable<Void>> tasks = new ArrayList<>(rooms.size());
        for (RoomLog room : rooms) {
            tasks.add(() -> {
                try {
                    room.checkpoint();
                } catch (IOException | RuntimeException ex) {
                    room.fail("checkpoint fsync failed: " + ex, ex);
                    journal.pin("the checkpoint of room " + room.id + " failed");
                }
                return null;
            });
        }
        try {
            if (tasks.size() == 1) {
                tasks.get(0).call();
            } else if (!tasks.isEmpty()) {
                for (Future<Void> f : fsyncPool.invokeAll(tasks)) {
                    f.get();
                }
            }
        } catch (Exception e) {
            journal.pin("a checkpoint was interrupted: " + e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        if (rotate) {
            try {
                journal.checkpointed();
            } catch (IOException | RuntimeException e) {
                journal.fail("cannot begin a new journal file: " + e, e);
            }
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

    private static void forceOne(RoomLog room, Segment s) {
        try {
            room.force(s);
        } catch (IOException | RuntimeException ex) {
            room.fail("fsync of " + s.file + " failed: " + ex, ex);
        }
    }
}
