package dev.parley.chat.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
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
 * to the store. Used by the room's actor only.
 */
final class ConnectionBacklogs {
    private static final Logger log = LoggerFactory.getLogger(ConnectionBacklogs.class);

    private final String room;
    private final Map<Session, Backlog> backlogs = new HashMap<>();

    ConnectionBacklogs(String room) {
        this.room = room;
    }

    /** Runs the command now, or after the connection's publishes in flight if it must wait. */
    void submit(Session session, boolean independent, Runnable command) {
        Backlog backlog = backlogs.get(session);
        if (backlog != null && (!backlog.waiting.isEmpty() || (!independent && backlog.inFlight > 0))) {
            backlog.waiting.addLast(new Waiting(independent, command));
            return;
        }
        command.run();
    }

    void publishStarted(Session session) {
        backlogs.computeIfAbsent(session, s -> new Backlog()).inFlight++;
    }

    /** A publish of the connection was answered: run what waited for it, up to the next wait. */
    void publishAnswered(Session session) {
        Backlog backlog = backlogs.get(session);
        if (backlog == null) {
            return;
        }
        backlog.inFlight--;
        while (!backlog.waiting.isEmpty()) {
            Waiting next = backlog.waiting.peekFirst();
            if (!next.independent() && backlog.inFlight > 0) {
                return;
            }
            backlog.waiting.removeFirst();
            try {
                next.command().run();
            } catch (RuntimeException e) {
                log.error("room {}: a command of {} failed", room, session, e);
            }
        }
        if (backlog.inFlight == 0) {
            backlogs.remove(session, backlog);
        }
    }

    /** The connection is gone: what it left waiting will never run. */
    void forget(Session session) {
        backlogs.remove(session);
    }

    boolean isEmpty() {
        return backlogs.isEmpty();
    }

    private static final class Backlog {
        int inFlight;
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    }

    private record Waiting(boolean independent, Runnable command) {}
}
