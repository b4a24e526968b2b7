package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publishMany;
import static dev.parley.chat.testkit.conformance.Wire.range;
import static dev.parley.chat.testkit.conformance.Wire.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL §4 {@code history}, §5.7, §5.8, §9 "history". */
@Timeout(60)
class HistoryConformanceTest {
    private ProtocolFixture f;
    private RecordingClient alice;

    @BeforeEach
    void fill() {
        // 150 messages in "r", so the default 50 and the cap of 100 are both visible.
        f = new ProtocolFixture(b -> b.publishBurst(100_000).commandBurst(100_000));
        alice = f.joined("alice", "r");
        publishMany(alice, "r", 150);
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        f.close();
    }

    private JsonNode history(RecordingClient c, String fields) {
        return c.request("{\"type\":\"history\",\"room\":\"r\"" + (fields.isEmpty() ? "" : "," + fields) + "}");
    }

    @Test
    void history_withNeither_returnsTheLatest50Ascending_andHasMore() {
        JsonNode h = assertType(history(alice, ""), "history");
        assertThat(h.get("room").asText()).isEqualTo("r");
        assertThat(seqs(h.get("messages"))).isEqualTo(range(101, 150));
        assertThat(h.get("hasMore").isBoolean()).isTrue();
        assertThat(h.get("hasMore").asBoolean()).isTrue();
        JsonNode m = h.get("messages").get(0);
        assertThat(m.get("user").asText()).isEqualTo("alice");
        assertThat(m.get("body").asText()).isEqualTo("m101");
        assertThat(m.get("kind").asText()).isEqualTo("text");
    }

    @Test
    void history_before_returnsTheLatestLimitBelowIt() {
        JsonNode h = history(alice, "\"before\":21,\"limit\":5");
        assertThat(seqs(h.get("messages"))).isEqualTo(range(16, 20));
        assertThat(h.get("hasMore").asBoolean()).isTrue();
        JsonNode start = history(alice, "\"before\":6,\"limit\":5");
        assertThat(seqs(start.get("messages"))).isEqualTo(range(1, 5));
        assertThat(start.get("hasMore").asBoolean()).isFalse();
        JsonNode short_ = history(alice, "\"before\":4,\"limit\":5");
        assertThat(seqs(short_.get("messages"))).isEqualTo(range(1, 3));
        assertThat(short_.get("hasMore").asBoolean()).isFalse();
        JsonNode none = history(alice, "\"before\":1");
        assertThat(none.get("messages")).isEmpty();
        assertThat(none.get("hasMore").asBoolean()).isFalse();
    }

    @Test
    void history_after_returnsTheFirstLimitAboveIt() {
        JsonNode h = history(alice, "\"after\":10,\"limit\":5");
        assertThat(seqs(h.get("messages"))).isEqualTo(range(11, 15));
        assertThat(h.get("hasMore").asBoolean()).isTrue();
        JsonNode end = history(alice, "\"after\":145,\"limit\":5");
        assertThat(seqs(end.get("messages"))).isEqualTo(range(146, 150));
        assertThat(end.get("hasMore").asBoolean()).isFalse();
        JsonNode fromZero = history(alice, "\"after\":0,\"limit\":3");
        assertThat(seqs(fromZero.get("messages"))).isEqualTo(range(1, 3));
        assertThat(fromZero.get("hasMore").asBoolean()).isTrue();
        JsonNode past = history(alice, "\"after\":150");
        assertThat(past.get("messages")).isEmpty();
        assertThat(past.get("hasMore").asBoolean()).isFalse();
    }

    @Test
    void history_limit_isCappedAtHistoryLimit() {
        JsonNode h = history(alice, "\"limit\":1000");
        assertThat(seqs(h.get("messages"))).isEqualTo(range(51, 150));
        assertThat(h.get("hasMore").asBoolean()).isTrue();
        JsonNode after = history(alice, "\"after\":0,\"limit\":101");
        assertThat(seqs(after.get("messages"))).isEqualTo(range(1, 100));
        assertThat(after.get("hasMore").asBoolean()).isTrue();
    }

    @Test
    void history_withLimitExactlyWhatIsLeft_hasNoMore() {
        assertThat(history(alice, "\"before\":51,\"limit\":50").get("hasMore").asBoolean()).isFalse();
        assertThat(history(alice, "\"after\":100,\"limit\":50").get("hasMore").asBoolean()).isFalse();
        assertThat(history(alice, "\"before\":52,\"limit\":50").get("hasMore").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"limit\":0", "\"limit\":-1", "\"limit\":\"5\"", "\"limit\":2.5", "\"before\":-1",
        "\"after\":\"3\""})
    void history_withLimitBelowOneOrMistypedFields_isBadRequest(String fields) {
        assertError(history(alice, fields), "BAD_REQUEST");
    }

    @Test
    void history_withBothBeforeAndAfter_isBadRequest() {
        assertError(history(alice, "\"before\":20,\"after\":10"), "BAD_REQUEST");
    }

    @Test
    void history_ofAnUnknownRoom_isEmpty_withoutMore() {
        JsonNode h = alice.request("{\"type\":\"history\",\"room\":\"nowhere\"}");
        assertType(h, "history");
        assertThat(h.get("room").asText()).isEqualTo("nowhere");
        assertThat(h.get("messages")).isEmpty();
        assertThat(h.get("hasMore").asBoolean()).isFalse();
        assertThat(f.store.room("nowhere")).as("history creates nothing").isEmpty();
    }

    @Test
    void history_ofAnEmptyRoom_isEmpty_withoutMore() {
        f.joined("bob", "empty");
        JsonNode h = alice.request("{\"type\":\"history\",\"room\":\"empty\",\"before\":10}");
        assertThat(h.get("messages")).isEmpty();
        assertThat(h.get("hasMore").asBoolean()).isFalse();
    }

    @Test
    void history_worksWithoutJoin() {
        RecordingClient bob = f.client("bob");
        JsonNode h = history(bob, "\"limit\":2");
        assertThat(seqs(h.get("messages"))).containsExactly(149L, 150L);
    }

    @Test
    void history_ofAnotherUsersDirectRoom_isForbidden_andOfOnesOwnWorks() {
        RecordingClient bob = f.joined("bob", "dm:bob:carol");
        Wire.publishOk(bob, "dm:bob:carol", "secret");
        assertError(alice.request("{\"type\":\"history\",\"room\":\"dm:bob:carol\"}"), "FORBIDDEN");
        JsonNode carol = f.client("carol").request("{\"type\":\"history\",\"room\":\"dm:bob:carol\"}");
        assertThat(carol.get("messages")).hasSize(1);
    }

    @Test
    void history_carriesTheOptionalFieldsOfMessages() {
        RecordingClient bob = f.joined("bob", "x");
        Wire.publishFields(bob, "x", "\"body\":\"t\",\"cid\":\"c1\",\"meta\":{\"url\":\"https://a.example/\"}");
        Wire.publishFields(bob, "x", "\"body\":\"e\",\"kind\":\"edit\",\"target\":1");
        Wire.publishFields(bob, "x", "\"body\":\"r\",\"replyTo\":1");
        JsonNode h = bob.request("{\"type\":\"history\",\"room\":\"x\"}");
        JsonNode m = h.get("messages");
        assertThat(m.get(0).get("cid").asText()).isEqualTo("c1");
        assertThat(m.get(0).get("meta").get("url").asText()).isEqualTo("https://a.example/");
        assertThat(m.get(1).get("kind").asText()).isEqualTo("edit");
        assertThat(m.get(1).get("target").asLong()).isEqualTo(1);
        assertThat(m.get(1).has("cid")).isFalse();
        assertThat(m.get(2).get("replyTo").asLong()).isEqualTo(1);
    }
}
