package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §4 {@code rooms} and {@code create}, §9 "rooms, create". */
@Timeout(30)
class RoomsAndCreateConformanceTest {

    private static JsonNode create(RecordingClient c, String room, String topic) {
        return c.request("{\"type\":\"create\",\"room\":" + q(room) + (topic == null ? "" : ",\"topic\":" + q(topic)) + "}");
    }

    private static JsonNode rooms(RecordingClient c) {
        return assertType(c.request("{\"type\":\"rooms\"}"), "rooms");
    }

    private static JsonNode entry(JsonNode rooms, String room) {
        for (JsonNode r : rooms.get("rooms")) {
            if (r.get("room").asText().equals(room)) {
                return r;
            }
        }
        throw new AssertionError(room + " not in " + rooms);
    }

    private static List<String> names(JsonNode rooms) {
        List<String> out = new ArrayList<>();
        rooms.get("rooms").forEach(r -> out.add(r.get("room").asText()));
        return out;
    }

    @Test
    void rooms_areSortedByNameInByteOrder() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            for (String room : List.of("b", "a.b", "_x", "a", "B", "a-b", "a:b", "0")) {
                assertType(create(alice, room, null), "created");
            }
            assertThat(names(rooms(alice))).containsExactly("0", "B", "_x", "a", "a-b", "a.b", "a:b", "b");
        }
    }

    @Test
    void rooms_entries_carryTopicMembersAndSeq() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            create(alice, "with-topic", "Weekly sync");
            create(alice, "no-topic", null);
            f.joined("alice", "busy");
            f.joined("alice", "busy");
            RecordingClient bob = f.joined("bob", "busy");
            bob.request("{\"type\":\"status\",\"status\":\"dnd\"}");
            Wire.publishMany(bob, "busy", 3);
            JsonNode rooms = rooms(alice);
            JsonNode withTopic = entry(rooms, "with-topic");
            assertThat(withTopic.get("topic").asText()).isEqualTo("Weekly sync");
            assertThat(withTopic.get("members").asInt()).isZero();
            assertThat(withTopic.get("seq").asLong()).isZero();
            JsonNode noTopic = entry(rooms, "no-topic");
            assertThat(noTopic.get("topic").isTextual()).isTrue();
            assertThat(noTopic.get("topic").asText()).isEmpty();
            JsonNode busy = entry(rooms, "busy");
            assertThat(busy.get("topic").asText()).isEmpty();
            assertThat(busy.get("members").asInt()).as("two users, whatever their status or connections").isEqualTo(2);
            assertThat(busy.get("seq").asLong()).isEqualTo(3);
        }
    }

    @Test
    void rooms_excludeOtherUsersDirectRooms() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("bob", "dm:bob:carol");
            f.joined("alice", "dm:alice:bob");
            f.joined("alice", "public");
            assertThat(names(rooms(f.client("alice")))).containsExactly("dm:alice:bob", "public");
            assertThat(names(rooms(f.client("bob")))).containsExactly("dm:alice:bob", "dm:bob:carol", "public");
            assertThat(names(rooms(f.client("dave")))).containsExactly("public");
        }
    }

    @Test
    void create_isRepliedWithCreated_andTopicIsEmptyWhenUnset() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            JsonNode created = assertType(create(alice, "plans", null), "created");
            assertThat(created.get("room").asText()).isEqualTo("plans");
            assertThat(created.get("topic").isTextual()).isTrue();
            assertThat(created.get("topic").asText()).isEmpty();
            JsonNode withTopic = create(alice, "ideas", "Ideas & dreams ✨");
            assertThat(withTopic.get("topic").asText()).isEqualTo("Ideas & dreams ✨");
        }
    }

    @Test
    void create_ofAnExistingRoom_isRoomExists() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            create(alice, "plans", "first");
            assertError(create(alice, "plans", "second"), "ROOM_EXISTS");
            assertThat(entry(rooms(alice), "plans").get("topic").asText()).isEqualTo("first");
            f.joined("bob", "joined-first");
            assertError(create(alice, "joined-first", null), "ROOM_EXISTS");
        }
    }

    @Test
    void create_doesNotJoinTheCreator() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            create(alice, "plans", null);
            assertError(Wire.publish(alice, "plans", "hi"), "NOT_IN_ROOM");
            assertThat(Wire.barrier(alice, "plans").reply().get("members")).isEmpty();
            JsonNode joined = alice.join("plans");
            assertThat(Wire.users(joined.get("members"))).containsExactly("alice");
        }
    }

    @Test
    void create_ofADirectRoom_onlyByItsUsers() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            assertError(create(f.client("carol"), "dm:alice:bob", null), "FORBIDDEN");
            assertThat(f.store.room("dm:alice:bob")).isEmpty();
            assertType(create(f.client("bob"), "dm:alice:bob", null), "created");
            assertError(create(f.client("carol"), "dm:alice:bob", null), "FORBIDDEN");
            assertError(create(f.client("alice"), "dm:alice:bob", null), "ROOM_EXISTS");
        }
    }

    @Test
    void create_topic_isAtMost256Characters() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            assertType(create(alice, "ok", "t".repeat(256)), "created");
            assertError(create(alice, "too-long", "t".repeat(257)), "BAD_REQUEST");
            assertThat(f.store.room("too-long")).isEmpty();
        }
    }

    @Test
    void rooms_andCreate_needNoJoin_andSeeRoomsCreatedByOthers() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            create(f.client("alice"), "by-alice", "x");
            JsonNode rooms = rooms(f.client("bob"));
            assertThat(entry(rooms, "by-alice").get("topic").asText()).isEqualTo("x");
        }
    }
}
