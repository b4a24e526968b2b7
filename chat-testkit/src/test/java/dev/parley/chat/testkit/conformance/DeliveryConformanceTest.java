package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publishFields;
import static dev.parley.chat.testkit.conformance.Wire.publishOk;
import static dev.parley.chat.testkit.conformance.Wire.range;
import static dev.parley.chat.testkit.conformance.Wire.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PROTOCOL §3.4 shutdown, §5.3 slow readers, §5.6 dedupe window and in-flight duplicates, §9
 * "Slow readers and small pushes", and what a member no longer receives after leaving.
 */
@Timeout(30)
class DeliveryConformanceTest {

    @Test
    void shutdown_sendsByeServerShutdown_thenCloses1001_andKeepsWhatWasAcknowledged() {
        dev.parley.chat.spi.MessageStore store = dev.parley.chat.spi.MessageStore.inMemory();
        ProtocolFixture f = new ProtocolFixture(store, b -> {});
        RecordingClient alice = f.joined("alice", "r");
        publishOk(alice, "r", "kept");
        f.close();
        JsonNode bye = alice.awaitType("bye");
        assertThat(bye.get("code").asText()).isEqualTo("SERVER_SHUTDOWN");
        assertThat(bye.get("message").isTextual()).isTrue();
        assertThat(bye.has("ref")).isFalse();
        alice.awaitClosed(1001);
    }

    @Test
    void afterLeave_noMorePushesOfTheRoomArrive() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            assertType(bob.request("{\"type\":\"leave\",\"room\":\"r\"}"), "left");
            publishOk(alice, "r", "after");
            alice.send("{\"type\":\"typing\",\"room\":\"r\",\"typing\":true}");
            alice.request("{\"type\":\"read\",\"room\":\"r\",\"seq\":1}");
            Wire.Exchange e = Wire.barrier(bob, "r");
            assertThat(bob.messages("r")).isEmpty();
            assertThat(e.before("typing")).isEmpty();
            assertThat(e.before("receipt")).isEmpty();
        }
    }

    @Test
    void presenceJoin_carriesTheUsersCurrentStatus() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.client("alice");
            alice.request("{\"type\":\"status\",\"status\":\"away\"}");
            alice.join("r");
            JsonNode join = bob.awaitType("presence");
            assertThat(join.get("event").asText()).isEqualTo("join");
            assertThat(join.get("status").asText()).isEqualTo("away");
        }
    }

    @Test
    void cid_olderThanTheDedupeWindow_isANewMessage_withinItIsADuplicate() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.dedupeWindow(3))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"k\"");
            publishOk(bob, "r", "2");
            publishOk(bob, "r", "3");
            JsonNode within = publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"k\"");
            assertThat(within.get("duplicate").asBoolean()).as("seq 1 is among the last 3 messages").isTrue();
            publishOk(bob, "r", "4");
            JsonNode outside = publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"k\"");
            assertThat(outside.get("duplicate").asBoolean()).isFalse();
            assertThat(outside.get("seq").asLong()).isEqualTo(5);
        }
    }

    @Test
    void duplicateOfAPublishStillInFlight_getsTheOriginalsOutcome() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> b.executor(gate))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient phone = f.joined("alice", "r");
            gate.hold();
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"once\",\"cid\":\"k\",\"ref\":\"a\"}");
            phone.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"once\",\"cid\":\"k\",\"ref\":\"b\"}");
            gate.release();
            JsonNode a = alice.await(fr -> "a".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "a");
            JsonNode b = phone.await(fr -> "b".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "b");
            assertType(a, "published");
            assertType(b, "published");
            assertThat(b.get("seq")).isEqualTo(a.get("seq"));
            assertThat(b.get("id")).isEqualTo(a.get("id"));
            assertThat(List.of(a.get("duplicate").asBoolean(), b.get("duplicate").asBoolean()))
                    .containsExactlyInAnyOrder(true, false);
            Wire.barrier(alice, "r");
            assertThat(alice.messages("r")).hasSize(1);
            assertThat(f.store.readAfter("r", 0, 10)).hasSize(1);
        }
    }

    @Test
    void slowReader_getsEveryMessageInOrderLater_andAMembersFrameForPresenceItMissed() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxOutboundBytes(1024).publishBurst(1000))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            alice.awaitType("presence");
            bob.pause();
            String body = "x".repeat(300);
            for (int i = 0; i < 20; i++) {
                publishOk(alice, "r", body);
            }
            RecordingClient carol = f.joined("carol", "r");
            // Replies are always queued, even over the budget.
            bob.send("{\"type\":\"ping\",\"ref\":\"while-paused\"}");
            bob.resume();
            bob.await(fr -> "while-paused".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "pong");
            List<JsonNode> messages = bob.awaitMessages("r", 20);
            assertThat(seqs(JoinConformanceTest.toArray(messages))).isEqualTo(range(1, 20));
            boolean sawCarol = bob.all().stream().anyMatch(fr ->
                    ("presence".equals(fr.path("type").asText()) && "carol".equals(fr.path("user").asText()))
                    || ("members".equals(fr.path("type").asText()) && !fr.has("ref")
                            && Wire.users(fr.get("members")).contains("carol")));
            if (!sawCarol) {
                JsonNode members = bob.await(fr -> "members".equals(fr.path("type").asText()) && !fr.has("ref"),
                        RecordingClient.DEFAULT_TIMEOUT, "members push");
                assertThat(Wire.users(members.get("members"))).contains("carol");
            }
            assertThat(carol.closeCode()).isEqualTo(-1);
        }
    }

    @Test
    void slowReaderFurtherBehindThanTheLogRetains_isClosedWith4000_andResumesWithRecoveredFalse() {
        try (ProtocolFixture f = new ProtocolFixture(dev.parley.chat.spi.MessageStore.inMemory(5),
                b -> b.maxOutboundBytes(1024).publishBurst(100_000))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            String epoch = bob.join("r").get("epoch").asText();
            bob.pause();
            // More than the store retains (5) plus what the engine may keep in memory beyond it.
            for (int i = 0; i < 1100; i++) {
                alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}");
            }
            alice.awaitMessages("r", 1100);
            bob.resume();
            bob.awaitClosed(4000);
            List<JsonNode> got = bob.messages("r");
            assertThat(seqs(JoinConformanceTest.toArray(got))).isEqualTo(range(1, got.size()));
            RecordingClient again = f.client("bob");
            JsonNode joined = again.request("{\"type\":\"join\",\"room\":\"r\",\"since\":" + got.size()
                    + ",\"epoch\":" + Wire.q(epoch) + "}");
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            assertThat(joined.get("first").asLong()).isEqualTo(1096);
        }
    }
}
