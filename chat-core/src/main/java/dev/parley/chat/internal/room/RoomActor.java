package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.Message;
import dev.parley.chat.Subscription;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's single writer: its mailbox, and the dispatch of what arrives there to the room's
 * parts. Every command that reads or changes the room runs on the mailbox, so the parts need no
 * lock.
 *
 * <p>The parts: {@link CursorFeed} (the head and the members' cursors: append → members, drain →
 * pump, catch-up from the tail cache or the store), {@link PublishPath} (one path for a client's
 * and the server's publishes), {@link Membership} (joins, leaves, the grace period), {@link
 * TypingTimers}, {@link HistoryAndMarkers}, {@link RoomRecord} (the room as the store knows it),
 * {@link RoomEvents} (listeners and subscribers) and {@link ConnectionBacklogs} (each
 * connection's order). They reach the server only through {@link RoomContext} and {@link
 * MemberConnection}.
 */
public final class RoomActor {
    private static final Logger log = LoggerFactory.getLogger(RoomActor.class);
    /** How long a room stays in memory with nobody in it, by the engine's clock. */
    private static final long IDLE_MILLIS = 60_000;

    private final String id;
    private final SerialExecutor mailbox;
    private final RoomContext ctx;
    private final Consumer<RoomActor> evict;
    private long lastActive;

    private final RoomEvents events;
    private final CursorFeed feed;
    private final RoomRecord record;
    private final TypingTimers typing;
    private final Membership membership;
    private final HistoryAndMarkers history;
    private final PublishPath publishes;
    private final ConnectionBacklogs backlogs;

    /** @param evict asked, on the mailbox, to forget this actor once it is idle */
    public RoomActor(RoomServices services, String id, Consumer<RoomActor> evict) {
        this.id = id;
        this.mailbox = new SerialExecutor(services.config().executor(), id);
        this.ctx = new RoomContext(id, mailbox, services);
        this.evict = evict;
        this.lastActive = ctx.now();
        this.events = new RoomEvents(ctx);
        this.feed = new CursorFeed(ctx, m -> events.stored(m, () -> membership().offlineMembers(m.user())));
        this.record = new RoomRecord(ctx, feed);
        this.typing = new TypingTimers(ctx, feed);
        this.membership = new Membership(ctx, record, feed, typing);
        this.history = new HistoryAndMarkers(ctx, record, feed);
        this.publishes = new PublishPath(ctx, record, feed, this::publishAnswered);
        this.backlogs = new ConnectionBacklogs(id, publishes::publishing);
    }

    public String id() {
        return id;
    }

    // ---- the mailbox ------------------------------------------------------------------------

    /** Queues a task on this room's mailbox; a command, so it counts as activity. */
    public void enqueue(Consumer<RoomActor> task) {
        mailbox.execute(() -> {
            lastActive = ctx.now();
            task.accept(this);
        });
    }

    /** Queues an idleness check; unlike a command, it does not count as activity. */
    public void checkIdle() {
        mailbox.execute(() -> {
            if (ctx.now() - lastActive >= IDLE_MILLIS || !record.loaded()) {
                evict.accept(this);
            }
        });
    }

    /** Whether nothing refers to this actor's memory and no work is queued for it. */
    public boolean idleAndEmpty() {
        return feed.isEmpty() && membership.noGraceTimers() && typing.isEmpty() && !events.hasSubscribers()
                && publishes.isEmpty() && backlogs.isEmpty() && mailbox.isEmpty();
    }

    // ---- dispatch: commands of a connection, in its order -----------------------------------

    /** Runs one command of a connection in that connection's order (see {@link ConnectionBacklogs}). */
    public void submit(MemberConnection member, boolean independent, Runnable command) {
        backlogs.submit(member, independent, command);
    }

    public void join(MemberConnection member, Command.Join join) {
        membership.join(member, join);
    }

    public void leave(MemberConnection member, @Nullable Ref ref) {
        membership.leave(member, ref);
    }

    public void publish(MemberConnection member, Command.Publish publish) {
        publishes.fromMember(member, publish);
    }

    public void typing(MemberConnection member, Command.Typing command, long receivedAt) {
        typing.typing(member, command, receivedAt);
    }

    public void history(MemberConnection member, Command.History command) {
        history.history(member, command);
    }

    public void members(MemberConnection member, @Nullable Ref ref) {
        membership.members(member, ref);
    }

    public void read(MemberConnection member, Command.Read command) {
        history.read(member, command);
    }

    public void create(MemberConnection member, Command.Create command) {
        record.create(member, command);
    }

    // ---- dispatch: what the server and the connections tell the room -------------------------

    /** The server's {@code Room.publish}: the same path as a member's publish. */
    public void publishFromServer(String user, String body, @Nullable String cid, CompletableFuture<Message> outcome) {
        publishes.fromServer(user, body, cid, outcome);
    }

    public Subscription subscribe(Consumer<Message> listener) {
        return events.subscribe(listener);
    }

    /** The connection closed at {@code lostAt}; what it left waiting here never runs. */
    public void connectionLost(MemberConnection member, long lostAt) {
        backlogs.forget(member);
        membership.connectionLost(member, lostAt);
    }

    /** The connection drained its backlog: feed its cursor again. */
    public void resume(MemberConnection member) {
        feed.drained(member);
    }

    /** The user may no longer be in this room: its connections here are let go at once. */
    public void revoke(String user, CompletableFuture<Integer> done) {
        try {
            done.complete(membership.revoke(user));
        } catch (RuntimeException e) {
            log.error("room {}: revoking {} failed", id, user, e);
            done.completeExceptionally(e);
        }
    }

    public void statusChanged(String user) {
        membership.statusChanged(user);
    }

    /** The sequencer saw the log grow elsewhere (a cluster's other nodes) up to {@code seq}. */
    public void headAdvanced(long seq) {
        try {
            if (!record.loaded()) {
                record.load(); // the head comes from the store; nobody here has seen anything yet
                return;
            }
        } catch (ChatException e) {
            log.warn("room {}: cannot read appends made elsewhere: {}", id, e.toString());
            return;
        }
        feed.headAdvanced(seq);
    }

    private void publishAnswered(MemberConnection member) {
        backlogs.publishAnswered(member);
    }

    private Membership membership() {
        return membership;
    }
}
