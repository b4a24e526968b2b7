package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rooms the client keeps joined: it joins each on every welcomed connection, resuming with
 * {@code since} and {@code epoch} after the first; catches a room up through {@code history}
 * when the server cannot resume it in one {@code joined}; and hands each room's listener its
 * messages strictly in seq order, each once, rejoining at once should a gap show.
 *
 * <p>Confined to the loop, except {@link #add}, {@link #typing} and {@link #leave}, which any
 * thread may call and which hand their work to the loop.
 */
final class Rooms {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private static final int DEFAULT_PAGE_LIMIT = 100;

    private final String name;
    private final ConnectionState connection;
    private final AwaitedReplies replies;
    private final RequestQueue requests;
    private final ClientThreads threads;
    private final RetryDelays retryDelays;
    /** Written by the callers of {@link #add} and {@link #leave} too, hence concurrent. */
    private final Map<String, RealRoomSubscription> subscriptions = new ConcurrentHashMap<>();
    /** The page size for catching up with history: the server's historyLimit. */
    private int historyPageLimit = DEFAULT_PAGE_LIMIT;

    Rooms(String name, ConnectionState connection, AwaitedReplies replies, RequestQueue requests,
            ClientThreads threads, RetryDelays retryDelays) {
        this.name = name;
        this.connection = connection;
        this.replies = replies;
        this.requests = requests;
        this.threads = threads;
        this.retryDelays = retryDelays;
    }

    // ==== the application's calls ==============================================================

    /**
     * Subscribes to a room; the loop joins it once welcomed.
     *
     * @throws IllegalStateException if the client already has a subscription to the room
     */
    RoomSubscription add(String room, RoomListener listener, boolean resume, @Nullable String epoch, long since) {
        RealRoomSubscription sub = new RealRoomSubscription(this, room, listener, threads.callbackQueue(room),
                resume, epoch, since);
        if (subscriptions.putIfAbsent(room, sub) != null) {
            throw new IllegalStateException("already joined " + room + "; leave it first");
        }
        threads.onLoop(() -> {
            if (sub.ended.get()) {
                return;
            }
            if (connection.isClosing()) {
                end(sub, ConnectionState.closedException());
                return;
            }
            sub.activated = true;
            if (connection.isWelcomed()) {
                sendJoin(sub);
            }
        });
        return sub;
    }

    void typing(RealRoomSubscription sub, boolean typing) {
        threads.onLoop(() -> {
            if (connection.isWelcomed() && !sub.ended.get() && sub.joinedOnCurrent) {
                connection.send(new Command.Typing(null, sub.room, typing));
            }
        });
    }

    void leave(RealRoomSubscription sub) {
        if (!sub.ended.compareAndSet(false, true)) {
            return;
        }
        subscriptions.remove(sub.room, sub);
        threads.onLoop(() -> {
            threads.fail(sub.joined, new ChatException(ErrorCode.NOT_IN_ROOM, "left before the room was joined"));
            boolean joinedOnServer = sub.joinedOnCurrent || sub.joinRef != 0;
            if (!connection.isWelcomed() || !joinedOnServer || connection.isClosed()) {
                threads.complete(sub.left, null);
                return;
            }
            // Not resent after a loss: a lost connection has left the room by itself.
            Pending.Request<Void> r = requests.newRequest(ref -> new Command.Leave(ref, sub.room), f -> null,
                    false, true);
            r.future.whenComplete((v, e) -> {
                if (e == null) {
                    sub.left.complete(null);
                } else {
                    sub.left.completeExceptionally(e);
                }
            });
            requests.enqueue(r);
        });
    }

    // ==== the connection's events ===============================================================

    /** A connection was welcomed: joins every room again, catching up in pages of {@code historyLimit}. */
    void welcomed(int historyLimit) {
        historyPageLimit = historyLimit > 0 ? historyLimit : DEFAULT_PAGE_LIMIT;
        for (RealRoomSubscription sub : subscriptions.values()) {
            if (sub.activated && !sub.ended.get()) {
                sendJoin(sub);
            }
        }
    }

    /** The connection is lost, and every room with it: the next connection joins them again. */
    void connectionLost() {
        for (RealRoomSubscription sub : subscriptions.values()) {
            sub.joinedOnCurrent = false;
            sub.joinRef = 0;
        }
    }

    /** Ends every subscription: the client closes or gave up. */
    void endAll(ChatException cause) {
        for (RealRoomSubscription sub : new ArrayList<>(subscriptions.values())) {
            end(sub, cause);
        }
    }

    // ==== joining and resuming ==================================================================

    private void sendJoin(RealRoomSubscription sub) {
        long ref = replies.await(new Pending.Join(sub));
        sub.joinRef = ref;
        sub.joinedOnCurrent = false;
        boolean resume = sub.everJoined || sub.resumeGiven;
        connection.send(new Command.Join(AwaitedReplies.wire(ref), sub.room, resume ? sub.lastSeq : null,
                resume ? sub.epoch : null, null));
    }

    /**
     * The server answered the join {@code ref} of {@code sub}.
     *
     * @return whether the room is joined now, so that its held publishes may go
     */
    boolean joined(RealRoomSubscription sub, long ref, JoinedRoom j) {
        if (sub.ended.get() || sub.joinRef != ref) {
            return false;
        }
        sub.joinRef = 0;
        sub.joinRetries = 0;
        sub.joinedOnCurrent = true;
        boolean first = !sub.everJoined;
        if (!first && !j.recovered() && canCatchUp(sub, j)) {
            // More was missed than the server resumes in one joined, but its log still holds it
            // all: page it in with history, then rejoin with since (PROTOCOL §5.4).
            sub.joinedOnCurrent = false;
            log.debug("{}: room {} is {} messages behind; catching up with history", name, sub.room,
                    j.seq() - sub.lastSeq);
            catchUp(sub, connection.generation());
            return false;
        }
        sub.everJoined = true;
        sub.epoch = j.epoch();
        if (first) {
            emit(sub, l -> l.onJoined(j));
        } else if (j.recovered()) {
            emit(sub, l -> l.onResumed(j));
        } else {
            log.info("{}: room {} could not be resumed after seq {}; reset to {}", name, sub.room, sub.lastSeq,
                    j.seq());
            emit(sub, l -> l.onReset(j));
        }
        if (j.recovered()) {
            for (Message m : j.messages()) {
                deliver(sub, m);
            }
        } else {
            // The snapshot replaces whatever the client had: live messages continue after its head.
            sub.lastSeq = j.seq();
        }
        if (first) {
            threads.complete(sub.joined, j);
        }
        return true;
    }

    /** Whether the log of the joined room still holds every message after the last one delivered. */
    private static boolean canCatchUp(RealRoomSubscription sub, JoinedRoom j) {
        return j.epoch().equals(sub.epoch) && j.first() > 0 && sub.lastSeq + 1 >= j.first() && sub.lastSeq < j.seq();
    }

    /**
     * Asks for the next page after the last seq delivered, delivers it, and goes on until the
     * log has no more; then rejoins with since. Pushes are dropped meanwhile (the rejoin brings
     * what they carried). A lost connection ends it: the next connection's join starts over.
     */
    private void catchUp(RealRoomSubscription sub, long gen) {
        long after = sub.lastSeq;
        Pending.Request<@Nullable HistoryPage> r = requests.newRequest(
                ref -> new Command.History(ref, sub.room, null, after, historyPageLimit),
                f -> HistoryPage.of((ServerFrame.HistoryFrame) f), false, false);
        r.future.whenComplete((page, failure) -> threads.onLoop(() -> {
            if (gen != connection.generation() || sub.ended.get() || !connection.isWelcomed() || sub.joinRef != 0
                    || sub.joinedOnCurrent) {
                return;
            }
            if (page == null || failure != null) {
                // Could not page (refused or lost): the rejoin decides, with a reset if need be.
                sendJoin(sub);
                return;
            }
            List<Message> messages = page.messages();
            for (Message m : messages) {
                if (m.seq() != sub.lastSeq + 1) {
                    // The log dropped what was missed meanwhile (retention): without an epoch
                    // the rejoin cannot be caught up again, so it ends in a reset.
                    sub.epoch = null;
                    sendJoin(sub);
                    return;
                }
                sub.lastSeq = m.seq();
                emit(sub, l -> l.onMessage(m));
            }
            if (page.hasMore() && !messages.isEmpty()) {
                catchUp(sub, gen);
            } else {
                sendJoin(sub);
            }
        }));
        requests.enqueue(r);
    }

    /** The server refused the join of {@code sub}: try again later, or end the subscription. */
    void joinFailed(RealRoomSubscription sub, ServerFrame.ErrorFrame e) {
        if (sub.ended.get()) {
            return;
        }
        sub.joinRef = 0;
        if (e.code() == ErrorCode.RATE_LIMITED || e.code() == ErrorCode.UNAVAILABLE) {
            long delay = e.code() == ErrorCode.RATE_LIMITED
                    ? TimeUnit.MILLISECONDS.toNanos(Math.max(1, e.retryAfterMs()))
                    : retryDelays.delay(++sub.joinRetries).toNanos();
            long gen = connection.generation();
            threads.schedule(delay, () -> {
                if (gen == connection.generation() && connection.isWelcomed() && !sub.ended.get() && sub.joinRef == 0
                        && !sub.joinedOnCurrent) {
                    sendJoin(sub);
                }
            });
            return;
        }
        log.warn("{}: joining {} refused: {} {}", name, sub.room, e.code(), e.message());
        end(sub, new ChatException(e.code(), e.message()));
    }

    private void end(RealRoomSubscription sub, ChatException cause) {
        sub.ended.set(true);
        subscriptions.remove(sub.room, sub);
        threads.fail(sub.joined, cause);
        threads.complete(sub.left, null);
        sub.events.execute(() -> guarded(sub, l -> l.onFailed(sub.room, cause)));
    }

    // ==== what the publish queue asks ===========================================================

    /** Whether publishes to {@code room} wait for its join on this connection. */
    boolean isAwaitingJoin(String room) {
        RealRoomSubscription sub = subscriptions.get(room);
        return sub != null && sub.activated && !sub.ended.get() && !sub.joinedOnCurrent;
    }

    /** Whether the client keeps {@code room} and is joining it again, so a publish may go later. */
    boolean isRejoining(String room) {
        RealRoomSubscription sub = subscriptions.get(room);
        return sub != null && !sub.ended.get() && !sub.joinedOnCurrent;
    }

    // ==== pushes ================================================================================

    void messagePushed(Message m) {
        RealRoomSubscription sub = subscriptions.get(m.room());
        // Before its joined (or while rejoining after a gap) a room's pushes are not trusted:
        // the joined that follows carries everything after the last seq delivered.
        if (sub == null || sub.ended.get() || !sub.joinedOnCurrent) {
            return;
        }
        deliver(sub, m);
    }

    /** Hands a message to the listener if it is the next one; drops repeats; rejoins on a gap. */
    private void deliver(RealRoomSubscription sub, Message m) {
        long last = sub.lastSeq;
        if (m.seq() <= last) {
            return;
        }
        if (m.seq() != last + 1) {
            log.warn("{}: room {} jumped from seq {} to {}; resuming with since", name, sub.room, last, m.seq());
            if (connection.isWelcomed() && sub.joinedOnCurrent) {
                sendJoin(sub);
            }
            return;
        }
        sub.lastSeq = m.seq();
        emit(sub, l -> l.onMessage(m));
    }

    /** Hands a push about {@code room} (presence, typing, receipt, members) to its listener. */
    void pushed(String room, Consumer<RoomListener> call) {
        RealRoomSubscription sub = subscriptions.get(room);
        if (sub != null && !sub.ended.get()) {
            emit(sub, call);
        }
    }

    // ==== listener calls ========================================================================

    private void emit(RealRoomSubscription sub, Consumer<RoomListener> call) {
        sub.events.execute(() -> {
            if (!sub.ended.get()) {
                guarded(sub, call);
            }
        });
    }

    private void guarded(RealRoomSubscription sub, Consumer<RoomListener> call) {
        try {
            call.accept(sub.listener);
        } catch (RuntimeException e) {
            log.warn("{}: the listener of room {} failed", name, sub.room, e);
        }
    }
}
