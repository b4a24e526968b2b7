package dev.parley.chat.testkit;

import dev.parley.chat.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A whole server on one thread, in an order chosen by a seed: give it to {@code
 * ChatServer.builder()} as both the {@link #execute executor} of the room mailboxes and the {@link
 * #schedule scheduler} of the timers, with its {@link #clock()}, and nothing runs until the test
 * calls {@link #runUntilIdle()} or {@link #advance(Duration)}. Then every task runs on the calling
 * thread; the next one is picked from those ready by a {@link Random} of the given seed, so two
 * seeds give two interleavings of rooms and timers, and one seed gives the same one every time
 * (as long as the test itself does the same things in the same order).
 *
 * <pre>{@code
 * DeterministicScheduler world = new DeterministicScheduler(seed);
 * ChatServer server = ChatServer.builder()
 *         .clock(world.clock()).executor(world).scheduler(world).build();
 * server.start(transport);
 * RecordingClient alice = transport.connect();
 * alice.send("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
 * world.runUntilIdle();                   // alice's welcome has arrived
 * world.advance(Duration.ofSeconds(6));   // and so has whatever timers fired meanwhile
 * }</pre>
 *
 * <p>Time is virtual: the {@link MutableClock} moves only in {@link #advance} (or when the test
 * advances it itself), and a timer is ready once that clock has reached its deadline. A task that
 * throws stops the run and reaches the test; it has been taken off the queue first.
 *
 * <p><b>Thread safety.</b> Tasks may be given from any thread; runs happen on the one thread that
 * calls {@link #runUntilIdle()} or {@link #advance}, never inside {@link #execute} or {@link
 * #schedule}, and never nested.
 */
public final class DeterministicScheduler implements Scheduler, Executor {
    private final long seed;
    private final Random random;
    private final MutableClock clock;
    private final List<Runnable> ready = new ArrayList<>(); // guarded by this
    private final PriorityQueue<Task> timers = new PriorityQueue<>(); // guarded by this
    private long order; // guarded by this
    private long ran; // guarded by this
    private @Nullable Thread running; // guarded by this

    /** A scheduler with its own virtual clock, starting where {@link MutableClock#MutableClock()} does. */
    public DeterministicScheduler(long seed) {
        this(seed, new MutableClock());
    }

    /** A scheduler whose timers follow {@code clock}. */
    public DeterministicScheduler(long seed, MutableClock clock) {
        this.seed = seed;
        this.random = new Random(seed);
        this.clock = clock;
    }

    /** The seed that picks the order of tasks, to print when a test fails. */
    public long seed() {
        return seed;
    }

    /** The virtual clock the timers follow: build the server with it. */
    public MutableClock clock() {
        return clock;
    }

    /** Queues {@code task} to run in a later {@link #runUntilIdle()}; never runs it here. */
    @Override
    public synchronized void execute(Runnable task) {
        ready.add(task);
    }

    /**
     * Queues {@code task} to become ready once the clock is {@code delayMillis} past now.
     *
     * @throws IllegalArgumentException if {@code delayMillis} is negative
     */
    @Override
    public synchronized Timer schedule(Runnable task, long delayMillis) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis was " + delayMillis + " but must not be negative");
        }
        Task timer = new Task(clock.millis() + delayMillis, ++order, task);
        timers.add(timer);
        return timer;
    }

    /**
     * Runs tasks, one at a time and each picked at random among those ready, until none is ready
     * at the clock's present time (timers due later stay queued).
     *
     * @return how many tasks ran
     * @throws IllegalStateException if called from inside a task or while another thread runs tasks
     */
    public int runUntilIdle() {
        enter();
        try {
            int count = 0;
            Runnable next;
            while ((next = pick()) != null) {
                next.run();
                count++;
            }
            return count;
        } finally {
            exit();
        }
    }

    /**
     * Moves the clock forward by {@code duration}, stopping at the deadline of every timer on the
     * way to {@link #runUntilIdle() run} what is ready then, so timers fire at their own time and
     * in the order of their deadlines relative to the tasks they cause.
     *
     * @return how many tasks ran
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws IllegalStateException as {@link #runUntilIdle()} does
     */
    public int advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a clock does not go back: " + duration);
        }
        long target = clock.millis() + duration.toMillis();
        int count = runUntilIdle();
        while (true) {
            long next;
            synchronized (this) {
                Task first = timers.peek();
                if (first == null || first.deadline > target) {
                    break;
                }
                next = first.deadline;
            }
            moveClockTo(next);
            count += runUntilIdle();
        }
        moveClockTo(target);
        return count + runUntilIdle();
    }

    /** Whether nothing is ready and no timer is waiting. */
    public synchronized boolean isIdle() {
        return ready.isEmpty() && timers.isEmpty();
    }

    /** How many timers are waiting for the clock. */
    public synchronized int pendingTimers() {
        return timers.size();
    }

    /** How many tasks have run since this scheduler was made. */
    public synchronized long tasksRun() {
        return ran;
    }

    private void moveClockTo(long millis) {
        long now = clock.millis();
        if (millis > now) {
            clock.advance(Duration.ofMillis(millis - now));
        }
    }

    private synchronized @Nullable Runnable pick() {
        long now = clock.millis();
        while (!timers.isEmpty() && timers.peek().deadline <= now) {
            ready.add(timers.poll().task);
        }
        if (ready.isEmpty()) {
            return null;
        }
        int index = random.nextInt(ready.size());
        Runnable chosen = ready.get(index);
        // Swap-remove: O(1), and as deterministic as the pick itself.
        Runnable last = ready.remove(ready.size() - 1);
        if (index < ready.size()) {
            ready.set(index, last);
        }
        ran++;
        return chosen;
    }

    private synchronized void enter() {
        if (running != null) {
            throw new IllegalStateException(running == Thread.currentThread()
                    ? "runUntilIdle and advance must not be called from inside a task"
                    : "tasks are already being run by " + running.getName());
        }
        running = Thread.currentThread();
    }

    private synchronized void exit() {
        running = null;
    }

    private synchronized void cancel(Task task) {
        timers.remove(task);
    }

    /** A timer waiting for the clock; cancelling takes it off the queue. */
    private final class Task implements Timer, Comparable<Task> {
        final long deadline;
        private final long order;
        final Runnable task;

        Task(long deadline, long order, Runnable task) {
            this.deadline = deadline;
            this.order = order;
            this.task = task;
        }

        @Override
        public void cancel() {
            DeterministicScheduler.this.cancel(this);
        }

        @Override
        public int compareTo(Task other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(order, other.order);
        }
    }
}
