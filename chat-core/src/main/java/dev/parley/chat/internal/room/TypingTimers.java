package dev.parley.chat.internal.room;

import dev.parley.chat.ErrorCode;
import dev.parley.chat.Scheduler;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ServerFrames;
import java.util.HashMap;
import java.util.Map;

/**
 * Who is typing in the room: one timer per user, renewed by each {@code typing: true}, that ends
 * the typing (a {@code typing: false} push) when it runs out, or when the user stops or goes.
 */
final class TypingTimers {
    private final RoomContext ctx;
    private final CursorFeed feed;
    private final Map<String, Scheduler.Timer> timers = new HashMap<>();

    TypingTimers(RoomContext ctx, CursorFeed feed) {
        this.ctx = ctx;
        this.feed = feed;
    }

    boolean isEmpty() {
        return timers.isEmpty();
    }

    /** The {@code typing} command; {@code receivedAt} is when it arrived, by the engine's clock. */
    void typing(MemberConnection member, Command.Typing typing, long receivedAt) {
        if (!feed.isMember(member)) {
            member.error(typing.ref(), ErrorCode.NOT_IN_ROOM, "join the room before typing", 0);
            return;
        }
        String user = member.user();
        Scheduler.Timer current = timers.get(user);
        if (typing.typing()) {
            if (current != null) {
                current.cancel(); // a renewal restarts the timer and sends nothing
            }
            Scheduler.Timer[] timer = new Scheduler.Timer[1];
            timer[0] = ctx.at(receivedAt + ctx.config().typingTimeoutMs(), () -> expired(user, timer[0]));
            timers.put(user, timer[0]);
            if (current == null) {
                feed.broadcastSmall(ServerFrames.typing(ctx.room(), user, true), user, false);
            }
        } else {
            stop(user);
        }
    }

    private void expired(String user, Scheduler.Timer timer) {
        if (timers.get(user) == timer) {
            stop(user);
        }
    }

    /** The user stopped typing or left: tell the others if it was typing. */
    void stop(String user) {
        Scheduler.Timer timer = timers.remove(user);
        if (timer != null) {
            timer.cancel();
            feed.broadcastSmall(ServerFrames.typing(ctx.room(), user, false), user, false);
        }
    }
}
