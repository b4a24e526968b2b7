package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.RoomNames;
import dev.parley.chat.Scheduler;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrames;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Who is in the room: joins, leaves, lost connections and the presence grace period. A user is a
 * member while one of its connections is (counted per user); when the last one is lost the user
 * stays a member for {@code presenceGraceMs} and only then leaves ({@link #graceEnded}), so a
 * reconnect within the grace period is no leave and join. A leave on purpose ends at once.
 */
final class Membership {
    /** Who joined since the room opened here, for ChatListener's offline members; bounded, oldest dropped. */
    private static final int MAX_KNOWN_MEMBERS = 10_000;

    private final RoomContext ctx;
    private final String id;
    private final RoomRecord record;
    private final CursorFeed feed;
    private final TypingTimers typing;
    private final Map<String, Integer> connectionsByUser = new HashMap<>();
    private final Set<String> knownMembers = new LinkedHashSet<>();
    private final Map<String, Scheduler.Timer> graceTimers = new HashMap<>();

    Membership(RoomContext ctx, RoomRecord record, CursorFeed feed, TypingTimers typing) {
        this.ctx = ctx;
        this.id = ctx.room();
        this.record = record;
        this.feed = feed;
        this.typing = typing;
    }

    /** Whether no user is in a grace period (the cursors tell who is connected). */
    boolean noGraceTimers() {
        return graceTimers.isEmpty();
    }

    /** The {@code join} command: the catch-up in the reply, then the cursor at the head. */
    void join(MemberConnection member, Command.Join join) {
        Ref ref = join.ref();
        String user = member.user();
        if (member.isClosed()) {
            member.joinAnswered(id, false);
            return;
        }
        try {
            record.load();
            if (!record.exists()) {
                if (!ctx.config().autoCreateRooms()) {
                    member.joinAnswered(id, feed.isMember(member));
                    member.error(ref, ErrorCode.NOT_FOUND, "no such room", 0);
                    return;
                }
                record.createInStore("");
            }
            long first = record.storeFirst();
            int recent = Math.min(join.recent() == null ? ctx.config().recentDefault() : join.recent(),
                    ctx.config().historyLimit());
            CursorFeed.CatchUp catchUp = feed.catchUp(join.since(), join.epoch(), record.epoch(), first, recent);
            boolean newMember = false;
            if (!feed.isMember(member)) {
                int before = connectionsByUser.getOrDefault(user, 0);
                connectionsByUser.put(user, before + 1);
                Scheduler.Timer grace = graceTimers.remove(user);
                if (grace != null) {
                    grace.cancel();
                } else if (before == 0) {
                    newMember = true;
                    ctx.presence().put(id, ctx.memberOf(user));
                }
            }
            rememberMember(user);
            feed.joinAtHead(member);
            long read = ctx.store().readMarker(id, user);
            // Recorded before the reply, so the client's next command already sees the room joined.
            boolean stillOpen = member.joinAnswered(id, true);
            member.reply(ServerFrames.joined(ref, id, record.epoch(), feed.head(), first, read, ctx.members(),
                    catchUp.messages(), catchUp.recovered()));
            if (newMember) {
                feed.broadcastSmall(ServerFrames.presence(id, user, ctx.statusOf(user).wireName(), "join"), user, true);
                ctx.notifyListeners(l -> l.onJoin(id, user));
            }
            if (!stillOpen) {
                connectionLost(member, ctx.now()); // closed while joining: let it go as usual
            }
        } catch (ChatException e) {
            member.joinAnswered(id, feed.isMember(member));
            ctx.answer(member, ref, e);
        }
    }

    /** The {@code leave} command: on purpose, so no grace period. */
    void leave(MemberConnection member, @Nullable Ref ref) {
        if (!feed.remove(member)) {
            member.error(ref, ErrorCode.NOT_IN_ROOM, "not in this room", 0);
            return;
        }
        member.left(id);
        String user = member.user();
        int remaining = connectionsByUser.merge(user, -1, Integer::sum);
        if (remaining <= 0) {
            connectionsByUser.remove(user);
            knownMembers.remove(user); // left on purpose: not a member to notify any more
            typing.stop(user);
            memberGone(user);
        }
        member.reply(ServerFrames.left(ref, id));
    }

    /**
     * The user lost its right to the room while connected ({@code ChatServer.revoke}, or the policy
     * answering no on a later check): each of its connections here is let go at once, so no
     * message stored after this reaches it, and is told with an {@code error} {@code FORBIDDEN}
     * (no {@code ref}: it answers no command) and a {@code left} push. No grace period: the user
     * is gone for the others at once.
     *
     * @return how many connections were let go
     */
    int revoke(String user) {
        List<MemberConnection> connections = feed.connectionsOf(user);
        for (MemberConnection member : connections) {
            feed.remove(member);
            member.left(id);
            member.reply(ServerFrames.error(null, ErrorCode.FORBIDDEN, "no longer allowed in room " + id, 0));
            member.reply(ServerFrames.left(null, id));
        }
        Scheduler.Timer grace = graceTimers.remove(user);
        if (grace != null) {
            grace.cancel();
        }
        boolean wasMember = connectionsByUser.remove(user) != null || grace != null;
        knownMembers.remove(user); // no longer a member to notify
        if (wasMember) {
            typing.stop(user);
            memberGone(user);
        }
        return connections.size();
    }

    /** The connection closed at {@code lostAt}: its user leaves after the grace period unless it comes back. */
    void connectionLost(MemberConnection member, long lostAt) {
        if (!feed.remove(member)) {
            return;
        }
        String user = member.user();
        typing.stop(user);
        int remaining = connectionsByUser.merge(user, -1, Integer::sum);
        if (remaining > 0) {
            return;
        }
        connectionsByUser.remove(user);
        if (ctx.config().presenceGraceMs() == 0) {
            memberGone(user);
            return;
        }
        Scheduler.Timer[] timer = new Scheduler.Timer[1];
        timer[0] = ctx.at(lostAt + ctx.config().presenceGraceMs(), () -> graceEnded(user, timer[0]));
        Scheduler.Timer old = graceTimers.put(user, timer[0]);
        if (old != null) {
            old.cancel();
        }
    }

    /** The grace period of a user ran out: it leaves unless one of its connections joined again. */
    private void graceEnded(String user, Scheduler.Timer timer) {
        if (graceTimers.get(user) != timer) {
            return;
        }
        graceTimers.remove(user);
        if (connectionsByUser.getOrDefault(user, 0) == 0) {
            memberGone(user);
        }
    }

    private void memberGone(String user) {
        ctx.presence().remove(id, user);
        feed.broadcastSmall(ServerFrames.presence(id, user, PresenceStatus.OFFLINE.wireName(), "leave"), user, true);
        ctx.notifyListeners(l -> l.onLeave(id, user));
    }

    /** The user chose another status; members hear of it if the user is (or is still, in grace) here. */
    void statusChanged(String user) {
        if (!connectionsByUser.containsKey(user) && !graceTimers.containsKey(user)) {
            return;
        }
        Member member = ctx.memberOf(user);
        ctx.presence().put(id, member);
        feed.broadcastSmall(ServerFrames.presence(id, user, member.status().wireName(), "status"), user, true);
        ctx.notifyListeners(l -> l.onPresence(id, user, member.status()));
    }

    private void rememberMember(String user) {
        knownMembers.remove(user);
        knownMembers.add(user);
        if (knownMembers.size() > MAX_KNOWN_MEMBERS) {
            knownMembers.remove(knownMembers.iterator().next());
        }
    }

    /** The users known as members of this room who have no connection in it, the author excluded. */
    List<String> offlineMembers(String author) {
        TreeSet<String> offline = new TreeSet<>(knownMembers);
        if (RoomNames.isDirect(id)) {
            offline.addAll(RoomNames.directRoomUsers(id));
        }
        offline.removeAll(connectionsByUser.keySet());
        offline.remove(author);
        return List.copyOf(offline);
    }

    /** The {@code members} command. */
    void members(MemberConnection member, @Nullable Ref ref) {
        member.reply(ServerFrames.members(ref, id, ctx.members()));
    }
}
