package dev.parley.chat.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Timers that fire by the engine's {@link Clock}, not by wall time: {@link #fireDue()} runs every
 * task whose deadline the clock has passed. The engine calls it from a short periodic sweep, so a
 * test that advances a mutable clock sees typing expire and grace periods end without sleeping.
 */
final class Deadlines {
    private final Clock clock;
    private final PriorityQueue<Timer> queue = new PriorityQueue<>();
    private final AtomicLong order = new AtomicLong();

    Deadlines(Clock clock) {
        this.clock = clock;
    }

    /** A timer that runs {@code task} once the clock reaches {@code delayMillis} from now. */
    Timer schedule(long delayMillis, Runnable task) {
        return scheduleAt(clock.millis() + delayMillis, task);
    }

    /** A timer that runs {@code task} once the clock reaches {@code deadlineMillis}. */
    Timer scheduleAt(long deadlineMillis, Runnable task) {
        Timer timer = new Timer(deadlineMillis, order.incrementAndGet(), task);
        synchronized (queue) {
            queue.add(timer);
        }
        return timer;
    }

    /** Runs the tasks that are due, in deadline order, outside the lock. */
    void fireDue() {
        long now = clock.millis();
        List<Timer> due = new ArrayList<>();
        synchronized (queue) {
            while (!queue.isEmpty() && queue.peek().deadline <= now) {
                due.add(queue.poll());
            }
        }
        for (Timer timer : due) {
            if (!timer.cancelled) {
                timer.task.run();
            }
        }
    }

    /** A scheduled task; cancelling it is cheap and it is dropped when due. */
    static final class Timer implements Comparable<Timer> {
        final long deadline;
        private final long order;
        private final Runnable task;
        private volatile boolean cancelled;

        Timer(long deadline, long order, Runnable task) {
            this.deadline = deadline;
            this.order = order;
            this.task = task;
        }

        void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(order, other.order);
        }
    }
}
