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
 * The flusher: one thread takes every append queued since its last pass, writes each room's records
 * with one write, fsyncs the rooms it wrote (in parallel when there are several), then publishes
 * and completes them in queue order, so each room's appends complete in seq order.
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

    GroupCommit(Durability durability, String name) {
        this.durability = durability;
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
                if (durability.mode() == Durability.Mode.INTERVAL) {
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
                    forceUnforced();
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
