package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertNoPushes;
import static dev.parley.chat.testkit.conformance.Wire.barrier;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §4 {@code typing}, §9 "Typing". */
@Timeout(30)
class TypingConformanceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(6);

    private static void typing(RecordingClient c, String room, boolean typing) {
        c.send("{\"type\":\"typing\",\"room\":" + Wire.q(room) + ",\"typing\":" + typing + "}");
    }

    private static ProtocolFixture fixture() {
        return new ProtocolFixture(b -> b.helloTimeout(Duration.ofMillis(1)));
    }

    @Test
    void typingTrue_isBroadcastToOthers_butNotToTheTypersOwnConnections_andHasNoReply() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient phone = f.joined("alice", "r");
            RecordingClient laptop = f.joined("alice", "r");
            phone.send("{\"type\":\"typing\",\"room\":\"r\",\"typing\":true,\"ref\":\"t\"}");
            JsonNode push = bob.awaitType("typing");
            assertThat(push.get("room").asText()).isEqualTo("r");
            assertThat(push.get("user").asText()).isEqualTo("alice");
            assertThat(push.get("typing").asBoolean()).isTrue();
            assertThat(push.has("ref")).isFalse();
            barrier(phone, "r");
            barrier(laptop, "r");
            assertThat(Wire.allOfType(phone, "typing")).isEmpty();
            assertThat(Wire.allOfType(laptop, "typing")).isEmpty();
            assertThat(phone.all()).noneMatch(fr -> "t".equals(fr.path("ref").asText()));
        }
    }

    @Test
    void renewal_sendsNothing_andTypingFalse_isBroadcast_once() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", true);
            bob.awaitType("typing");
            typing(alice, "r", true);
            typing(alice, "r", true);
            barrier(alice, "r");
            assertNoPushes(bob, "r", "typing");
            typing(alice, "r", false);
            assertThat(bob.awaitType("typing").get("typing").asBoolean()).isFalse();
            typing(alice, "r", false);
            barrier(alice, "r");
            assertNoPushes(bob, "r", "typing");
        }
    }

    @Test
    void typingFalse_whenNotTyping_doesNothing() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", false);
            barrier(alice, "r");
            assertNoPushes(bob, "r", "typing");
        }
    }

    @Test
    void typingTrue_notRenewed_expiresAfterTypingTimeout() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", true);
            bob.awaitType("typing");
            barrier(alice, "r");
            f.advanceAndSettle(TIMEOUT.minusMillis(1));
            assertNoPushes(bob, "r", "typing");
            f.clock.advance(Duration.ofMillis(1));
            JsonNode expired = bob.awaitType("typing");
            assertThat(expired.get("user").asText()).isEqualTo("alice");
            assertThat(expired.get("typing").asBoolean()).isFalse();
        }
    }

    @Test
    void renewal_restartsTheTimer() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", true);
            bob.awaitType("typing");
            barrier(alice, "r");
            f.advanceAndSettle(Duration.ofSeconds(4));
            typing(alice, "r", true);
            barrier(alice, "r");
            f.advanceAndSettle(Duration.ofSeconds(4));
            assertNoPushes(bob, "r", "typing");
            f.clock.advance(Duration.ofSeconds(2));
            assertThat(bob.awaitType("typing").get("typing").asBoolean()).isFalse();
        }
    }

    @Test
    void typingFalse_isSentAtOnce_whenTheTypersConnectionIsLost() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", true);
            bob.awaitType("typing");
            alice.drop();
            JsonNode stop = bob.awaitType("typing");
            assertThat(stop.get("typing").asBoolean()).isFalse();
            assertThat(stop.get("user").asText()).isEqualTo("alice");
        }
    }

    @Test
    void typingFalse_isSentAtOnce_whenTheTyperLeaves() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            typing(alice, "r", true);
            bob.awaitType("typing");
            alice.request("{\"type\":\"leave\",\"room\":\"r\"}");
            assertThat(bob.awaitType("typing").get("typing").asBoolean()).isFalse();
        }
    }

    @Test
    void typing_withoutJoin_isNotInRoom_andInAnotherUsersDirectRoomIsForbidden() {
        try (ProtocolFixture f = fixture()) {
            RecordingClient alice = f.client("alice");
            assertError(alice.request("{\"type\":\"typing\",\"room\":\"r\",\"typing\":true}"), "NOT_IN_ROOM");
            assertError(alice.request("{\"type\":\"typing\",\"room\":\"dm:bob:carol\",\"typing\":true}"), "FORBIDDEN");
        }
    }
}
