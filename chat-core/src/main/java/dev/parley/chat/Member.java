package dev.parley.chat;

import java.util.Objects;

/**
 * A user present in a room, however many connections it has there (PROTOCOL §4, "member").
 *
 * @param user the user name
 * @param status the user's chosen status
 * @param lastSeen when the user last sent a command, in epoch milliseconds
 */
public record Member(String user, PresenceStatus status, long lastSeen) {
    /** Checks that nothing is null. */
    public Member {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(status, "status");
    }
}
