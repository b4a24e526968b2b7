package dev.parley.chat.internal;

import dev.parley.chat.Scheduler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Scheduler}: timers that fire by the server's {@link Clock}, not by wall time.
 * One daemon thread, {@code parley-scheduler-N}, looks every {@value #SWEEP_MILLIS} ms of real time
 * for the tasks whose deadline the clock has passed and runs them, so a clock that jumps (a test's
 * mutable clock) fires them too. The server that made it {@link #shutdown() shuts it down}.
 */
final class SweepingScheduler implements Scheduler {
    private static final Logger log = LoggerFactory.getLogger(SweepingScheduler.class);
    private static final AtomicInteger instances = new AtomicInteger();
    /** How often the clock is looked at, in wall-clock milliseconds. */
    static final long SWEEP_MILLIS = 20;

    private final Clock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final AtomicLong order = new AtomicLong();
    private final ScheduledExecutorService sweeper;

    SweepingScheduler(Clock clock) {
        this.clock = clock;
        String name = "parley-scheduler-" + instances.incrementAndGet();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::fireDue, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public Timer schedule(Runnable task, long delayMillis) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis was " + delayMillis + " but must not be negative");
        }
        Task timer = new Task(clock.millis() + delayMillis, order.incrementAndGet(), task);
        synchronized (queue) {
            queue.add(timer);
        }
        return timer;
    }

    /** Runs the tasks that are due, in deadline order, outside the lock. */
    private void fireDue() {
        long now = clock.millis();
        List<Task> due = new ArrayList<>();
        synchronized (queue) {
            while (!queue.isEmpty() && queue.peek().deadline <= now) {
                due.add(queue.poll());
            }
        }
        for (Task timer : due) {
            if (timer.cancelled) {
                continue;
            }
            try {
                timer.task.run();
            } catch (RuntimeException e) {
                log.error("a timer failed", e);
            }
        }
    }

    /** Stops the thread; timers not yet fired never will be. */
    void shutdown() {
        sweeper.shutdownNow();
        synchronized (queue) {
            queue.clear();
        }
    }

    /** A scheduled task; cancelling it is cheap and it is dropped when due. */
    private static final class Task implements Timer, Comparable<Task> {
        final long deadline;
        private final long order;
        private final Runnable task;
        private volatile boolean cancelled;

        Task(long deadline, long order, Runnable task) {
            this.deadline = deadline;
            this.order = order;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(order, other.order);
        }
    }
}
