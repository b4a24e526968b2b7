package dev.parley.chat.internal;

import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Scheduler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One user's state on this node, across its connections: its chosen status and when it last sent
 * a command. Dropped once the user has had no connection for the presence grace period, so a user
 * who comes back from offline is {@code online} again.
 */
final class UserState {
    final String user;
    final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    volatile PresenceStatus status = PresenceStatus.ONLINE;
    volatile long lastSeen;
    /** Ends this state after the grace period without connections; guarded by the users map. */
    Scheduler.@Nullable Timer expiry;

    UserState(String user, long now) {
        this.user = user;
        this.lastSeen = now;
    }
}
