package dev.parley.chat.client;

import dev.parley.chat.PresenceStatus;
import dev.parley.chat.protocol.ServerFrame;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@code presence} push: another user joined or left a room, or changed its status
 * (PROTOCOL §4). The server sends none about this client's own user.
 *
 * @param room the room id
 * @param user the user the event is about
 * @param status the user's status; {@link PresenceStatus#OFFLINE} on a leave
 * @param kind what happened
 */
public record PresenceEvent(String room, String user, PresenceStatus status, Kind kind) {

    /** Checks that nothing is null. */
    public PresenceEvent {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(kind, "kind");
    }

    /** The reader lets only the wire names of the three kinds through. */
    static PresenceEvent of(ServerFrame.PresencePush p) {
        return new PresenceEvent(p.room(), p.user(), p.status(), Kind.valueOf(p.event().toUpperCase(Locale.ROOT)));
    }

    /** What a presence event reports. */
    public enum Kind {
        /** The user's first connection joined the room. */
        JOIN,
        /** The user's last connection left the room, or was lost for longer than the grace period. */
        LEAVE,
        /** The user chose another status. */
        STATUS
    }
}
