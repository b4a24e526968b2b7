package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrame;
import java.util.Iterator;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The requests with one reply (history, members, rooms, status, read, leave) that wait for a
 * welcomed connection or for the end of a retry delay: sent in the order they were made, retried
 * after {@code RATE_LIMITED} and {@code UNAVAILABLE}, and resent after a lost connection if they
 * ask for it.
 *
 * <p>Confined to the loop, except {@link #newRequest}.
 */
final class RequestQueue {
    private final ConnectionState connection;
    private final AwaitedReplies replies;
    private final ClientThreads threads;
    private final RetryDelays retryDelays;
    /** Shared with the publish queue: one numbering of the calls in the order they were made. */
    private final AtomicLong callOrder;

    private final TreeMap<Long, Pending.Request<?>> waiting = new TreeMap<>();
    private boolean flushTimerSet;
    private long flushTimerAt;

    RequestQueue(ConnectionState connection, AwaitedReplies replies, ClientThreads threads, RetryDelays retryDelays,
            AtomicLong callOrder) {
        this.connection = connection;
        this.replies = replies;
        this.threads = threads;
        this.retryDelays = retryDelays;
        this.callOrder = callOrder;
    }

    /** A request, numbered in call order; any thread. */
    <T> Pending.Request<T> newRequest(Function<Ref, Command> command, Function<ServerFrame, T> reply,
            boolean resendAfterLoss, boolean notInRoomIsSuccess) {
        return new Pending.Request<>(callOrder.incrementAndGet(), command, reply, resendAfterLoss, notInRoomIsSuccess);
    }

    /** Takes a request of the application: refused once the client is closed. */
    void submit(Pending.Request<?> r) {
        if (connection.isClosed()) {
            threads.fail(r.future, ConnectionState.closedException());
            return;
        }
        enqueue(r);
    }

    /** Takes a request of the client's own (a leave, a page of catch-up). */
    void enqueue(Pending.Request<?> r) {
        waiting.put(r.order, r);
        flush();
    }

    /** Sends every request whose retry delay has passed, when welcomed; wakes up for the others. */
    void flush() {
        if (!connection.isWelcomed() || waiting.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        long wakeAt = 0;
        boolean wake = false;
        Iterator<Pending.Request<?>> it = waiting.values().iterator();
        while (it.hasNext()) {
            Pending.Request<?> r = it.next();
            if (r.hasNotBefore && r.notBeforeNanos - now > 0) {
                if (!wake || r.notBeforeNanos - wakeAt < 0) {
                    wake = true;
                    wakeAt = r.notBeforeNanos;
                }
                continue;
            }
            it.remove();
            long ref = replies.await(r);
            connection.send(r.command.apply(AwaitedReplies.wire(ref)));
        }
        if (wake && (!flushTimerSet || wakeAt - flushTimerAt < 0)) {
            flushTimerSet = true;
            flushTimerAt = wakeAt;
            long at = wakeAt;
            threads.schedule(at - now, () -> {
                if (flushTimerAt == at) {
                    flushTimerSet = false;
                }
                flush();
            });
        }
    }

    /** The server replied to {@code r}. */
    <T> void answered(Pending.Request<T> r, ServerFrame frame) {
        T value;
        try {
            value = r.reply.apply(frame);
        } catch (ClassCastException e) {
            threads.fail(r.future, new ChatException(ErrorCode.INTERNAL, "unexpected reply: " + frame));
            return;
        }
        threads.complete(r.future, value);
    }

    /** The server answered {@code r} with an error. */
    <T> void refused(Pending.Request<T> r, ServerFrame.ErrorFrame e, long nowNanos) {
        if (e.code() == ErrorCode.RATE_LIMITED || e.code() == ErrorCode.UNAVAILABLE) {
            r.retries++;
            r.hasNotBefore = true;
            r.notBeforeNanos = nowNanos + (e.code() == ErrorCode.RATE_LIMITED
                    ? TimeUnit.MILLISECONDS.toNanos(Math.max(1, e.retryAfterMs()))
                    : retryDelays.delay(Math.min(r.retries, 30)).toNanos());
            waiting.put(r.order, r);
            flush();
        } else if (e.code() == ErrorCode.NOT_IN_ROOM && r.notInRoomIsSuccess) {
            threads.complete(r.future, null);
        } else {
            threads.fail(r.future, new ChatException(e.code(), e.message()));
        }
    }

    /** The connection {@code r} went out on is lost before its reply. */
    void lost(Pending.Request<?> r) {
        if (r.resendAfterLoss) {
            waiting.put(r.order, r);
        } else {
            threads.complete(r.future, null);
        }
    }

    /** Fails every waiting request: the client closes or gave up. */
    void failAll(ChatException cause) {
        for (Pending.Request<?> r : waiting.values()) {
            threads.fail(r.future, cause);
        }
        waiting.clear();
    }
}
