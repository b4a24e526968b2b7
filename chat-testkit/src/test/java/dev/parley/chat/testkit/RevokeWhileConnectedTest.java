package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.RoomNames;
import dev.parley.chat.spi.Authorizer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 2: taking a room away from a connected user ({@link ChatServer#revoke}, or the
 * policy answering no on a later check) stops delivery at once with an {@code error} {@code
 * FORBIDDEN} and a {@code left} push; a later join is checked by the authorizer again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RevokeWhileConnectedTest {

    /** Every room to everyone, except the "user room" pairs listed in {@code banned}. */
    static final class BanList implements Authorizer {
        final Set<String> banned = ConcurrentHashMap.newKeySet();

        @Override
        public boolean mayRead(String user, String room) {
            return RoomNames.mayAccessDirectRoom(user, room) && !banned.contains(user + " " + room);
        }
    }

    private static boolean isMessage(JsonNode frame, String body) {
        return "message".equals(frame.path("type").asText()) && body.equals(frame.path("body").asText());
    }

    /** The frames that tell a connection it lost the room: an error without ref, then left. */
    private static void assertRevokedFrames(RecordingClient client, String room) {
        JsonNode error = client.awaitType("error");
        assertThat(error.path("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(error.has("ref")).as(error.toString()).isFalse();
        JsonNode left = client.next();
        assertThat(left.path("type").asText()).as(left.toString()).isEqualTo("left");
        assertThat(left.path("room").asText()).isEqualTo(room);
        assertThat(left.has("ref")).isFalse();
    }

    @Test
    void revoke_closesEveryCursorOfTheUserInTheRoom_andNoLaterMessageReachesIt() {
        BanList policy = new BanList();
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().authorizer(policy).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            RecordingClient bobOnPhone = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            bobOnPhone.hello("bob");
            alice.join("general");
            bob.join("general");
            bobOnPhone.join("general");
            bob.join("random");
            alice.join("random");
            assertThat(alice.publish("general", "before").path("type").asText()).isEqualTo("published");
            bob.awaitMessages("general", 1);
            bobOnPhone.awaitMessages("general", 1);

            assertThat(server.revoke("bob", "general").join()).isEqualTo(2);

            assertRevokedFrames(bob, "general");
            assertRevokedFrames(bobOnPhone, "general");
            JsonNode gone = alice.await(f -> "presence".equals(f.path("type").asText())
                    && "leave".equals(f.path("event").asText()), java.time.Duration.ofSeconds(10), "bob leaving");
            assertThat(gone.path("user").asText()).isEqualTo("bob");

            // Members are fed before the author's reply, so bob would have it by now.
            assertThat(alice.publish("general", "after").path("type").asText()).isEqualTo("published");
            assertThat(alice.publish("random", "elsewhere").path("type").asText()).isEqualTo("published");
            bob.awaitMessages("random", 1);
            assertThat(bob.all()).noneMatch(f -> isMessage(f, "after"));
            assertThat(bobOnPhone.all()).noneMatch(f -> isMessage(f, "after"));
            JsonNode notIn = bob.publish("general", "still here?");
            assertThat(notIn.path("code").asText()).isEqualTo("NOT_IN_ROOM");

            // The authorizer still admits bob: revoking ends this membership, a later join is its call.
            assertThat(bob.join("general").path("type").asText()).isEqualTo("joined");
            policy.banned.add("bob general");
            assertThat(server.revoke("bob", "general").join()).isEqualTo(1);
            assertRevokedFrames(bob, "general");
            JsonNode refused = bob.join("general");
            assertThat(refused.path("code").asText()).as(refused.toString()).isEqualTo("FORBIDDEN");
            assertThat(server.revoke("nobody", "general").join()).isZero();
        }
    }

    @Test
    void policyAnsweringNoOnALaterCommand_revokesTheUserInThatRoom() {
        BanList policy = new BanList();
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().authorizer(policy).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            RecordingClient bobOnPhone = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            bobOnPhone.hello("bob");
            alice.join("general");
            bob.join("general");
            bobOnPhone.join("general");

            policy.banned.add("bob general");
            JsonNode refused = bob.request("{\"type\":\"history\",\"room\":\"general\"}");
            assertThat(refused.path("code").asText()).as(refused.toString()).isEqualTo("FORBIDDEN");

            assertRevokedFrames(bob, "general");
            assertRevokedFrames(bobOnPhone, "general");
            assertThat(alice.publish("general", "after").path("type").asText()).isEqualTo("published");
            List<JsonNode> toAlice = alice.awaitMessages("general", 1);
            assertThat(toAlice.get(0).path("body").asText()).isEqualTo("after");
            assertThat(bob.all()).noneMatch(f -> isMessage(f, "after"));
            assertThat(bobOnPhone.all()).noneMatch(f -> isMessage(f, "after"));
            assertThat(bob.join("general").path("code").asText()).isEqualTo("FORBIDDEN");
        }
    }
}
