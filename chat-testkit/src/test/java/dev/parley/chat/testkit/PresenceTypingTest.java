package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PresenceTypingTest {

    private static boolean isPresence(JsonNode f, String user, String event) {
        return "presence".equals(f.path("type").asText())
                && user.equals(f.path("user").asText())
                && event.equals(f.path("event").asText());
    }

    @Test
    void joinStatusAndLeave_areBroadcastToOthers() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            alice.join("room");
            RecordingClient bob = f.client("bob");
            JsonNode joined = bob.join("room");
            assertThat(joined.get("members").findValuesAsText("user")).containsExactly("alice", "bob");
            JsonNode join = alice.awaitType("presence");
            assertThat(isPresence(join, "bob", "join")).isTrue();
            assertThat(join.get("status").asText()).isEqualTo("online");

            bob.request("{\"type\":\"status\",\"status\":\"away\"}");
            JsonNode status = alice.awaitType("presence");
            assertThat(isPresence(status, "bob", "status")).isTrue();
            assertThat(status.get("status").asText()).isEqualTo("away");

            bob.request("{\"type\":\"leave\",\"room\":\"room\"}");
            JsonNode leave = alice.awaitType("presence");
            assertThat(isPresence(leave, "bob", "leave")).isTrue();
            assertThat(leave.get("status").asText()).isEqualTo("offline");
            bob.assertNoMore();
        }
    }

    @Test
    void twoConnectionsOfOneUser_areOneMember_andTheLeaveComesAfterTheGraceOfTheLastOne() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            alice.join("room");
            RecordingClient bob1 = f.client("bob");
            bob1.join("room");
            RecordingClient bob2 = f.client("bob");
            JsonNode joined = bob2.join("room");
            assertThat(joined.get("members").findValuesAsText("user")).containsExactly("alice", "bob");
            assertThat(alice.awaitType("presence").get("event").asText()).isEqualTo("join");

            bob1.drop();
            bob2.drop();
            alice.assertNoMore(); // still within the grace period
            f.clock.advance(Duration.ofSeconds(5));
            JsonNode leave = alice.awaitType("presence");
            assertThat(isPresence(leave, "bob", "leave")).isTrue();
            assertThat(alice.request("{\"type\":\"members\",\"room\":\"room\"}").get("members")
                    .findValuesAsText("user")).containsExactly("alice");
        }
    }

    @Test
    void typing_isBroadcastOnce_andExpiresByItselfOnTheClock() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            alice.join("room");
            RecordingClient bob = f.client("bob");
            bob.join("room");
            bob.send("{\"type\":\"typing\",\"room\":\"room\",\"typing\":true}");
            JsonNode typing = alice.awaitType("typing");
            assertThat(typing.get("user").asText()).isEqualTo("bob");
            assertThat(typing.get("typing").asBoolean()).isTrue();
            bob.send("{\"type\":\"typing\",\"room\":\"room\",\"typing\":true}"); // a renewal sends nothing
            alice.assertNoMore();
            f.clock.advance(Duration.ofSeconds(6));
            JsonNode stopped = alice.awaitType("typing");
            assertThat(stopped.get("typing").asBoolean()).isFalse();
            bob.assertNoMore(); // nobody is told about themselves
        }
    }
}
