package dev.parley.chat.internal.room;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one room's commands in each connection's order while its publishes are being stored.
 *
 * <p>Commands of one connection run in the order they were sent, and a command sees the effect of
 * the publishes sent before it (an edit finds the message just published, a leave comes after the
 * author got its own message). So while a connection has publishes in flight in the room, its
 * later commands wait for them, except an <em>independent</em> one (a publish naming no earlier
 * message, typing) when nothing of that connection is waiting already: publishes still pipeline
 * to the store. It does not count publishes itself: the room's {@link PublishPath} knows which
 * are in flight.
 */
final class ConnectionBacklogs {
    private static final Logger log = LoggerFactory.getLogger(ConnectionBacklogs.class);

    private final String room;
    private final Predicate<MemberConnection> publishing;
    private final Map<MemberConnection, ArrayDeque<Waiting>> waiting = new HashMap<>();

    /** @param publishing whether a connection has publishes in flight in this room */
    ConnectionBacklogs(String room, Predicate<MemberConnection> publishing) {
        this.room = room;
        this.publishing = publishing;
    }

    /** Runs the command now, or after the connection's publishes in flight if it must wait. */
    void submit(MemberConnection member, boolean independent, Runnable command) {
        ArrayDeque<Waiting> queue = waiting.get(member);
        if (queue != null || (!independent && publishing.test(member))) {
            waiting.computeIfAbsent(member, m -> new ArrayDeque<>()).addLast(new Waiting(independent, command));
            return;
        }
        command.run();
    }

    /** A publish of the connection was answered: run what waited for it, up to the next wait. */
    void publishAnswered(MemberConnection member) {
        ArrayDeque<Waiting> queue = waiting.get(member);
        if (queue == null) {
            return;
        }
        while (!queue.isEmpty()) {
            Waiting next = queue.peekFirst();
            if (!next.independent() && publishing.test(member)) {
                return;
            }
            queue.removeFirst();
            try {
                next.command().run();
            } catch (RuntimeException e) {
                log.error("room {}: a command of {} failed", room, member, e);
            }
        }
        waiting.remove(member, queue);
    }

    /** The connection is gone: what it left waiting will never run. */
    void forget(MemberConnection member) {
        waiting.remove(member);
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    private record Waiting(boolean independent, Runnable command) {}
}
