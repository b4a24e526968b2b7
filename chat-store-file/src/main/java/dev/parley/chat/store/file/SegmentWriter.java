package dev.parley.chat.store.file;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journal mode: writes the rooms' segments behind the acknowledgement, and runs the checkpoints.
 *
 * <p>The flusher makes a group durable in the journal, stages its records in the rooms (readers see
 * them from memory), completes the appends and hands the rooms here. This thread writes each room's
 * staged records to its segment and index (everything staged by then, so groups that queued while it
 * was busy cost one write per room), and then drops them from memory. A checkpoint is queued by the
 * flusher after the groups it covers (the journal files before the one the flusher just began), so
 * when this thread reaches it every record those files hold is in a segment: it fsyncs the rooms
 * written since the previous checkpoint and deletes the files. The flusher never waits for any of
 * this, except when more than {@link #MAX_STAGED_BYTES} are staged and not yet written.
 */
final class SegmentWriter implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SegmentWriter.class);
    /** Staged bytes beyond which the flusher waits before it acknowledges more. */
    static final long MAX_STAGED_BYTES = 64L << 20;

    /** A checkpoint: every journal file that begins before {@code beforeLsn} is covered. */
    private record Checkpoint(long beforeLsn) {}

    private static final Object STOP = new Object();

    private final Journal journal;
    private final ExecutorService fsyncPool;
    private final Thread thread;
    private final Object monitor = new Object();
    /** Rooms, {@link Checkpoint}s and {@link #STOP}, in the order the flusher queued them. Under monitor. */
    private List<Object> queue = new ArrayList<>();
    /** Bytes staged in rooms and not yet written (or released by a failed room). Under monitor. */
    private long stagedBytes;
    /** Rooms written since the last checkpoint. This thread only. */
    private final Set<RoomLog> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Rooms whose segment write failed, retried every {@link GroupCommit#PROBE_NANOS}. This thread only. */
    private final Set<RoomLog> failedRooms = Collections.newSetFromMap(new IdentityHashMap<>());
    private long nextRetryNanos;

    SegmentWriter(String name, Journal journal, ExecutorService fsyncPool) {
        this.journal = journal;
        this.fsyncPool = fsyncPool;
        this.thread = new Thread(this, name + "-segments");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Flusher: waits while too much is staged, then counts {@code bytes} more. */
    void reserve(long bytes) throws InterruptedException {
        synchronized (monitor) {
            while (stagedBytes > 0 && stagedBytes + bytes > MAX_STAGED_BYTES && thread.isAlive()) {
                monitor.wait(100);
            }
            stagedBytes += bytes;
        }
    }

    /** Waits until every record staged so far is written to its segment (or its room failed). For tests. */
    void awaitWritten() throws InterruptedException {
        synchronized (monitor) {
            while (stagedBytes > 0 && thread.isAlive()) {
                monitor.wait(100);
            }
        }
    }

    /** Flusher: these rooms have staged records to write. */
    void write(Collection<RoomLog> rooms) {
        synchronized (monitor) {
            queue.addAll(rooms);
            monitor.notifyAll();
        }
    }

    /** Flusher: a checkpoint of everything queued so far, covering the journal files before {@code beforeLsn}. */
    void checkpoint(long beforeLsn) {
        synchronized (monitor) {
            queue.add(new Checkpoint(beforeLsn));
            monitor.notifyAll();
        }
    }

    /** Writes everything queued, then stops (without a checkpoint: the store's close fsyncs the rooms). */
    void stop() {
        synchronized (monitor) {
            queue.add(STOP);
            monitor.notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            while (true) {
                List<Object> items;
                synchronized (monitor) {
                    while (queue.isEmpty()) {
                        if (failedRooms.isEmpty()) {
                            monitor.wait();
                        } else {
                            long wait = nextRetryNanos - System.nanoTime();
                            if (wait <= 0) {
                                break;
                            }
                            TimeUnit.NANOSECONDS.timedWait(monitor, wait);
                        }
                    }
                    items = queue;
                    queue = new ArrayList<>();
                }
                retryFailedRooms();
                long released = 0;
                boolean stop = false;
                for (Object item : items) {
                    if (item instanceof RoomLog room) {
                        long r = room.writeStaged();
                        if (r >= 0) {
                            released += r;
                            dirty.add(room);
                            if (room.failure() != null) {
                                // Its segment lacks acknowledged records that only the journal holds.
                                pinFor(room);
                            }
                        }
                    } else if (item instanceof Checkpoint c) {
                        release(released);
                        released = 0;
                        runCheckpoint(c.beforeLsn);
                    } else if (item == STOP) {
                        stop = true;
                    }
                }
                release(released);
                if (stop) {
                    for (RoomLog room : dirty) {
                        if (room.failure() != null) {
                            pinFor(room);
                        }
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            journal.fail("the segment writer was interrupted", e);
        } catch (Throwable e) {
            // Acknowledged records may now be only in the journal: keep it and refuse appends.
            journal.fail("the segment writer failed: " + e, e);
        } finally {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
    }

    /** Keeps the journal for a failed room: until it writes its segment again, or for good. */
    private void pinFor(RoomLog room) {
        if (room.failedRecoverably()) {
            if (failedRooms.add(room)) {
                nextRetryNanos = System.nanoTime() + GroupCommit.PROBE_NANOS;
            }
            journal.pinFor(room);
        } else {
            journal.pin("room " + room.id + " failed");
        }
    }

    /** Writes the failed rooms' staged records again when due; a room that succeeds goes on. */
    private void retryFailedRooms() {
        if (failedRooms.isEmpty() || System.nanoTime() - nextRetryNanos < 0) {
            return;
        }
        for (java.util.Iterator<RoomLog> it = failedRooms.iterator(); it.hasNext(); ) {
            RoomLog room = it.next();
            if (room.recoverAfterFailure(journal)) {
                it.remove();
                dirty.add(room); // the next checkpoint fsyncs what was written again, then the journal may go
                journal.unpinFor(room);
            } else if (!room.failedRecoverably()) {
                it.remove();
                journal.pin("room " + room.id + " failed");
            }
        }
        nextRetryNanos = System.nanoTime() + GroupCommit.PROBE_NANOS;
    }

    private void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        synchronized (monitor) {
            stagedBytes -= bytes;
            monitor.notifyAll();
        }
    }

    /**
     * Fsyncs the segment and index of every room written since the last checkpoint, then deletes the
     * journal files it covers. A failed fsync fails that room and pins the journal, which then still
     * holds the room's acknowledged records.
     */
    private void runCheckpoint(long beforeLsn) {
        long started = System.nanoTime();
        List<RoomLog> rooms = new ArrayList<>(dirty.size());
        for (RoomLog room : dirty) {
            if (room.failure() != null) {
                // Its segment may lack acknowledged records that only the journal holds.
                pinFor(room);
            } else {
                rooms.add(room);
            }
        }
        dirty.clear();
        List<Callable<Void>> tasks = new ArrayList<>(rooms.size());
        Set<RoomLog> deferred = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        Set<RoomLog> failedCheckpoints = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        for (RoomLog room : rooms) {
            tasks.add(() -> {
                try {
                    room.checkpoint();
                } catch (RoomLog.HighMarkNotWritten ex) {
                    log.warn("room {}: {}; the journal is kept until a checkpoint writes it", room.id, ex.getMessage());
                    deferred.add(room);
                } catch (IOException | RuntimeException ex) {
                    // fsyncgate: not retried. The journal keeps the room's records until a probe has
                    // reopened its files from the disk and written them again from the journal.
                    room.failDisk("checkpoint fsync failed: " + ex, ex);
                    failedCheckpoints.add(room);
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
        for (RoomLog room : failedCheckpoints) {
            pinFor(room);
        }
        if (!failedCheckpoints.isEmpty()) {
            return;
        }
        if (!deferred.isEmpty()) {
            // Their high marks are only in the journal: it stays, and they are checkpointed again next time.
            dirty.addAll(deferred);
            return;
        }
        try {
            journal.deleteBefore(beforeLsn);
        } catch (IOException | RuntimeException e) {
            // The files stay; the next checkpoint deletes them (replaying them again is harmless).
            log.warn("cannot delete checkpointed journal files: {}", e.toString());
        }
        log.debug("checkpoint of {} rooms in {} µs", rooms.size(), (System.nanoTime() - started) / 1000);
    }
}
