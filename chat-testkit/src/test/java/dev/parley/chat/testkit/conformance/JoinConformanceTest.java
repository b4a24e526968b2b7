package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publishMany;
import static dev.parley.chat.testkit.conformance.Wire.q;
import static dev.parley.chat.testkit.conformance.Wire.range;
import static dev.parley.chat.testkit.conformance.Wire.seqs;
import static dev.parley.chat.testkit.conformance.Wire.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.RecordingClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §4 {@code join}/{@code leave}, §5.4 resume, §5.5 epoch, §9 "join". */
@Timeout(60)
class JoinConformanceTest {
    /** Enough publish tokens for tests that fill rooms without moving the clock. */
    private static final Consumer<ChatServer.Builder> MANY = b -> b.publishBurst(100_000).commandBurst(100_000);

    private static JsonNode join(RecordingClient c, String room, String extra) {
        return c.request("{\"type\":\"join\",\"room\":" + q(room) + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    @Test
    void joined_ofAnEmptyRoom_carriesEveryField() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            JsonNode joined = assertType(alice.join("general"), "joined");
            assertThat(joined.get("room").asText()).isEqualTo("general");
            assertThat(joined.get("epoch").isTextual()).isTrue();
            assertThat(joined.get("epoch").asText()).isNotEmpty();
            assertThat(joined.get("seq").isIntegralNumber()).isTrue();
            assertThat(joined.get("seq").asLong()).isZero();
            assertThat(joined.get("first").asLong()).isZero();
            assertThat(joined.get("read").asLong()).isZero();
            assertThat(joined.get("members").isArray()).isTrue();
            assertThat(joined.get("messages").isArray()).isTrue();
            assertThat(joined.get("messages")).isEmpty();
            assertThat(joined.get("recovered").isBoolean()).isTrue();
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            JsonNode member = joined.get("members").get(0);
            assertThat(member.get("user").asText()).isEqualTo("alice");
            assertThat(member.get("status").asText()).isEqualTo("online");
            assertThat(member.get("lastSeen").isIntegralNumber()).isTrue();
            assertThat(member.get("lastSeen").asLong()).isEqualTo(f.clock.millis());
        }
    }

    @Test
    void joined_ofARoomWithMessages_carriesHeadFirstMembersAndMessages() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 3);
            RecordingClient bob = f.client("bob");
            JsonNode joined = bob.join("r");
            assertThat(joined.get("seq").asLong()).isEqualTo(3);
            assertThat(joined.get("first").asLong()).isEqualTo(1);
            assertThat(users(joined.get("members"))).containsExactlyInAnyOrder("alice", "bob");
            assertThat(seqs(joined.get("messages"))).containsExactly(1L, 2L, 3L);
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            JsonNode m = joined.get("messages").get(0);
            assertThat(m.get("room").asText()).isEqualTo("r");
            assertThat(m.get("id").isTextual()).isTrue();
            assertThat(m.get("user").asText()).isEqualTo("alice");
            assertThat(m.get("body").asText()).isEqualTo("m1");
            assertThat(m.get("ts").asLong()).isEqualTo(f.clock.millis());
            assertThat(m.get("kind").asText()).isEqualTo("text");
            assertThat(m.has("type")).as("a message object inside joined has no type").isFalse();
        }
    }

    @Test
    void join_withSinceAndTheSameEpoch_recoversExactlyTheMissingMessages() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            String epoch = alice.join("r").get("epoch").asText();
            publishMany(alice, "r", 5);
            RecordingClient bob = f.client("bob");
            JsonNode joined = join(bob, "r", "\"since\":2,\"epoch\":" + q(epoch));
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(seqs(joined.get("messages"))).containsExactly(3L, 4L, 5L);
            assertThat(joined.get("seq").asLong()).isEqualTo(5);
            assertThat(joined.get("epoch").asText()).isEqualTo(epoch);
        }
    }

    @Test
    void join_withSinceAndNoEpoch_recovers() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 4);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":3");
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(seqs(joined.get("messages"))).containsExactly(4L);
        }
    }

    @Test
    void join_withSinceAtTheHead_recoversWithNoMessages() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 4);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":4");
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(joined.get("messages")).isEmpty();
        }
    }

    @Test
    void join_withSinceAboveTheHead_isNotRecovered_andCarriesTheLatestMessages() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            String epoch = alice.join("r").get("epoch").asText();
            publishMany(alice, "r", 3);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":9,\"epoch\":" + q(epoch));
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            assertThat(seqs(joined.get("messages"))).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void join_withSinceFromAnotherEpoch_isNotRecovered() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 3);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":1,\"epoch\":\"e-from-an-old-log\",\"recent\":2");
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            assertThat(seqs(joined.get("messages"))).containsExactly(2L, 3L);
        }
    }

    @Test
    void join_withSinceZeroFromAnotherEpoch_isNotRecovered() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "r");
            JsonNode joined = join(f.client("bob"), "r", "\"since\":0,\"epoch\":\"e-other\"");
            assertThat(joined.get("recovered").asBoolean()).isFalse();
        }
    }

    @Test
    void join_withSinceZero_recoversEverything() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 4);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":0");
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(seqs(joined.get("messages"))).containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void join_withSinceZero_ofAnEmptyRoom_recovers() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "r");
            JsonNode joined = join(f.client("bob"), "r", "\"since\":0");
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(joined.get("messages")).isEmpty();
            JsonNode fresh = join(f.client("carol"), "fresh", "\"since\":0");
            assertThat(fresh.get("recovered").asBoolean()).isTrue();
        }
    }

    @Test
    void join_whenTheStoreNoLongerHoldsSincePlusOne_isNotRecovered_andFirstSaysWhatIsHeld() {
        try (ProtocolFixture f = new ProtocolFixture(MessageStore.inMemory(3), MANY)) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 6);
            JsonNode fromZero = join(f.client("bob"), "r", "\"since\":0");
            assertThat(fromZero.get("first").asLong()).isEqualTo(4);
            assertThat(fromZero.get("recovered").asBoolean()).isFalse();
            JsonNode fromTwo = join(f.client("bob"), "r", "\"since\":2");
            assertThat(fromTwo.get("recovered").asBoolean()).isFalse();
            JsonNode fromThree = join(f.client("bob"), "r", "\"since\":3");
            assertThat(fromThree.get("recovered").asBoolean()).isTrue();
            assertThat(seqs(fromThree.get("messages"))).containsExactly(4L, 5L, 6L);
        }
    }

    @Test
    void join_withExactlyRecoverLimitMissing_recovers() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.recoverLimit(5))) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 7);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":2");
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            assertThat(seqs(joined.get("messages"))).containsExactly(3L, 4L, 5L, 6L, 7L);
        }
    }

    @Test
    void join_withRecoverLimitPlusOneMissing_isNotRecovered_andCarriesTheLatestRecent() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.recoverLimit(5))) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 7);
            JsonNode joined = join(f.client("bob"), "r", "\"since\":1,\"recent\":3");
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            assertThat(seqs(joined.get("messages"))).containsExactly(5L, 6L, 7L);
        }
    }

    @Test
    void join_withSinceZero_andMoreThanRecoverLimitMessages_isNotRecovered() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.recoverLimit(5))) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 6);
            assertThat(join(f.client("bob"), "r", "\"since\":0").get("recovered").asBoolean()).isFalse();
            assertThat(join(f.client("carol"), "r", "\"since\":1").get("recovered").asBoolean()).isTrue();
        }
    }

    @Test
    void join_withoutSince_carriesTheLatest50_andIsNotRecovered() {
        try (ProtocolFixture f = new ProtocolFixture(MANY)) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 60);
            JsonNode joined = f.client("bob").join("r");
            assertThat(joined.get("recovered").asBoolean()).isFalse();
            assertThat(seqs(joined.get("messages"))).isEqualTo(range(11, 60));
        }
    }

    @Test
    void join_recent_choosesHowManyLatest_andIsCappedAtHistoryLimit() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.historyLimit(10).recentDefault(5).publishBurst(1000))) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 20);
            RecordingClient bob = f.client("bob");
            assertThat(seqs(bob.join("r").get("messages"))).isEqualTo(range(16, 20));
            assertThat(seqs(join(bob, "r", "\"recent\":3").get("messages"))).isEqualTo(range(18, 20));
            assertThat(seqs(join(bob, "r", "\"recent\":50").get("messages"))).isEqualTo(range(11, 20));
            assertThat(join(bob, "r", "\"recent\":0").get("messages")).isEmpty();
        }
    }

    @Test
    void rejoin_isAnsweredByJoinedAgain_andEmitsNoPresence() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            assertType(alice.awaitType("presence"), "presence");
            Wire.publishOk(bob, "r", "x");
            JsonNode again = join(bob, "r", "\"since\":0");
            assertType(again, "joined");
            assertThat(again.get("recovered").asBoolean()).isTrue();
            assertThat(users(again.get("members"))).containsExactlyInAnyOrder("alice", "bob");
            Wire.Exchange e = Wire.barrier(alice, "r");
            assertThat(e.before("presence")).isEmpty();
            assertThat(Wire.allOfType(bob, "presence")).isEmpty();
            // Still one member, delivered to once.
            Wire.publishOk(alice, "r", "y");
            Wire.barrier(bob, "r");
            assertThat(seqs(toArray(bob.messages("r")))).containsExactly(1L, 2L);
        }
    }

    @Test
    void join_othersGetPresenceJoin_theJoinerGetsNoneAboutItself() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            JsonNode presence = alice.awaitType("presence");
            assertThat(presence.get("room").asText()).isEqualTo("r");
            assertThat(presence.get("user").asText()).isEqualTo("bob");
            assertThat(presence.get("status").asText()).isEqualTo("online");
            assertThat(presence.get("event").asText()).isEqualTo("join");
            Wire.barrier(bob, "r");
            assertThat(Wire.allOfType(bob, "presence")).isEmpty();
        }
    }

    @Test
    void noMessagePushReachesAConnectionBeforeItsJoined_andPushesContinueFromJoinedSeq() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> MANY.andThen(x -> x.executor(gate)).accept(b))) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 3);
            RecordingClient bob = f.client("bob");
            gate.hold();
            for (int i = 0; i < 20; i++) {
                alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"p" + i + "\"}");
                if (i == 10) {
                    bob.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"j\"}");
                }
            }
            gate.release();
            bob.awaitMessages("r", 1);
            Wire.barrier(alice, "r");
            List<JsonNode> frames = bob.all();
            int joinedAt = indexOf(frames, "joined");
            assertThat(joinedAt).isGreaterThanOrEqualTo(0);
            for (int i = 0; i < joinedAt; i++) {
                assertThat(frames.get(i).path("type").asText()).as("before joined: %s", frames.get(i)).isNotEqualTo("message");
            }
            JsonNode joined = frames.get(joinedAt);
            long head = joined.get("seq").asLong();
            List<Long> pushed = seqs(toArray(bob.messages("r")));
            assertThat(pushed).isEqualTo(range(head + 1, 23));
        }
    }

    @Test
    void resume_whileOthersPublish_hasNoGapAndNoDuplicate() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> MANY.andThen(x -> x.executor(gate)).accept(b))) {
            RecordingClient alice = f.joined("alice", "r");
            String epoch = alice.join("r").get("epoch").asText();
            publishMany(alice, "r", 5);
            RecordingClient bob = f.client("bob");
            gate.hold();
            for (int i = 0; i < 30; i++) {
                alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"p" + i + "\"}");
                if (i == 15) {
                    bob.send("{\"type\":\"join\",\"room\":\"r\",\"since\":5,\"epoch\":" + q(epoch) + ",\"ref\":\"j\"}");
                }
            }
            gate.release();
            bob.awaitMessages("r", 1);
            Wire.barrier(alice, "r");
            Wire.barrier(bob, "r");
            JsonNode joined = bob.all().get(indexOf(bob.all(), "joined"));
            assertThat(joined.get("recovered").asBoolean()).isTrue();
            List<Long> seen = new ArrayList<>(seqs(joined.get("messages")));
            seen.addAll(seqs(toArray(bob.messages("r"))));
            assertThat(seen).isEqualTo(range(6, 35));
        }
    }

    @Test
    void join_ofAnUnknownRoom_withAutoCreationOff_isNotFound_andCreatesNothing() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.autoCreateRooms(false))) {
            RecordingClient alice = f.client("alice");
            assertError(alice.join("nowhere"), "NOT_FOUND");
            assertThat(f.store.room("nowhere")).isEmpty();
            assertError(Wire.publish(alice, "nowhere", "hi"), "NOT_IN_ROOM");
            assertType(alice.request("{\"type\":\"create\",\"room\":\"somewhere\"}"), "created");
            assertType(alice.join("somewhere"), "joined");
        }
    }

    @Test
    void join_ofAnUnknownRoom_createsIt_byDefault() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "new-room");
            assertThat(f.store.room("new-room")).isPresent();
        }
    }

    @Test
    void leave_isAnsweredByLeft_andLeaveOfARoomNotJoinedIsNotInRoom() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            JsonNode left = assertType(alice.request("{\"type\":\"leave\",\"room\":\"r\"}"), "left");
            assertThat(left.get("room").asText()).isEqualTo("r");
            assertError(alice.request("{\"type\":\"leave\",\"room\":\"r\"}"), "NOT_IN_ROOM");
            assertError(alice.request("{\"type\":\"leave\",\"room\":\"never\"}"), "NOT_IN_ROOM");
            assertError(Wire.publish(alice, "r", "after leave"), "NOT_IN_ROOM");
        }
    }

    @Test
    void leave_byAnotherConnectionOfTheSameUser_isNotInRoom() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "r");
            RecordingClient other = f.client("alice");
            assertError(other.request("{\"type\":\"leave\",\"room\":\"r\"}"), "NOT_IN_ROOM");
        }
    }

    @Test
    void join_pastMaxRoomsPerConnection_isLimitExceeded() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxRoomsPerConnection(3))) {
            RecordingClient alice = f.client("alice");
            for (String room : List.of("a", "b", "c")) {
                assertType(alice.join(room), "joined");
            }
            assertError(alice.join("d"), "LIMIT_EXCEEDED");
            assertType(alice.join("b"), "joined");
            assertType(alice.request("{\"type\":\"leave\",\"room\":\"a\"}"), "left");
            assertType(alice.join("d"), "joined");
            // The limit is per connection.
            assertType(f.client("alice").join("e"), "joined");
        }
    }

    @Test
    void join_ofAnotherUsersDirectRoom_isForbidden_andOfOnesOwnIsJoined() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient carol = f.client("carol");
            assertError(carol.join("dm:alice:bob"), "FORBIDDEN");
            assertThat(f.store.room("dm:alice:bob")).isEmpty();
            assertType(f.client("alice").join("dm:alice:bob"), "joined");
            assertType(f.client("bob").join("dm:alice:bob"), "joined");
        }
    }

    @Test
    void joined_read_isTheUsersReadMarker() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishMany(alice, "r", 4);
            alice.request("{\"type\":\"read\",\"room\":\"r\",\"seq\":3}");
            assertThat(f.client("alice").join("r").get("read").asLong()).isEqualTo(3);
            assertThat(f.client("bob").join("r").get("read").asLong()).isZero();
        }
    }

    static JsonNode toArray(List<JsonNode> nodes) {
        com.fasterxml.jackson.databind.node.ArrayNode array =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        nodes.forEach(array::add);
        return array;
    }

    static int indexOf(List<JsonNode> frames, String type) {
        for (int i = 0; i < frames.size(); i++) {
            if (type.equals(frames.get(i).path("type").asText())) {
                return i;
            }
        }
        return -1;
    }
}
