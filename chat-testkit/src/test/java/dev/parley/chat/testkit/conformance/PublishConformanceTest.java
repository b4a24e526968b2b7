package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.publish;
import static dev.parley.chat.testkit.conformance.Wire.publishFields;
import static dev.parley.chat.testkit.conformance.Wire.publishOk;
import static dev.parley.chat.testkit.conformance.Wire.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.testkit.RecordingClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL §4 {@code publish} and the message object, §5.6 idempotent publish, §9 "publish". */
@Timeout(30)
class PublishConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void published_andTheMessagePush_carryEveryField() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            JsonNode published = publishFields(alice, "r", "\"body\":\"hi\",\"cid\":\"a-1\"");
            assertType(published, "published");
            assertThat(published.get("room").asText()).isEqualTo("r");
            assertThat(published.get("seq").asLong()).isEqualTo(1);
            assertThat(published.get("id").isTextual()).isTrue();
            assertThat(published.get("ts").asLong()).isEqualTo(f.clock.millis());
            assertThat(published.get("duplicate").isBoolean()).isTrue();
            assertThat(published.get("duplicate").asBoolean()).isFalse();
            for (RecordingClient c : List.of(alice, bob)) {
                List<JsonNode> messages = c.awaitMessages("r", 1);
                assertThat(messages).hasSize(1);
                JsonNode m = messages.get(0);
                assertThat(m.has("ref")).isFalse();
                assertThat(m.get("seq").asLong()).isEqualTo(1);
                assertThat(m.get("id").asText()).isEqualTo(published.get("id").asText());
                assertThat(m.get("user").asText()).isEqualTo("alice");
                assertThat(m.get("body").asText()).isEqualTo("hi");
                assertThat(m.get("ts").asLong()).isEqualTo(published.get("ts").asLong());
                assertThat(m.get("kind").asText()).isEqualTo("text");
                assertThat(m.get("cid").asText()).isEqualTo("a-1");
                assertThat(m.has("target")).isFalse();
                assertThat(m.has("replyTo")).isFalse();
                assertThat(m.has("meta")).isFalse();
            }
        }
    }

    @Test
    void messageIds_areUnique_andSeqsHaveNoGap() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (int i = 1; i <= 10; i++) {
                JsonNode p = publishOk(alice, "r", "m" + i);
                assertThat(p.get("seq").asLong()).isEqualTo(i);
                ids.add(p.get("id").asText());
            }
            assertThat(ids).hasSize(10);
        }
    }

    @Test
    void author_isTheSessionUser_whateverTheFrameSays() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            assertType(publishFields(alice, "r", "\"body\":\"forged\",\"user\":\"bob\""), "published");
            assertThat(bob.awaitMessages("r", 1).get(0).get("user").asText()).isEqualTo("alice");
            JsonNode history = bob.request("{\"type\":\"history\",\"room\":\"r\"}");
            assertThat(history.get("messages").get(0).get("user").asText()).isEqualTo("alice");
            // Nor does a forged user let bob edit alice's message.
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1,\"user\":\"alice\""),
                    "FORBIDDEN");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\"body\":null", "\"body\":5", "\"body\":true", "\"body\":{}", "\"body\":[\"x\"]"})
    void body_missingOrNotAString_isBadRequest(String bodyField) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            String fields = bodyField.isEmpty() ? "\"cid\":\"c\"" : bodyField;
            assertError(publishFields(alice, "r", fields), "BAD_REQUEST");
            assertThat(f.store.readAfter("r", 0, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "edit"})
    void emptyBody_ofTextOrEdit_isBadRequest(String kind) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "original");
            String target = kind.equals("text") ? "" : ",\"target\":1";
            assertError(publishFields(alice, "r", "\"body\":\"\",\"kind\":" + q(kind) + target), "BAD_REQUEST");
        }
    }

    @Test
    void delete_withoutBody_isStoredWithAnEmptyBody() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "oops");
            assertType(publishFields(alice, "r", "\"kind\":\"delete\",\"target\":1"), "published");
            assertType(publishFields(alice, "r", "\"kind\":\"delete\",\"target\":1,\"body\":null"), "published");
            List<JsonNode> messages = alice.awaitMessages("r", 3);
            for (JsonNode delete : messages.subList(1, 3)) {
                assertThat(delete.get("kind").asText()).isEqualTo("delete");
                assertThat(delete.get("target").asLong()).isEqualTo(1);
                assertThat(delete.get("body").isTextual()).isTrue();
                assertThat(delete.get("body").asText()).isEmpty();
            }
        }
    }

    @Test
    void bodySize_isCountedInUtf8Bytes_theLimitPasses_andOneMoreIsTooLarge() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxBodyBytes(12))) {
            RecordingClient alice = f.joined("alice", "r");
            assertType(publish(alice, "r", "a".repeat(12)), "published");
            assertError(publish(alice, "r", "a".repeat(13)), "MESSAGE_TOO_LARGE");
            assertType(publish(alice, "r", "é".repeat(6)), "published");          // 12 bytes, 6 chars
            assertError(publish(alice, "r", "é".repeat(6) + "a"), "MESSAGE_TOO_LARGE");
            assertType(publish(alice, "r", "€".repeat(4)), "published");          // 12 bytes
            assertError(publish(alice, "r", "€".repeat(4) + "a"), "MESSAGE_TOO_LARGE");
            assertType(publish(alice, "r", "😀".repeat(3)), "published");         // 12 bytes, 6 UTF-16 units
            assertError(publish(alice, "r", "😀".repeat(3) + "a"), "MESSAGE_TOO_LARGE");
            assertThat("😀".repeat(3).getBytes(StandardCharsets.UTF_8)).hasSize(12);
        }
    }

    @Test
    void bodySize_defaultLimitIs4096Bytes() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertType(publish(alice, "r", "x".repeat(4096)), "published");
            assertError(publish(alice, "r", "x".repeat(4097)), "MESSAGE_TOO_LARGE");
            assertError(publish(alice, "r", "ж".repeat(2049)), "MESSAGE_TOO_LARGE");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"react", "unreact"})
    void reactionEmoji_isAtMost32Bytes(String kind) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "text");
            assertType(publishFields(alice, "r", "\"kind\":" + q(kind) + ",\"target\":1,\"body\":" + q("😀".repeat(8))),
                    "published");
            assertError(publishFields(alice, "r", "\"kind\":" + q(kind) + ",\"target\":1,\"body\":" + q("😀".repeat(8) + "a")),
                    "MESSAGE_TOO_LARGE");
            assertError(publishFields(alice, "r", "\"kind\":" + q(kind) + ",\"target\":1,\"body\":" + q("x".repeat(33))),
                    "MESSAGE_TOO_LARGE");
        }
    }

    @Test
    void meta_ofExactly2KiB_passes_andOneByteMoreIsTooLarge_measuredCompactInUtf8() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            // {"x":"…"} is 8 bytes plus the string.
            assertType(publishFields(alice, "r", "\"body\":\"b\",\"meta\":{\"x\":" + q("a".repeat(2040)) + "}"), "published");
            assertError(publishFields(alice, "r", "\"body\":\"b\",\"meta\":{\"x\":" + q("a".repeat(2041)) + "}"),
                    "MESSAGE_TOO_LARGE");
            // Whitespace in the frame is not counted: the compact form is measured.
            assertType(publishFields(alice, "r", "\"body\":\"b\",\"meta\":  {  \"x\"  :  " + q("a".repeat(2040)) + "  }"),
                    "published");
            // Multi-byte characters count in UTF-8 bytes.
            assertType(publishFields(alice, "r", "\"body\":\"b\",\"meta\":{\"x\":" + q("é".repeat(1020)) + "}"), "published");
            assertError(publishFields(alice, "r", "\"body\":\"b\",\"meta\":{\"x\":" + q("é".repeat(1020) + "a") + "}"),
                    "MESSAGE_TOO_LARGE");
        }
    }

    @Test
    void meta_isDeliveredAsTheSameObject() throws Exception {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            String meta = "{\"url\":\"https://files.example/a.png\",\"name\":\"a.png\",\"size\":1234,"
                    + "\"nested\":{\"list\":[1,\"two\",{\"url\":\"http://x.example/\"}],\"flag\":false}}";
            assertType(publishFields(alice, "r", "\"body\":\"file\",\"meta\":" + meta), "published");
            JsonNode m = alice.awaitMessages("r", 1).get(0);
            assertThat(m.get("meta")).isEqualTo(JSON.readTree(meta));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"meta\":\"text\"", "\"meta\":[1]", "\"meta\":5", "\"meta\":true"})
    void meta_notAnObject_isBadRequest(String metaField) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertError(publishFields(alice, "r", "\"body\":\"b\"," + metaField), "BAD_REQUEST");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"url\":\"ftp://files.example/a\"}",
        "{\"url\":\"javascript:alert(1)\"}",
        "{\"url\":\"file:///etc/passwd\"}",
        "{\"url\":\"data:text/html,x\"}",
        "{\"url\":\"//no-scheme.example/\"}",
        "{\"url\":\"\"}",
        "{\"url\":5}",
        "{\"file\":{\"url\":\"javascript:alert(1)\"}}",
        "{\"files\":[{\"url\":\"https://ok.example/\"},{\"url\":\"file:///etc/passwd\"}]}",
        "{\"a\":[[{\"b\":{\"url\":\"mailto:x@example.com\"}}]]}",
    })
    void meta_url_notHttpOrHttps_anywhere_isBadRequest(String meta) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertError(publishFields(alice, "r", "\"body\":\"b\",\"meta\":" + meta), "BAD_REQUEST");
            assertThat(f.store.readAfter("r", 0, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"url\":\"http://files.example/a\"}",
        "{\"url\":\"https://files.example/a?b=c#d\"}",
        "{\"files\":[{\"url\":\"https://a.example/\"},{\"url\":\"http://b.example:8080/x\"}]}",
        "{\"link\":\"ftp://not-named-url.example/\"}",
    })
    void meta_url_httpOrHttps_passes(String meta) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertType(publishFields(alice, "r", "\"body\":\"b\",\"meta\":" + meta), "published");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edit", "delete", "react", "unreact"})
    void target_isRequired_onEditDeleteReactUnreact(String kind) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "original");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind)), "BAD_REQUEST");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":null"), "BAD_REQUEST");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":\"1\""), "BAD_REQUEST");
        }
    }

    @Test
    void target_isRefused_onText() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "original");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"target\":1"), "BAD_REQUEST");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":\"text\",\"target\":1"), "BAD_REQUEST");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edit", "delete", "react", "unreact"})
    void target_thatNamesNoMessage_isNotFound(String kind) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "original");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":2"), "NOT_FOUND");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":999"), "NOT_FOUND");
        }
    }

    @Test
    void target_thatNamesANonTextMessage_isNotFound() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "original");
            assertType(publishFields(alice, "r", "\"body\":\"edited\",\"kind\":\"edit\",\"target\":1"), "published");
            assertType(publishFields(alice, "r", "\"body\":\"👍\",\"kind\":\"react\",\"target\":1"), "published");
            for (String kind : List.of("edit", "delete", "react", "unreact")) {
                assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":2"), "NOT_FOUND");
                assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":3"), "NOT_FOUND");
            }
        }
    }

    @Test
    void target_ofAnotherRoom_isNotFound() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "a");
            alice.join("b");
            publishOk(alice, "a", "in a");
            assertError(publishFields(alice, "b", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1"), "NOT_FOUND");
        }
    }

    @Test
    void edit_andDelete_byAnotherUser_areForbidden_reactAndUnreactAreAllowed() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            publishOk(alice, "r", "alice's");
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1"), "FORBIDDEN");
            assertError(publishFields(bob, "r", "\"kind\":\"delete\",\"target\":1"), "FORBIDDEN");
            assertType(publishFields(bob, "r", "\"body\":\"👍\",\"kind\":\"react\",\"target\":1"), "published");
            assertType(publishFields(bob, "r", "\"body\":\"👍\",\"kind\":\"unreact\",\"target\":1"), "published");
            // The author herself may edit and delete.
            assertType(publishFields(alice, "r", "\"body\":\"edited\",\"kind\":\"edit\",\"target\":1"), "published");
            assertType(publishFields(alice, "r", "\"kind\":\"delete\",\"target\":1"), "published");
            List<JsonNode> messages = bob.awaitMessages("r", 5);
            assertThat(messages).extracting(m -> m.get("kind").asText())
                    .containsExactly("text", "react", "unreact", "edit", "delete");
            assertThat(messages.get(1).get("target").asLong()).isEqualTo(1);
            assertThat(messages.get(1).get("user").asText()).isEqualTo("bob");
            assertThat(messages.get(1).get("body").asText()).isEqualTo("👍");
        }
    }

    @Test
    void edit_ofAnotherUsersMessage_fromAnotherConnectionOfTheAuthor_isAllowed() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "from the phone");
            RecordingClient laptop = f.joined("alice", "r");
            assertType(publishFields(laptop, "r", "\"body\":\"fixed\",\"kind\":\"edit\",\"target\":1"), "published");
        }
    }

    @Test
    void replyTo_onText_threadsUnderAnyMessageOfTheRoom() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "question");
            assertType(publishFields(alice, "r", "\"body\":\"👍\",\"kind\":\"react\",\"target\":1"), "published");
            assertType(publishFields(alice, "r", "\"body\":\"answer\",\"replyTo\":1"), "published");
            assertType(publishFields(alice, "r", "\"body\":\"to the reaction\",\"kind\":\"text\",\"replyTo\":2"), "published");
            List<JsonNode> messages = alice.awaitMessages("r", 4);
            assertThat(messages.get(2).get("replyTo").asLong()).isEqualTo(1);
            assertThat(messages.get(3).get("replyTo").asLong()).isEqualTo(2);
        }
    }

    @Test
    void replyTo_thatNamesNoMessage_isNotFound() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "first");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"replyTo\":2"), "NOT_FOUND");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"replyTo\":12345"), "NOT_FOUND");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edit", "react", "unreact", "delete"})
    void replyTo_onOtherKinds_isBadRequest(String kind) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "first");
            publishOk(alice, "r", "second");
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"kind\":" + q(kind) + ",\"target\":1,\"replyTo\":2"),
                    "BAD_REQUEST");
        }
    }

    @Test
    void sameCid_sameUserSameRoom_isADuplicate_withTheOriginalSeqIdTs_andNoSecondPush() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            JsonNode first = publishFields(alice, "r", "\"body\":\"once\",\"cid\":\"c-1\"");
            publishOk(alice, "r", "between");
            f.clock.advance(java.time.Duration.ofSeconds(5));
            JsonNode again = publishFields(alice, "r", "\"body\":\"another body\",\"cid\":\"c-1\"");
            assertType(again, "published");
            assertThat(again.get("duplicate").asBoolean()).isTrue();
            assertThat(again.get("seq")).isEqualTo(first.get("seq"));
            assertThat(again.get("id")).isEqualTo(first.get("id"));
            assertThat(again.get("ts")).isEqualTo(first.get("ts"));
            assertThat(again.get("room").asText()).isEqualTo("r");
            Wire.barrier(bob, "r");
            Wire.barrier(alice, "r");
            assertThat(bob.messages("r")).hasSize(2);
            assertThat(alice.messages("r")).hasSize(2);
            assertThat(f.store.readAfter("r", 0, 10)).hasSize(2);
        }
    }

    @Test
    void sameCid_fromAnotherConnectionOfTheSameUser_isADuplicate() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            JsonNode first = publishFields(alice, "r", "\"body\":\"once\",\"cid\":\"c-1\"");
            alice.drop();
            RecordingClient again = f.joined("alice", "r");
            JsonNode retry = publishFields(again, "r", "\"body\":\"once\",\"cid\":\"c-1\"");
            assertThat(retry.get("duplicate").asBoolean()).isTrue();
            assertThat(retry.get("seq")).isEqualTo(first.get("seq"));
        }
    }

    @Test
    void sameCid_fromAnotherUser_orInAnotherRoom_isANewMessage() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            alice.join("s");
            RecordingClient bob = f.joined("bob", "r");
            JsonNode a = publishFields(alice, "r", "\"body\":\"a\",\"cid\":\"same\"");
            JsonNode b = publishFields(bob, "r", "\"body\":\"b\",\"cid\":\"same\"");
            JsonNode s = publishFields(alice, "s", "\"body\":\"s\",\"cid\":\"same\"");
            assertThat(b.get("duplicate").asBoolean()).isFalse();
            assertThat(b.get("seq").asLong()).isEqualTo(a.get("seq").asLong() + 1);
            assertThat(s.get("duplicate").asBoolean()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "tab\there", "é", "\u007f",
        "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"})
    void invalidCid_isBadRequest(String cid) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertError(publishFields(alice, "r", "\"body\":\"b\",\"cid\":" + q(cid)), "BAD_REQUEST");
            assertThat(f.store.readAfter("r", 0, 10)).isEmpty();
        }
    }

    @Test
    void cid_isNotAString_isBadRequest() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertError(publishFields(alice, "r", "\"body\":\"b\",\"cid\":17"), "BAD_REQUEST");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"!", "~", "a-b_c.d:e/f", "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"})
    void validCid_ofPrintableAsciiUpTo64_isAccepted(String cid) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertThat(cid.length()).isLessThanOrEqualTo(64);
            JsonNode p = publishFields(alice, "r", "\"body\":\"b\",\"cid\":" + q(cid));
            assertType(p, "published");
            assertThat(alice.awaitMessages("r", 1).get(0).get("cid").asText()).isEqualTo(cid);
        }
    }

    @Test
    void publish_withoutJoin_isNotInRoom_andDoesNotRecordItsCid() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            assertError(publishFields(alice, "r", "\"body\":\"early\",\"cid\":\"c-9\""), "NOT_IN_ROOM");
            alice.join("r");
            JsonNode p = publishFields(alice, "r", "\"body\":\"now\",\"cid\":\"c-9\"");
            assertThat(p.get("duplicate").asBoolean()).isFalse();
            assertThat(p.get("seq").asLong()).isEqualTo(1);
        }
    }

    @Test
    void refusedPublish_doesNotRecordItsCid() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            publishOk(alice, "r", "alice's");
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1,\"cid\":\"k\""), "FORBIDDEN");
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"react\",\"target\":9,\"cid\":\"k\""), "NOT_FOUND");
            JsonNode p = publishFields(bob, "r", "\"body\":\"mine\",\"cid\":\"k\"");
            assertThat(p.get("duplicate").asBoolean()).isFalse();
            assertThat(p.get("seq").asLong()).isEqualTo(2);
        }
    }

    @Test
    void everyMember_theAuthorIncluded_getsEachMessageOnce_inSeqOrder() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(1000))) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient bob2 = f.joined("bob", "r");
            for (int i = 0; i < 30; i++) {
                (i % 2 == 0 ? alice : bob).send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"m" + i + "\"}");
            }
            for (RecordingClient c : List.of(alice, bob, bob2)) {
                List<JsonNode> messages = c.awaitMessages("r", 30);
                Wire.barrier(c, "r");
                assertThat(Wire.seqs(JoinConformanceTest.toArray(c.messages("r")))).isEqualTo(Wire.range(1, 30));
            }
        }
    }
    @Test
    void editPipelinedRightAfterItsTarget_withoutWaiting_findsTheTarget() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> b.executor(gate))) {
            RecordingClient alice = f.joined("alice", "r");
            gate.hold();
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"typo\",\"ref\":\"p1\"}");
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"fixed\",\"kind\":\"edit\",\"target\":1,\"ref\":\"p2\"}");
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"re\",\"replyTo\":1,\"ref\":\"p3\"}");
            gate.release();
            for (String ref : List.of("p1", "p2", "p3")) {
                JsonNode reply = alice.await(fr -> ref.equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, ref);
                assertType(reply, "published");
            }
        }
    }
    @Test
    void publishPipelinedBeforeLeave_isStillPushedToItsAuthor() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> b.executor(gate))) {
            RecordingClient alice = f.joined("alice", "r");
            gate.hold();
            alice.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"bye all\",\"ref\":\"p\"}");
            alice.send("{\"type\":\"leave\",\"room\":\"r\",\"ref\":\"l\"}");
            gate.release();
            alice.await(fr -> "l".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "left");
            org.awaitility.Awaitility.await().atMost(RecordingClient.DEFAULT_TIMEOUT)
                    .until(() -> alice.all().stream().anyMatch(fr -> "p".equals(fr.path("ref").asText())));
            assertThat(alice.messages("r")).as("the author's own message, published while it was a member").hasSize(1);
        }
    }
}
