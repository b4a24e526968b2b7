package dev.parley.chat.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a client's code runs: its loop (a {@link SerialQueue} on the scheduler, which owns all of
 * the client's state), the loop's timers, and the callback executor that completes futures and
 * runs listeners. The threading model as a whole is described on {@link ParleyClient}.
 */
final class ClientThreads {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);

    private final String name;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Executor callbacks;
    private final @Nullable ExecutorService ownedCallbacks;
    private final SerialQueue loop;

    /**
     * @param scheduler the scheduler given to the builder, or null for a daemon thread of our own
     * @param callbackExecutor the executor given to the builder, or null for a pool of our own
     */
    ClientThreads(String name, @Nullable ScheduledExecutorService scheduler, @Nullable Executor callbackExecutor) {
        this.name = name;
        if (scheduler != null) {
            this.scheduler = scheduler;
            this.ownsScheduler = false;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads(name));
            this.ownsScheduler = true;
        }
        if (callbackExecutor != null) {
            this.callbacks = callbackExecutor;
            this.ownedCallbacks = null;
        } else {
            ExecutorService pool = Executors.newCachedThreadPool(daemonThreads(name + "-callbacks"));
            this.callbacks = pool;
            this.ownedCallbacks = pool;
        }
        this.loop = new SerialQueue(this.scheduler, name);
    }

    /** Runs {@code task} on the loop, after every task submitted before it. */
    void onLoop(Runnable task) {
        loop.execute(task);
    }

    /** Runs {@code task} on the loop after {@code delayNanos}; nothing once the scheduler has stopped. */
    void schedule(long delayNanos, Runnable task) {
        try {
            scheduler.schedule(() -> loop.execute(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{}: scheduler stopped; a timer was dropped", name);
        }
    }

    /** A queue that runs its tasks one at a time, in order, on the callback executor. */
    SerialQueue callbackQueue(String suffix) {
        return new SerialQueue(callbacks, name + "-" + suffix);
    }

    /** Completes {@code future} on the callback executor, so its dependants never run on the loop. */
    <T> void complete(CompletableFuture<T> future, @Nullable T value) {
        onCallbacks(() -> future.complete(value));
    }

    /** Fails {@code future} on the callback executor, so its dependants never run on the loop. */
    void fail(CompletableFuture<?> future, Throwable failure) {
        onCallbacks(() -> future.completeExceptionally(failure));
    }

    private void onCallbacks(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            // The executor is shut down (the client closed): no future may stay incomplete.
            task.run();
        }
    }

    /** Stops the threads the client made itself; the callbacks already queued still run. */
    void shutdown() {
        if (ownedCallbacks != null) {
            ownedCallbacks.shutdown();
        }
        if (ownsScheduler) {
            scheduler.shutdown();
        }
    }

    /**
     * Waits until the client's own callback threads have ended, when it has its own and this is
     * not one of them (a callback that closes the client cannot wait for its own thread to end).
     */
    void awaitCallbacksEnded(long timeoutMs) throws InterruptedException {
        ExecutorService pool = ownedCallbacks;
        if (pool != null && !Thread.currentThread().getName().startsWith(name + "-callbacks-")) {
            pool.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
