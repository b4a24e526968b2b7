package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertNoPushes;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publishMany;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §4 {@code read}/{@code receipt}, §5.9, §9 "read". */
@Timeout(30)
class ReadConformanceTest {

    private static JsonNode read(RecordingClient c, String room, long seq) {
        return c.request("{\"type\":\"read\",\"room\":" + Wire.q(room) + ",\"seq\":" + seq + "}");
    }

    @Test
    void read_isRepliedWithTheMarker() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 5);
            JsonNode reply = assertType(read(alice, "r", 3), "read");
            assertThat(reply.get("room").asText()).isEqualTo("r");
            assertThat(reply.get("seq").asLong()).isEqualTo(3);
        }
    }

    @Test
    void read_neverMovesTheMarkerBack_andTheReplyCarriesTheMarkerAfterTheMove() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 5);
            read(alice, "r", 4);
            assertThat(read(alice, "r", 2).get("seq").asLong()).isEqualTo(4);
            assertThat(read(alice, "r", 0).get("seq").asLong()).isEqualTo(4);
            assertThat(f.client("alice").join("r").get("read").asLong()).isEqualTo(4);
        }
    }

    @Test
    void read_aboveTheHead_isTakenAsTheHead() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 5);
            assertThat(read(alice, "r", 99).get("seq").asLong()).isEqualTo(5);
            publishMany(alice, "r", 1);
            assertThat(read(alice, "r", 6).get("seq").asLong()).isEqualTo(6);
        }
    }

    @Test
    void receipt_goesToEveryMemberConnectionButTheSender_includingTheUsersOtherConnection() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient phone = f.joined("alice", "r");
            RecordingClient laptop = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient outsider = f.client("carol");
            publishMany(bob, "r", 3);
            read(phone, "r", 2);
            for (RecordingClient c : new RecordingClient[] {laptop, bob}) {
                JsonNode receipt = c.awaitType("receipt");
                assertThat(receipt.get("room").asText()).isEqualTo("r");
                assertThat(receipt.get("user").asText()).isEqualTo("alice");
                assertThat(receipt.get("seq").asLong()).isEqualTo(2);
                assertThat(receipt.has("ref")).isFalse();
            }
            Wire.barrier(phone, "r");
            assertThat(Wire.allOfType(phone, "receipt")).isEmpty();
            Wire.barrier(outsider, "r");
            assertThat(Wire.allOfType(outsider, "receipt")).isEmpty();
        }
    }

    @Test
    void receipt_isSentOnlyWhenTheMarkerMovesForward() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            publishMany(alice, "r", 3);
            read(alice, "r", 3);
            bob.awaitType("receipt");
            read(alice, "r", 3);
            read(alice, "r", 1);
            read(alice, "r", 50);
            assertNoPushes(bob, "r", "receipt");
        }
    }

    @Test
    void read_needsReadPermission_notAJoin() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "r");
            publishMany(bob, "r", 3);
            RecordingClient alice = f.client("alice");
            assertThat(read(alice, "r", 2).get("seq").asLong()).isEqualTo(2);
            assertThat(bob.awaitType("receipt").get("user").asText()).isEqualTo("alice");
            RecordingClient carol = f.joined("carol", "dm:bob:carol");
            publishMany(carol, "dm:bob:carol", 1);
            assertError(read(alice, "dm:bob:carol", 1), "FORBIDDEN");
        }
    }
    @Test
    void readPipelinedRightAfterAPublish_withoutWaiting_coversThatMessage() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> b.executor(gate))) {
            RecordingClient alice = f.joined("alice", "r");
            gate.hold();
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"hi\",\"ref\":\"p\"}");
            alice.send("{\"type\":\"read\",\"room\":\"r\",\"seq\":1,\"ref\":\"r\"}");
            gate.release();
            JsonNode reply = alice.await(fr -> "r".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "read");
            assertType(reply, "read");
            assertThat(reply.get("seq").asLong()).as("seq 1 was published before the read ran").isEqualTo(1);
        }
    }
}
