package dev.parley.chat;

/**
 * Runs the engine's timers: typing expiry, the presence grace period, the hello timeout, token
 * expiry checks and the look for idle rooms. The one seam through which the engine waits for time
 * to pass, so a test can replace it with one that moves a virtual clock (the testkit's {@code
 * DeterministicScheduler}) and drive a whole server on one thread.
 *
 * <p>Delays are in the milliseconds of the {@link ChatServer.Builder#clock clock} the server is
 * built with: a scheduler for a server whose clock does not follow real time must follow that
 * clock, as the default does. A task may run late, never early, and may run even after {@link
 * Timer#cancel()} if the cancel races with it: the engine checks, when a timer fires, that it is
 * still wanted.
 *
 * <p><b>Thread safety.</b> Implementations must be safe to call from any thread: the engine
 * schedules and cancels from room mailboxes and transport threads concurrently. Tasks are short
 * and never block; an implementation may run them on any one thread, but not inside {@link
 * #schedule} itself.
 *
 * <p><b>Lifecycle.</b> A scheduler given to {@link ChatServer.Builder#scheduler} is not stopped
 * by the server: its owner stops it after {@link ChatServer#close()}. The server cancels the
 * timers it still holds when it closes.
 */
public interface Scheduler {

    /**
     * Runs {@code task} once, no sooner than {@code delayMillis} after now by the server's clock.
     *
     * @param task what to run; what it throws is the scheduler's to log, and must not stop later tasks
     * @param delayMillis how long from now, at least 0 (0 means as soon as possible, not inline)
     * @return a handle that cancels the task
     * @throws IllegalArgumentException if {@code delayMillis} is negative
     */
    Timer schedule(Runnable task, long delayMillis);

    /** A scheduled task, which can be cancelled. */
    interface Timer {
        /** Makes the task not run if it has not started; idempotent, and harmless after it ran. */
        void cancel();
    }
}
