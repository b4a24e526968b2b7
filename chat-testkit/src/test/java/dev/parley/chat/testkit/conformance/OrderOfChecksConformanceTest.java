package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publish;
import static dev.parley.chat.testkit.conformance.Wire.publishFields;
import static dev.parley.chat.testkit.conformance.Wire.publishOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.testkit.RecordingClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §9 "Order of checks": which error wins, and which refusals cost a rate token. */
@Timeout(30)
class OrderOfChecksConformanceTest {

    @Test
    void rateLimitedAndNotInRoom_isRateLimited() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(1))) {
            RecordingClient alice = f.client("alice");
            assertError(publish(alice, "r", "x"), "NOT_IN_ROOM");
            assertError(publish(alice, "r", "x"), "RATE_LIMITED");
        }
    }

    @Test
    void stepOneRefusals_costNoRateToken() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(2).maxBodyBytes(5))) {
            RecordingClient alice = f.joined("alice", "r");
            for (int i = 0; i < 5; i++) {
                assertError(publishFields(alice, "r", "\"body\":\"\""), "BAD_REQUEST");
                assertError(publish(alice, "r", "too long"), "MESSAGE_TOO_LARGE");
                assertError(publish(alice, ".bad", "x"), "INVALID_ROOM");
                assertError(publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"a b\""), "BAD_REQUEST");
            }
            publishOk(alice, "r", "one");
            publishOk(alice, "r", "two");
            assertError(publish(alice, "r", "three"), "RATE_LIMITED");
        }
    }

    @Test
    void stepOneRefusalsOfOtherCommands_costNoRateToken() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.commandBurst(2))) {
            RecordingClient alice = f.client("alice");
            for (int i = 0; i < 5; i++) {
                assertError(alice.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
                assertError(alice.request("{\"type\":\"join\",\"room\":\".bad\"}"), "INVALID_ROOM");
                assertError(alice.request("{\"type\":\"history\",\"room\":\"r\",\"limit\":0}"), "BAD_REQUEST");
            }
            assertType(alice.request("{\"type\":\"ping\"}"), "pong");
            assertType(alice.request("{\"type\":\"ping\"}"), "pong");
            assertError(alice.request("{\"type\":\"ping\"}"), "RATE_LIMITED");
        }
    }

    @Test
    void laterRefusals_costARateToken() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(2))) {
            RecordingClient alice = f.client("alice");
            assertError(publish(alice, "r", "x"), "NOT_IN_ROOM");
            alice.join("r");
            publishOk(alice, "r", "one");
            assertError(publish(alice, "r", "two"), "RATE_LIMITED");
        }
    }

    @Test
    void stepOneErrors_winOverRateLimited() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(1))) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "one");
            assertError(publish(alice, "r", "x".repeat(5000)), "MESSAGE_TOO_LARGE");
            assertError(publish(alice, ".bad", "x"), "INVALID_ROOM");
            assertError(publish(alice, "r", "x"), "RATE_LIMITED");
        }
    }

    @Test
    void rateLimited_winsOverLimitExceeded() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.commandBurst(2).maxRoomsPerConnection(1))) {
            RecordingClient alice = f.client("alice");
            alice.join("a");
            assertError(alice.join("b"), "LIMIT_EXCEEDED");
            assertError(alice.join("c"), "RATE_LIMITED");
        }
    }

    @Test
    void limitExceeded_winsOverForbidden() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxRoomsPerConnection(1))) {
            RecordingClient alice = f.joined("alice", "a");
            assertError(alice.join("dm:bob:carol"), "LIMIT_EXCEEDED");
        }
    }

    @Test
    void forbidden_winsOverNotInRoom() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            assertError(publish(alice, "dm:bob:carol", "x"), "FORBIDDEN");
            assertError(alice.request("{\"type\":\"typing\",\"room\":\"dm:bob:carol\",\"typing\":true}"), "FORBIDDEN");
        }
    }

    @Test
    void forbidden_winsOverRoomExists() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("bob", "dm:bob:carol");
            assertError(f.client("alice").request("{\"type\":\"create\",\"room\":\"dm:bob:carol\"}"), "FORBIDDEN");
        }
    }

    @Test
    void notInRoom_winsOverNotFound() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":9"), "NOT_IN_ROOM");
        }
    }

    @Test
    void authorRule_winsOverTheDuplicateCheck() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            publishOk(alice, "r", "alice's");
            publishFields(bob, "r", "\"body\":\"bob's\",\"cid\":\"k\"");
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1,\"cid\":\"k\""), "FORBIDDEN");
        }
    }

    @Test
    void notFound_winsOverTheDuplicateCheck() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"k\"");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"replyTo\":5,\"cid\":\"k\""), "NOT_FOUND");
        }
    }

    @Test
    void rateLimitedCommand_isNotRun() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.commandBurst(1))) {
            RecordingClient alice = f.client("alice");
            assertType(alice.request("{\"type\":\"ping\"}"), "pong");
            assertError(alice.join("r"), "RATE_LIMITED");
            assertThat(f.store.room("r")).isEmpty();
        }
    }
}
