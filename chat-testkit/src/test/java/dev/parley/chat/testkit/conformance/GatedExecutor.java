package dev.parley.chat.testkit.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A room executor that a test can hold: while held, the rooms' mailboxes fill but do not run, so
 * several commands of one connection are surely queued before the first one runs (as happens
 * whenever a client pipelines commands faster than a room works).
 */
final class GatedExecutor implements java.util.concurrent.Executor, AutoCloseable {
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "gated-room");
        t.setDaemon(true);
        return t;
    });
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;

    @Override
    public synchronized void execute(Runnable task) {
        if (holding) {
            held.add(task);
        } else {
            pool.execute(task);
        }
    }

    synchronized void hold() {
        holding = true;
    }

    synchronized void release() {
        holding = false;
        for (Runnable task : held) {
            pool.execute(task);
        }
        held.clear();
    }

    @Override
    public void close() {
        release();
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
