package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertAlive;
import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.rawError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL §1 and §9 "Frames", after welcome. */
@Timeout(30)
class FrameConformanceTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ping\",\"ref\":1} x",
        "{\"type\":\"ping\",\"ref\":1}{\"type\":\"ping\",\"ref\":2}",
        "{\"type\":\"ping\",\"ref\":1}]",
        "{\"type\":\"ping\",\"ref\":1} 7",
    })
    void trailingContentAfterTheObject_isBadRequest_withoutRef(String frame) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode error = assertError(rawError(c, frame), "BAD_REQUEST");
            assertThat(error.has("ref")).as("ref echoed in %s", error).isFalse();
            assertAlive(c);
            assertThat(Wire.allOfType(c, "pong")).hasSize(1);
        }
    }

    @Test
    void whitespaceAroundTheObject_isAllowed() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            c.send(" \n\t{\"type\":\"ping\",\"ref\":9} \r\n\t ");
            JsonNode pong = assertType(c.next(), "pong");
            assertThat(pong.get("ref").asLong()).isEqualTo(9);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ping\",\"type\":\"ping\",\"ref\":1}",
        "{\"type\":\"ping\",\"ref\":1,\"ref\":1}",
        "{\"type\":\"ping\",\"ref\":1,\"x\":{\"a\":1,\"a\":2}}",
        "{\"type\":\"ping\",\"ref\":1,\"x\":[{\"b\":{\"c\":[{\"d\":1,\"d\":1}]}}]}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"b\",\"body\":\"b\",\"ref\":1}",
    })
    void duplicateKeysAtAnyDepth_areBadRequest_withoutRef(String frame) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.joined("alice", "r");
            JsonNode error = assertError(rawError(c, frame), "BAD_REQUEST");
            assertThat(error.has("ref")).as("ref echoed in %s", error).isFalse();
            assertAlive(c);
            assertThat(Wire.allOfType(c, "pong")).hasSize(1);
            assertThat(Wire.allOfType(c, "published")).isEmpty();
        }
    }

    @Test
    void duplicateKeysInMeta_areBadRequest_andNothingIsPublished() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.joined("alice", "r");
            JsonNode error = assertError(rawError(c,
                    "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"b\",\"meta\":{\"f\":{\"url\":\"http://a/\",\"url\":\"http://b/\"}},\"ref\":1}"),
                    "BAD_REQUEST");
            assertThat(error.has("ref")).isFalse();
            assertThat(f.store.readAfter("r", 0, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "1e3", "{}", "{\"a\":1}", "[1]", "true", "\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"", "9007199254740992",
        "-9007199254740992"})
    void refThatIsNeitherAnIntegerNorAShortString_isBadRequest_notEchoed_andTheCommandNotRun(String ref) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode error = assertError(rawError(c, "{\"type\":\"join\",\"room\":\"r\",\"ref\":" + ref + "}"), "BAD_REQUEST");
            assertThat(error.has("ref")).as("ref echoed in %s", error).isFalse();
            assertThat(Wire.allOfType(c, "joined")).isEmpty();
            // The join did not run: publishing is refused and the room was not created.
            assertError(Wire.publish(c, "r", "hi"), "NOT_IN_ROOM");
            assertThat(f.store.room("r")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "7", "-3", "9007199254740991", "-9007199254740991"})
    void integerRef_isEchoedExactly(String ref) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            c.send("{\"type\":\"ping\",\"ref\":" + ref + "}");
            JsonNode pong = assertType(c.next(), "pong");
            assertThat(pong.get("ref").isIntegralNumber()).as("ref stays an integer: %s", pong).isTrue();
            assertThat(pong.get("ref").asText()).isEqualTo(ref);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "7", "with \"quotes\" and \\ backslash", "ünïcødé ✓ 😀", "tab\tnewline\n",
        "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"})
    void stringRef_isEchoedExactly_asAString(String ref) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            c.send("{\"type\":\"ping\",\"ref\":" + Wire.q(ref) + "}");
            JsonNode pong = assertType(c.next(), "pong");
            assertThat(pong.get("ref").isTextual()).as("ref stays a string: %s", pong).isTrue();
            assertThat(pong.get("ref").asText()).isEqualTo(ref);
        }
    }

    @Test
    void refIsEchoedOnErrorsToo() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode error = assertError(rawError(c, "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"ref\":\"p-1\"}"),
                    "NOT_IN_ROOM");
            assertThat(error.get("ref").asText()).isEqualTo("p-1");
            JsonNode bad = assertError(rawError(c, "{\"type\":\"join\",\"ref\":42}"), "BAD_REQUEST");
            assertThat(bad.get("ref").asLong()).isEqualTo(42);
        }
    }

    @Test
    void nullRef_countsAsAbsent() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            c.send("{\"type\":\"ping\",\"ref\":null}");
            JsonNode pong = assertType(c.next(), "pong");
            assertThat(pong.has("ref")).as("no ref in %s", pong).isFalse();
        }
    }

    @Test
    void nullOptionalFields_countAsAbsent() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode joined = c.request("{\"type\":\"join\",\"room\":\"r\",\"since\":null,\"epoch\":null,\"recent\":null}");
            assertType(joined, "joined");
            JsonNode published = c.request("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"hi\",\"cid\":null,\"kind\":null,"
                    + "\"target\":null,\"replyTo\":null,\"meta\":null}");
            assertType(published, "published");
            JsonNode message = c.awaitMessages("r", 1).get(0);
            assertThat(message.get("kind").asText()).isEqualTo("text");
            assertThat(message.has("cid")).isFalse();
            assertThat(message.has("target")).isFalse();
            assertThat(message.has("replyTo")).isFalse();
            assertThat(message.has("meta")).isFalse();
            JsonNode history = c.request("{\"type\":\"history\",\"room\":\"r\",\"before\":null,\"after\":null,\"limit\":null}");
            assertThat(Wire.seqs(history.get("messages"))).containsExactly(1L);
            JsonNode created = c.request("{\"type\":\"create\",\"room\":\"other\",\"topic\":null}");
            assertType(created, "created");
            assertThat(created.get("topic").asText()).isEmpty();
        }
    }

    @Test
    void unknownFields_areIgnored() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"future\":{\"x\":[1,null]},\"z\":null}");
            assertType(welcome, "welcome");
            assertType(c.request("{\"type\":\"join\",\"room\":\"r\",\"unknown\":true}"), "joined");
            assertType(c.request("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"b\",\"priority\":\"high\"}"), "published");
            assertType(c.request("{\"type\":\"ping\",\"extra\":[]}"), "pong");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subscribe", "PING", "Hello", "", "bye", "welcome", "message"})
    void unknownType_isUnknownType_withRef(String type) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode error = assertError(c.request("{\"type\":" + Wire.q(type) + "}"), "UNKNOWN_TYPE");
            assertThat(error.has("ref")).isTrue();
            assertAlive(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"ref\":3}", "{\"type\":5,\"ref\":3}", "{\"type\":null,\"ref\":3}"})
    void missingOrMistypedType_isBadRequest(String frame) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(rawError(c, frame), "BAD_REQUEST");
            assertAlive(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "", "   ", "[]", "\"ping\"", "42", "null", "{\"type\":\"ping\"", "{'type':'ping'}"})
    void notAJsonObject_isBadRequest_andTheConnectionStaysOpen(String frame) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(rawError(c, frame), "BAD_REQUEST");
            assertAlive(c);
        }
    }

    @Test
    void binaryFrameAfterWelcome_isBadRequest_andTheConnectionStaysOpen() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            c.sendBinary();
            assertError(c.next(), "BAD_REQUEST");
            assertAlive(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"join\"}",
        "{\"type\":\"join\",\"room\":5}",
        "{\"type\":\"join\",\"room\":\"r\",\"since\":\"3\"}",
        "{\"type\":\"join\",\"room\":\"r\",\"since\":-1}",
        "{\"type\":\"join\",\"room\":\"r\",\"since\":1.5}",
        "{\"type\":\"join\",\"room\":\"r\",\"epoch\":3}",
        "{\"type\":\"join\",\"room\":\"r\",\"since\":9007199254740992}",
        "{\"type\":\"join\",\"room\":\"r\",\"recent\":-1}",
        "{\"type\":\"leave\"}",
        "{\"type\":\"status\"}",
        "{\"type\":\"status\",\"status\":\"offline\"}",
        "{\"type\":\"status\",\"status\":\"busy\"}",
        "{\"type\":\"typing\",\"room\":\"r\"}",
        "{\"type\":\"typing\",\"room\":\"r\",\"typing\":\"yes\"}",
        "{\"type\":\"read\",\"room\":\"r\"}",
        "{\"type\":\"read\",\"room\":\"r\",\"seq\":\"1\"}",
        "{\"type\":\"members\"}",
        "{\"type\":\"history\"}",
        "{\"type\":\"create\"}",
        "{\"type\":\"create\",\"room\":\"x\",\"topic\":7}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"b\",\"kind\":\"shout\"}",
    })
    void missingOrMistypedFields_areBadRequest_withRef(String command) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.joined("alice", "r");
            JsonNode error = assertError(c.request(command), "BAD_REQUEST");
            assertThat(error.has("ref")).isTrue();
            assertAlive(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".r", "has space", "a/b", "é", "dm:bob:alice", "dm:alice:alice", "dm:alice", "dm:alice:bob:carol",
        "dm::bob", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"})
    void invalidRoomNames_areInvalidRoom_andNothingIsCreated(String room) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(c.request("{\"type\":\"join\",\"room\":" + Wire.q(room) + "}"), "INVALID_ROOM");
            assertError(c.request("{\"type\":\"create\",\"room\":" + Wire.q(room) + "}"), "INVALID_ROOM");
            assertError(c.request("{\"type\":\"history\",\"room\":" + Wire.q(room) + "}"), "INVALID_ROOM");
            assertThat(f.store.rooms()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"r", "R", "a.b", "a:b", "a-b_c", "9", "DM:x", "dm:alice:bob",
        "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"})
    void validRoomNames_canBeJoined(String room) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode joined = assertType(c.request("{\"type\":\"join\",\"room\":" + Wire.q(room) + "}"), "joined");
            assertThat(joined.get("room").asText()).isEqualTo(room);
        }
    }

    @Test
    void roomNames_areCaseSensitive() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.joined("alice", "Room");
            Wire.publishOk(c, "Room", "upper");
            JsonNode lower = c.join("room");
            assertThat(lower.get("seq").asLong()).isZero();
        }
    }

    @Test
    void pushes_carryNoRef() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            Wire.publishOk(alice, "r", "hi");
            alice.send("{\"type\":\"typing\",\"room\":\"r\",\"typing\":true}");
            alice.request("{\"type\":\"read\",\"room\":\"r\",\"seq\":1}");
            alice.request("{\"type\":\"status\",\"status\":\"away\"}");
            Wire.barrier(bob, "r");
            bob.request("{\"type\":\"leave\",\"room\":\"r\"}");
            Wire.barrier(alice, "r");
            for (RecordingClient c : new RecordingClient[] {alice, bob}) {
                for (JsonNode frame : c.all()) {
                    String type = frame.get("type").asText();
                    if (type.equals("message") || type.equals("presence") || type.equals("typing")
                            || type.equals("receipt")) {
                        assertThat(frame.has("ref")).as("push with ref: %s", frame).isFalse();
                    }
                }
            }
            assertThat(Wire.allOfType(bob, "message")).isNotEmpty();
            assertThat(Wire.allOfType(bob, "typing")).isNotEmpty();
            assertThat(Wire.allOfType(bob, "receipt")).isNotEmpty();
            assertThat(Wire.allOfType(alice, "presence")).isNotEmpty();
        }
    }
}
