package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.RoomPolicy;
import dev.parley.chat.RoomPolicy.Rule;
import dev.parley.chat.RoomPolicy.Who;
import dev.parley.chat.auth.jwt.JwtAuthenticator;
import java.nio.charset.StandardCharsets;

/**
 * The README's room-policy example, compiled: a read-only announcements room, invite-only team
 * rooms for those whose token lists them, and rooms only admins create.
 */
public final class RoomPolicyExample {
    private RoomPolicyExample() {}

    /** The policy of the README. */
    static RoomPolicy policy() {
        return RoomPolicy.builder()
                // Everyone reads; only alice and the token's editors publish.
                .rooms("announcements", Rule.open().publishers(Who.users("alice").or(Who.withClaim("roles", "editor"))))
                // Only those whose token's rooms claim lists the room (or a pattern of it) get in.
                .rooms("team-*", Rule.inviteOnly(Who.listedInClaim("rooms")))
                // Any other room: open, but only admins create one.
                .otherwise(Rule.open().creators(Who.withClaim("roles", "admin")))
                .build();
    }

    /** Takes a room away from a connected user at once, as a moderator's "remove from room" would. */
    static void removeFromRoom(ChatServer server, String user, String room) {
        // Completes once none of the user's connections in the room receives anything more;
        // also change what the policy answers if the user must not join again.
        int connections = server.revoke(user, room).join();
        System.out.println(user + " removed from " + room + " on " + connections + " connections");
    }

    /** Builds a server with the policy, and closes it. */
    public static void main(String[] args) {
        byte[] secret = "use-32-or-more-random-bytes-here-not-this".getBytes(StandardCharsets.UTF_8);
        ChatServer server = ChatServer.builder()
                .authenticator(JwtAuthenticator.builder().hmacSecret(secret).exposeClaims("rooms", "roles").build())
                .authorizer(policy())
                .build();
        server.close();
    }
}
