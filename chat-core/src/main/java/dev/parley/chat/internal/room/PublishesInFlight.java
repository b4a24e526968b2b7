package dev.parley.chat.internal.room;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every publish in flight on this node, across rooms, so that closing the server answers the
 * publishes being stored before it says bye: what was acknowledged is durable. Rooms add and
 * remove their {@link PendingPublish} objects from their mailboxes; the engine waits here.
 */
public final class PublishesInFlight {
    private final Set<PendingPublish> pending = Collections.newSetFromMap(new IdentityHashMap<>());

    synchronized void started(PendingPublish publish) {
        pending.add(publish);
    }

    synchronized void finished(PendingPublish publish) {
        pending.remove(publish);
        notifyAll();
    }

    /**
     * Waits until no publish is in flight, or {@code timeout} has passed.
     *
     * @return how many are still in flight
     */
    public synchronized int awaitNone(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!pending.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return pending.size();
    }
}
