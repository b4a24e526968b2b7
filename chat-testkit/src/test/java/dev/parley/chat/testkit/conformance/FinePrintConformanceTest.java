package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertAlive;
import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publishFields;
import static dev.parley.chat.testkit.conformance.Wire.publishOk;
import static dev.parley.chat.testkit.conformance.Wire.q;
import static dev.parley.chat.testkit.conformance.Wire.range;
import static dev.parley.chat.testkit.conformance.Wire.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatListener;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequencer;
import dev.parley.chat.testkit.RecordingClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fine print a third-party client found wrong: text that is not Unicode (§9 "Frames"), a
 * room that must not wedge, the error budget counting only client errors (§9 "Liveness"), the
 * well-formed hello (§9 "Frames"), empty reactions (§9 "publish"), the budget of a connection in
 * every room (§9 "Slow readers and small pushes") and the {@code read} of {@code rooms} entries.
 */
@Timeout(60)
class FinePrintConformanceTest {
    /** A lone low surrogate, as a JSON escape inside a frame. */
    private static final String LONE = "\\udc00";

    /** The next publish of the room is acknowledged, delivered and readable by history and a full resume. */
    private static void assertRoomWorks(ProtocolFixture f, RecordingClient author, String room, long expectedSeq) {
        JsonNode published = publishOk(author, room, "after");
        assertThat(published.get("seq").asLong()).isEqualTo(expectedSeq);
        JsonNode pushed = author.awaitAll(fr -> "message".equals(fr.path("type").asText())
                && fr.path("seq").asLong() == expectedSeq, 1, RecordingClient.DEFAULT_TIMEOUT, "push of " + expectedSeq)
                .get(0);
        assertThat(pushed.get("body").asText()).isEqualTo("after");
        JsonNode history = author.request("{\"type\":\"history\",\"room\":" + q(room) + "}");
        assertType(history, "history");
        assertThat(seqs(history.get("messages"))).isEqualTo(range(1, expectedSeq));
        JsonNode resumed = f.client("resumer").request("{\"type\":\"join\",\"room\":" + q(room) + ",\"since\":0}");
        assertType(resumed, "joined");
        assertThat(resumed.get("recovered").asBoolean()).isTrue();
        assertThat(seqs(resumed.get("messages"))).isEqualTo(range(1, expectedSeq));
    }

    // ---- 1. unpaired surrogates -------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "\"body\":\"x" + LONE + "\"",
            "\"body\":\"x\\ud800\"",
            "\"body\":\"x\\udc00\\ud800\"",
            "\"body\":\"x\",\"meta\":{\"k\":\"v" + LONE + "\"}",
            "\"body\":\"x\",\"meta\":{\"deep\":[{\"k\":[\"v" + LONE + "\"]}]}",
            "\"body\":\"x\",\"meta\":{\"k" + LONE + "\":1}",
            "\"body\":\"x\",\"cid\":\"c" + LONE + "\"",
            "\"body\":\"x\",\"unknown\":\"" + LONE + "\""
    })
    void publish_withAnUnpairedSurrogateAnywhere_isBadRequest_storesNothing_andTheRoomGoesOn(String fields) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "before");

            // Sent raw: a frame whose names are not text cannot even be parsed, so it has no ref to echo.
            assertError(Wire.rawError(alice, "{\"type\":\"publish\",\"room\":\"r\"," + fields + "}"), "BAD_REQUEST");

            assertThat(f.store.readAfter("r", 0, 10)).hasSize(1);
            assertRoomWorks(f, alice, "r", 2);
        }
    }

    @Test
    void aPairedSurrogate_isText_andRoundTrips() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertType(publishFields(alice, "r", "\"body\":\"\\ud83d\\ude00\""), "published");
            assertThat(alice.awaitMessages("r", 1).get(0).get("body").asText()).isEqualTo("\uD83D\uDE00");
        }
    }

    @Test
    void create_withAnUnpairedSurrogateInTheTopic_isBadRequest_andCreatesNothing() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            assertError(alice.request("{\"type\":\"create\",\"room\":\"t\",\"topic\":\"a" + LONE + "\"}"), "BAD_REQUEST");
            assertThat(f.store.room("t")).isEmpty();
            assertType(alice.request("{\"type\":\"create\",\"room\":\"t\",\"topic\":\"fine\"}"), "created");
        }
    }

    @Test
    void hello_withAnUnpairedSurrogateInTheUser_isRefusedAndClosed() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":\"a" + LONE + "\"}");
            assertThat(c.awaitType("error").get("code").asText()).isIn("BAD_REQUEST", "INVALID_USER");
            c.awaitClosed(1008);
        }
    }

    // ---- 1. a room robust to what it cannot encode or what its hooks throw -------------------

    @Test
    void aStoredMessageThatCannotBeEncoded_neverWedgesTheRoom() {
        // As if written before the decoder refused such text: the store holds a lone surrogate.
        MessageStore store = MessageStore.inMemory();
        store.create("r", "", 0);
        store.append(new Message("r", 1, "m-1", "mallory", "bad\uDC00", 1, MessageKind.TEXT, null, 0, 0,
                "{\"k\":\"v\uDC00\"}")).join();
        try (ProtocolFixture f = new ProtocolFixture(store, b -> {})) {
            RecordingClient alice = f.joined("alice", "r");
            JsonNode history = alice.request("{\"type\":\"history\",\"room\":\"r\"}");
            assertThat(history.get("messages").get(0).get("body").asText()).isEqualTo("bad\uFFFD");

            assertRoomWorks(f, alice, "r", 2);
        }
    }

    @Test
    void aListenerThatThrowsOnEveryMessage_leavesTheRoomAcknowledgingAndDelivering() {
        ChatListener broken = new ChatListener() {
            @Override
            public void onMessage(Message message) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (ProtocolFixture f = new ProtocolFixture(b -> b.listener(broken))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            for (int i = 1; i <= 5; i++) {
                publishOk(alice, "r", "m" + i);
            }
            assertThat(seqs(JoinConformanceTest.toArray(bob.awaitMessages("r", 5)))).isEqualTo(range(1, 5));
            assertRoomWorks(f, alice, "r", 6);
        }
    }

    @Test
    void aTransportThatFailsToSendToOneMember_failsThatMemberOnly_andTheRoomGoesOn() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient broken = f.joined("carol", "r");
            broken.failSendsMatching(frame -> frame.contains("\"type\":\"message\""));

            publishOk(alice, "r", "one");
            publishOk(alice, "r", "two");

            broken.awaitClosed(1011);
            assertThat(seqs(JoinConformanceTest.toArray(bob.awaitMessages("r", 2)))).isEqualTo(range(1, 2));
            assertRoomWorks(f, alice, "r", 3);
        }
    }

    // ---- 6. only errors the client causes count --------------------------------------------------

    @Test
    void unavailableFromAFailingStore_neverCountsTowardTheErrorBudget() {
        AtomicBoolean failing = new AtomicBoolean(true);
        try (ProtocolFixture f = new ProtocolFixture(MessageStore.inMemory(), b -> b
                .publishPerSecond(100_000).publishBurst(100_000)
                .sequencer(store -> {
                    Sequencer real = Sequencer.local(store, 100);
                    return draft -> failing.get()
                            ? CompletableFuture.failedFuture(new StoreException("disk on fire"))
                            : real.append(draft);
                }))) {
            RecordingClient alice = f.joined("alice", "r");
            for (int i = 0; i < 150; i++) {
                assertError(alice.request("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"cid\":\"k1\"}"),
                        "UNAVAILABLE");
            }
            assertAlive(alice);
            failing.set(false);
            JsonNode landed = alice.request("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"cid\":\"k1\"}");
            assertThat(landed.get("duplicate").asBoolean()).isFalse();
            assertThat(f.store.readAfter("r", 0, 10)).hasSize(1);
        }
    }

    // ---- 5. a hello with a bad ref is not a well-formed hello -------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"{\"x\":1}", "[1]", "1.5", "true", "\"0123456789012345678901234567890123456789012345678901234567890123X\""})
    void beforeWelcome_aHelloWithAnInvalidRef_isUnauthenticated_andCloses1008(String ref) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"ref\":" + ref + "}");
            JsonNode error = assertError(c.awaitType("error"), "UNAUTHENTICATED");
            assertThat(error.has("ref")).as("a bad ref is never echoed").isFalse();
            c.awaitClosed(1008);
        }
    }

    // ---- 7. empty reactions ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"react", "unreact"})
    void anEmptyReaction_isMessageTooLarge_andCostsNoRateToken(String kind) {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(1).publishPerSecond(1))) {
            RecordingClient alice = f.joined("alice", "r");
            for (int i = 0; i < 3; i++) {
                assertError(publishFields(alice, "r", "\"kind\":\"" + kind + "\",\"target\":1,\"body\":\"\""),
                        "MESSAGE_TOO_LARGE");
            }
            // Step-1 refusals took no token: the one token of the bucket is still there.
            publishOk(alice, "r", "first");
        }
    }

    // ---- 3. the outbound budget is the connection's, in every room ------------------------------

    @RepeatedTest(20)
    void aReaderOverBudgetThroughOneRoom_getsNoSmallPushesOfAnother_andOneMembersFrameAfterwards() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxOutboundBytes(2048).publishBurst(1000))) {
            RecordingClient reader = f.joined("reader", "a");
            JsonNode joinedB = reader.request("{\"type\":\"join\",\"room\":\"b\"}");
            assertType(joinedB, "joined");
            RecordingClient writer = f.joined("writer", "a");
            RecordingClient other = f.joined("other", "b");
            publishOk(other, "b", "to be read");
            Wire.barrier(reader, "b");
            int seenBeforePause = reader.all().size();

            reader.pause();
            String body = "x".repeat(300);
            for (int i = 0; i < 20; i++) {
                publishOk(writer, "a", body); // fills the reader's budget through room a
            }
            other.send("{\"type\":\"typing\",\"room\":\"b\",\"typing\":true}");
            other.request("{\"type\":\"read\",\"room\":\"b\",\"seq\":1}");
            f.joined("newcomer", "b");
            other.request("{\"type\":\"status\",\"status\":\"away\"}");
            Wire.barrier(other, "b"); // every push of room b caused above has been sent or dropped

            reader.resume();
            List<JsonNode> messages = reader.awaitMessages("a", 20);
            assertThat(seqs(JoinConformanceTest.toArray(messages))).isEqualTo(range(1, 20));
            // Rooms a and b catch up on their own mailboxes: the members push may come before a's last messages.
            JsonNode members = reader.awaitAll(fr -> "members".equals(fr.path("type").asText()) && !fr.has("ref")
                    && "b".equals(fr.path("room").asText()), 1, RecordingClient.DEFAULT_TIMEOUT, "members push of b")
                    .get(0);
            assertThat(Wire.users(members.get("members"))).contains("newcomer", "other", "reader");
            Wire.barrier(reader, "b"); // after it, a second members push would have come

            List<JsonNode> sincePause = reader.all().subList(seenBeforePause, reader.all().size());
            List<JsonNode> smallOfB = sincePause.stream()
                    .filter(fr -> "b".equals(fr.path("room").asText()))
                    .filter(fr -> List.of("typing", "receipt", "presence").contains(fr.path("type").asText()))
                    .toList();
            assertThat(smallOfB).as("small pushes of room b queued while over budget").isEmpty();
            long membersPushes = sincePause.stream()
                    .filter(fr -> "members".equals(fr.path("type").asText()) && !fr.has("ref")
                            && "b".equals(fr.path("room").asText()))
                    .count();
            assertThat(membersPushes).as("members pushes of b after catching up").isEqualTo(1);
        }
    }

    // ---- 8. rooms entries carry read -------------------------------------------------------------

    @Test
    void rooms_entriesCarryTheUsersReadMarker_zeroWhenNone() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "read-some");
            for (int i = 0; i < 5; i++) {
                publishOk(alice, "read-some", "m" + i);
            }
            assertType(alice.request("{\"type\":\"read\",\"room\":\"read-some\",\"seq\":3}"), "read");
            assertType(alice.request("{\"type\":\"create\",\"room\":\"unread\"}"), "created");

            JsonNode rooms = assertType(alice.request("{\"type\":\"rooms\"}"), "rooms");
            JsonNode some = null;
            JsonNode none = null;
            for (JsonNode r : rooms.get("rooms")) {
                if (r.get("room").asText().equals("read-some")) {
                    some = r;
                } else if (r.get("room").asText().equals("unread")) {
                    none = r;
                }
            }
            assertThat(some.get("seq").asLong() - some.get("read").asLong()).as("unread count").isEqualTo(2);
            assertThat(none.get("read").isIntegralNumber()).isTrue();
            assertThat(none.get("read").asLong()).isZero();
            JsonNode bobs = assertType(f.client("bob").request("{\"type\":\"rooms\"}"), "rooms");
            for (JsonNode r : bobs.get("rooms")) {
                assertThat(r.get("read").asLong()).as("markers are per user").isZero();
            }
        }
    }
}
