package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.ServerFrame;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishes not yet acknowledged: sent in call order per room, within the in-flight window
 * and the {@link Pacer}'s rate, each with its {@code cid} for life, so that however often it is
 * resent (after a lost connection, {@code RATE_LIMITED}, {@code UNAVAILABLE}) the server stores
 * it once.
 *
 * <p>Confined to the loop, except {@link #newPublish}.
 */
final class PublishQueue {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private final ConnectionState connection;
    private final AwaitedReplies replies;
    private final Rooms rooms;
    private final ClientThreads threads;
    private final RetryDelays retryDelays;
    private final int maxInFlight;
    /** How long a publish may wait for its acknowledgement; null: for ever. */
    private final @Nullable Duration publishTimeout;
    /** Shared with the request queue: one numbering of the calls in the order they were made. */
    private final AtomicLong callOrder;
    private final String cidPrefix;
    /** Where pending publishes survive a restart; null: in memory only. */
    private final @Nullable Outbox outbox;

    /** What waits to be sent (again), by call order. */
    private final TreeMap<Long, Pending.Publish> waiting = new TreeMap<>();
    /** Sent on the current connection and not answered yet. */
    private int inFlight;
    /** The current connection's rate; null while not welcomed. */
    private @Nullable Pacer pacer;
    private boolean pumpTimerSet;
    private long pumpTimerAt;

    PublishQueue(ConnectionState connection, AwaitedReplies replies, Rooms rooms, ClientThreads threads,
            RetryDelays retryDelays, int maxInFlight, @Nullable Duration publishTimeout, AtomicLong callOrder,
            @Nullable Outbox outbox) {
        this.connection = connection;
        this.replies = replies;
        this.rooms = rooms;
        this.threads = threads;
        this.retryDelays = retryDelays;
        this.maxInFlight = maxInFlight;
        this.publishTimeout = publishTimeout;
        this.outbox = outbox;
        this.callOrder = callOrder;
        UUID uuid = UUID.randomUUID();
        // Unique per client instance, so that two devices of one user never share a cid.
        this.cidPrefix = Long.toString(uuid.getMostSignificantBits() >>> 1, 36)
                + Long.toString(uuid.getLeastSignificantBits() >>> 1, 36) + "-";
    }

    /** A publish, numbered in call order, with its cid; any thread. */
    Pending.Publish newPublish(String room, MessageDraft draft, @Nullable String compactMeta) {
        long order = callOrder.incrementAndGet();
        return newPublish(room, draft, compactMeta, cidPrefix + Long.toString(order, 36));
    }

    /** A publish with a cid of its own (one restored from the outbox); any thread. */
    Pending.Publish newPublish(String room, MessageDraft draft, @Nullable String compactMeta, String cid) {
        return new Pending.Publish(callOrder.incrementAndGet(), room, draft, compactMeta, cid);
    }

    /** Takes a publish of the application: refused once the client is closing. */
    void submit(Pending.Publish p) {
        if (connection.isClosing()) {
            fail(p, ConnectionState.closedException());
            return;
        }
        waiting.put(p.order, p);
        if (publishTimeout != null) {
            threads.schedule(publishTimeout.toNanos(), () -> timedOut(p));
        }
        pump();
    }

    /**
     * The publish timeout of {@code p} expired: fail it and stop resending it, so the later
     * publishes of its room, which wait behind it to keep their order, go on.
     */
    private void timedOut(Pending.Publish p) {
        if (p.settled) {
            return;
        }
        p.timedOut = true;
        waiting.remove(p.order);
        // If it is in flight it stays counted until its answer (or the connection's loss) comes.
        refuse(p, new ChatException(ErrorCode.UNAVAILABLE, "not acknowledged within the publish timeout ("
                + publishTimeout.toMillis() + " ms); it may have been stored all the same (cid " + p.cid + ")"));
        pump();
    }

    /**
     * Fails {@code p}'s future unless the loop settled it already; it stays in the outbox, to be
     * sent again by the next client (the client closes or gives up).
     */
    void fail(Pending.Publish p, ChatException cause) {
        if (!p.settled) {
            p.settled = true;
            threads.fail(p.future, cause);
        }
    }

    /** Fails {@code p} for good: the server refused it, or its timeout expired; the outbox forgets it. */
    private void refuse(Pending.Publish p, ChatException cause) {
        forget(p);
        fail(p, cause);
    }

    private void forget(Pending.Publish p) {
        if (outbox != null) {
            try {
                outbox.remove(p.cid);
            } catch (RuntimeException e) {
                // Only costs a resend after a restart, which the cid dedupes.
                log.warn("the outbox could not forget the publish of cid {}", p.cid, e);
            }
        }
    }

    /** Puts {@code p} back to be sent again, unless its timeout already failed it. */
    private void requeue(Pending.Publish p) {
        if (!p.timedOut) {
            waiting.put(p.order, p);
        }
    }

    /** A connection was welcomed with this rate (0 or less: none announced). */
    void welcomed(int publishPerSecond) {
        pacer = new Pacer(publishPerSecond, System.nanoTime());
    }

    /** Sends what may go now: in order, within the in-flight window and the pacer's rate. */
    void pump() {
        ClientConnection c = connection.current();
        Pacer rate = pacer;
        if (!connection.isWelcomed() || c == null || rate == null || waiting.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Set<String> held = null;
        long wakeAt = 0;
        boolean wake = false;
        Iterator<Pending.Publish> it = waiting.values().iterator();
        while (it.hasNext() && inFlight < maxInFlight) {
            Pending.Publish p = it.next();
            if (held != null && held.contains(p.room)) {
                continue;
            }
            boolean awaitingJoin = rooms.isAwaitingJoin(p.room);
            boolean backingOff = p.hasNotBefore && p.notBeforeNanos - now > 0;
            if (awaitingJoin || backingOff) {
                if (backingOff && (!wake || p.notBeforeNanos - wakeAt < 0)) {
                    wake = true;
                    wakeAt = p.notBeforeNanos;
                }
                // Later publishes of the room wait too, so that they keep their order.
                if (held == null) {
                    held = new HashSet<>();
                }
                held.add(p.room);
                continue;
            }
            long wait = rate.tryTake(now);
            if (wait > 0) {
                if (!wake || now + wait - wakeAt < 0) {
                    wake = true;
                    wakeAt = now + wait;
                }
                break;
            }
            it.remove();
            long ref = replies.await(p);
            inFlight++;
            connection.send(p.command(ref));
        }
        if (wake) {
            schedulePump(wakeAt);
        }
    }

    private void schedulePump(long atNanos) {
        if (pumpTimerSet && pumpTimerAt - atNanos <= 0) {
            return;
        }
        pumpTimerSet = true;
        pumpTimerAt = atNanos;
        threads.schedule(atNanos - System.nanoTime(), () -> {
            if (pumpTimerAt == atNanos) {
                pumpTimerSet = false;
            }
            pump();
        });
    }

    /** The server stored {@code p}. */
    void acknowledged(Pending.Publish p, ServerFrame.PublishedFrame f) {
        inFlight--;
        forget(p);
        p.settled = true;
        threads.complete(p.future, new PublishedMessage(f.room(), f.seq(), f.id(), f.ts(), p.cid, f.duplicate()));
        pump();
    }

    /** The server answered {@code p} with an error: wait and resend, or fail it. */
    void refused(Pending.Publish p, ServerFrame.ErrorFrame e, long nowNanos) {
        inFlight--;
        switch (e.code()) {
            case RATE_LIMITED:
                if (pacer != null) {
                    pacer.limited(e.retryAfterMs(), nowNanos);
                }
                requeue(p);
                break;
            case UNAVAILABLE:
                p.retries++;
                p.hasNotBefore = true;
                p.notBeforeNanos = nowNanos + retryDelays.delay(Math.min(p.retries, 30)).toNanos();
                requeue(p);
                break;
            case NOT_IN_ROOM:
                // Sent while a rejoin was under way: it goes again once the room is joined.
                if (rooms.isRejoining(p.room)) {
                    requeue(p);
                } else {
                    refuse(p, new ChatException(e.code(), e.message()));
                }
                break;
            default:
                refuse(p, new ChatException(e.code(), e.message()));
        }
        pump();
    }

    /** The server answered {@code p} with something else than published or an error. */
    void failed(Pending.Publish p, ChatException cause) {
        inFlight--;
        refuse(p, cause);
    }

    /** The connection {@code p} went out on is lost: it waits for the next, with its cid. */
    void lost(Pending.Publish p) {
        requeue(p);
    }

    /** The connection is lost: nothing is in flight any more, and the next one brings its rate. */
    void connectionLost() {
        inFlight = 0;
        pacer = null;
    }

    /** Whether every publish made is acknowledged or failed, which a closing client waits for. */
    boolean isDone() {
        return waiting.isEmpty() && inFlight == 0;
    }

    /** Fails every waiting publish: the client closes or gave up. */
    void failAll(ChatException cause) {
        inFlight = 0;
        for (Pending.Publish p : waiting.values()) {
            fail(p, cause);
        }
        waiting.clear();
    }
}
