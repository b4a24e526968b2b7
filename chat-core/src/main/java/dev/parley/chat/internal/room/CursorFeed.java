package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.Message;
import dev.parley.chat.internal.PlantedBugs;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.OutboundFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's head and its members' cursors: a member is the last seq its connection was sent.
 *
 * <p>When a message is appended ({@link #appended}), members whose cursor is just behind it and
 * whose connection has room get the shared frame; a member that is behind (its connection filled
 * its budget, or the head moved by appends it did not see) waits for its connection to drain
 * ({@link #drained}) and is then fed by {@link #pump} from the tail cache or the store. A join
 * with {@code since} is answered by {@link #catchUp}. Live delivery, resume and slow readers are
 * therefore one mechanism, and nobody sees a gap. Runs on the room's mailbox only.
 */
final class CursorFeed {
    private static final Logger log = LoggerFactory.getLogger(CursorFeed.class);

    private final RoomContext ctx;
    private final String id;
    private final RoomLogView roomLog;
    private final Consumer<Message> stored;
    private long head;
    private final Map<MemberConnection, Cursor> cursors = new LinkedHashMap<>();

    /** @param stored told of every message appended, after its fan-out (listeners, subscribers) */
    CursorFeed(RoomContext ctx, Consumer<Message> stored) {
        this.ctx = ctx;
        this.id = ctx.room();
        this.roomLog = new RoomLogView(id, ctx.store(), ctx.config().tailCacheMessages());
        this.stored = stored;
    }

    /** The room's last seq as this node knows it. */
    long head() {
        return head;
    }

    /** The store knows the room up to {@code lastSeq}; the head never moves back. */
    void adoptHead(long lastSeq) {
        if (lastSeq > head) {
            head = lastSeq;
        }
    }

    boolean isMember(MemberConnection member) {
        return cursors.containsKey(member);
    }

    boolean isEmpty() {
        return cursors.isEmpty();
    }

    /** Makes the connection a member whose cursor is at the head: the join reply carried the rest. */
    void joinAtHead(MemberConnection member) {
        Cursor cursor = cursors.computeIfAbsent(member, Cursor::new);
        cursor.sent = head;
        cursor.waiting = false;
        cursor.membersStale = false;
    }

    /** The member connections of one user, in the order they joined. */
    List<MemberConnection> connectionsOf(String user) {
        List<MemberConnection> mine = new ArrayList<>();
        for (MemberConnection member : cursors.keySet()) {
            if (user.equals(member.user())) {
                mine.add(member);
            }
        }
        return mine;
    }

    /** @return false if the connection was not a member */
    boolean remove(MemberConnection member) {
        return cursors.remove(member) != null;
    }

    // ---- catch-up for a join ------------------------------------------------------------------

    /** What a join's reply carries: the messages after {@code since}, or the latest ones. */
    record CatchUp(List<Message> messages, boolean recovered) {}

    /**
     * The messages a join sends. With {@code since} in this epoch and the gap within {@code
     * recoverLimit} and what the log retains, all of since+1..head ({@code recovered}); otherwise
     * the latest {@code recent} messages.
     */
    CatchUp catchUp(@Nullable Long since, @Nullable String clientEpoch, String epoch, long first, int recent) {
        if (since != null && (clientEpoch == null || clientEpoch.equals(epoch)) && since <= head) {
            long missing = head - since;
            if (missing == 0) {
                return new CatchUp(List.of(), true);
            }
            if (missing <= ctx.config().recoverLimit() && (first == 0 || since + 1 >= first)) {
                List<Message> messages = roomLog.range(since + 1, head);
                if (messages != null && messages.size() == missing) {
                    boolean skipsOne = PlantedBugs.planted(PlantedBugs.Bug.RESUME_SKIPS_ONE); // test-only: since+2..head
                    return new CatchUp(skipsOne ? messages.subList(1, messages.size()) : messages, true);
                }
            }
        }
        return new CatchUp(roomLog.latest(recent, first, head), false);
    }

    /** The message with this seq up to the head, from the tail cache or the store; null if none. */
    @Nullable Message find(long seq) {
        return roomLog.find(seq, head);
    }

    // ---- appends ----------------------------------------------------------------------------

    /** A stored message: advance the head and feed every cursor that is just behind it. */
    void appended(Message message) {
        long seq = message.seq();
        if (seq <= head) {
            return; // already seen: a notice that came twice is harmless
        }
        if (seq != head + 1) {
            roomLog.gap(); // appends this node did not see; cursors read the gap from the store
        }
        head = seq;
        OutboundFrame frame = ServerFrames.message(message);
        roomLog.appended(new Delivery(message, frame));
        for (Cursor cursor : List.copyOf(cursors.values())) {
            if (cursor.waiting) {
                continue;
            }
            if (cursor.sent == seq - 1) {
                if (trySend(cursor, frame, seq)) {
                    cursor.sent = seq;
                } else if (cursors.get(cursor.member) == cursor) {
                    await(cursor);
                }
            } else if (cursor.sent < seq - 1) {
                pump(cursor);
            }
        }
        stored.accept(message);
    }

    /**
     * The log grew by appends this node did not make (a cluster's other nodes): deliver them from
     * the store as if they were our own. Stale or repeated notices change nothing.
     */
    void headAdvanced(long seq) {
        try {
            while (head < seq) {
                List<Message> page = ctx.store().readAfter(id, head, RoomLogView.PAGE);
                if (page.isEmpty()) {
                    return; // the store has not got it yet; a later notice will
                }
                for (Message m : page) {
                    appended(m);
                }
            }
        } catch (ChatException e) {
            log.warn("room {}: cannot read appends made elsewhere: {}", id, e.toString());
        }
    }

    // ---- drains -----------------------------------------------------------------------------

    /** The connection drained: go on feeding its cursor from where it stopped. */
    void drained(MemberConnection member) {
        Cursor cursor = cursors.get(member);
        if (cursor == null) {
            return;
        }
        if (cursor.waiting) {
            ctx.metrics().onSlowReaderCatchUp();
        }
        if (cursor.waiting && PlantedBugs.planted(PlantedBugs.Bug.DRAIN_SKIPS_ONE)) {
            cursor.sent++; // the planted bug: the drain moves the cursor past a message it never sent
        }
        cursor.waiting = false;
        pump(cursor);
    }

    /** Feeds a cursor that is behind, page by page, until it is at the head or its connection is full. */
    private void pump(Cursor cursor) {
        try {
            while (cursor.sent < head) {
                long from = cursor.sent + 1;
                // Null also when the tail cache still holds what the store's retention has dropped.
                List<Delivery> page = roomLog.deliveries(from, Math.min(head, cursor.sent + RoomLogView.PAGE));
                if (page == null) {
                    log.info("room {}: connection {} fell behind what the log retains; closing with 4000", id, cursor.member);
                    cursors.remove(cursor.member);
                    ctx.metrics().onSlowConsumerClosed();
                    cursor.member.close(4000, "slow consumer: resume with since");
                    return;
                }
                for (Delivery d : page) {
                    if (!trySend(cursor, d.frame(), d.message().seq())) {
                        if (cursors.get(cursor.member) == cursor) {
                            await(cursor);
                        }
                        return;
                    }
                    cursor.sent = d.message().seq(); // the cursor advances only past what was sent
                }
            }
        } catch (ChatException e) {
            log.warn("room {}: cannot feed connection {} from the store: {}", id, cursor.member, e.toString());
            await(cursor);
            return;
        }
        if (cursor.membersStale) {
            cursor.membersStale = false;
            cursor.member.reply(ServerFrames.members(null, id, ctx.members()));
        }
    }

    /**
     * Sends one message push to a member. A failure of the transport for this member fails this
     * member only: it is logged with the room and seq and the member is let go (its connection is
     * closed with 1011 and it resumes with {@code since}); the room and its other members go on.
     */
    private boolean trySend(Cursor cursor, OutboundFrame frame, long seq) {
        try {
            boolean sent = cursor.member.trySendPush(frame);
            if (sent) {
                ctx.metrics().onMessageDelivered();
            }
            return sent;
        } catch (RuntimeException e) {
            log.error("room {}: sending seq {} to connection {} failed; closing it with 1011", id, seq, cursor.member, e);
            cursors.remove(cursor.member);
            cursor.member.close(1011, "server failure on this connection");
            return false;
        }
    }

    private void await(Cursor cursor) {
        cursor.waiting = true;
        cursor.member.awaitDrain(id);
    }

    // ---- small pushes -----------------------------------------------------------------------

    /** Sends a small push (presence, typing) to every member but the connections of {@code aboutUser}. */
    void broadcastSmall(OutboundFrame frame, @Nullable String aboutUser, boolean presence) {
        for (Cursor cursor : cursors.values()) {
            if (aboutUser != null && aboutUser.equals(cursor.member.user())) {
                continue;
            }
            sendSmall(cursor, frame, presence);
        }
    }

    /** Sends a small push that is not presence (a receipt) to every member but {@code except}. */
    void broadcastSmallExcept(OutboundFrame frame, MemberConnection except) {
        for (Cursor cursor : cursors.values()) {
            if (cursor.member != except) {
                sendSmall(cursor, frame, false);
            }
        }
    }

    /** Small pushes to a connection over its budget are dropped; a dropped presence change is made good with a members frame. */
    private void sendSmall(Cursor cursor, OutboundFrame frame, boolean presence) {
        if (!cursor.waiting && cursor.member.trySendPush(frame)) {
            return;
        }
        if (presence) {
            cursor.membersStale = true;
            if (!cursor.waiting) {
                await(cursor);
            }
        }
    }

    /** A joined connection and the last seq it was sent. */
    private static final class Cursor {
        final MemberConnection member;
        long sent;
        /** Stopped at the budget; fed again when the connection drains. */
        boolean waiting;
        /** A presence change was dropped while over budget; send members when caught up. */
        boolean membersStale;

        Cursor(MemberConnection member) {
            this.member = member;
        }
    }
}
