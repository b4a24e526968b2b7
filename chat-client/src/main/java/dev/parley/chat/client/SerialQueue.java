package dev.parley.chat.client;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: the client's state
 * machine runs on one of these (so its state needs no lock), and so does each room's listener
 * (so a room's events stay in order while rooms run in parallel).
 *
 * <p>A task that throws is logged and the next one runs.
 */
final class SerialQueue implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialQueue.class);

    private final Executor executor;
    private final String name;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialQueue(Executor executor, String name) {
        this.executor = executor;
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.addLast(task);
            if (running) {
                return;
            }
            running = true;
        }
        schedule();
    }

    private void schedule() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // The executor is shut down (the client closed): run what is left here, so that no
            // future stays incomplete.
            drain();
        }
    }

    private void drain() {
        // A bounded batch per turn, so one busy queue cannot hold a pool thread for ever.
        for (int i = 0; i < 256; i++) {
            Runnable task;
            synchronized (tasks) {
                task = tasks.pollFirst();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("{}: a task failed", name, e);
            }
        }
        schedule();
    }
}
