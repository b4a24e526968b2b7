package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.spi.MessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class IdempotentPublishTest {
    private static final String PUBLISH = "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"once\",\"cid\":\"c-1\"}";

    @Test
    void sameCidTwice_appendsOnce_andAnswersDuplicate() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            alice.join("r");
            JsonNode first = alice.request(PUBLISH);
            JsonNode second = alice.request(PUBLISH.replace("once", "other body"));
            assertThat(first.get("duplicate").asBoolean()).isFalse();
            assertThat(second.get("duplicate").asBoolean()).isTrue();
            assertThat(second.get("seq")).isEqualTo(first.get("seq"));
            assertThat(second.get("id")).isEqualTo(first.get("id"));
            assertThat(second.get("ts")).isEqualTo(first.get("ts"));
            alice.assertNoMore();
            assertThat(alice.messages("r")).hasSize(1);
            assertThat(f.store.readAfter("r", 0, 10)).hasSize(1);
        }
    }

    @Test
    void sameCidAfterTheServerIsRebuiltOnTheSameStore_isStillADuplicate() {
        MessageStore shared = MessageStore.inMemory();
        JsonNode first;
        try (EngineFixture f = new EngineFixture(new KeepOpen(shared), b -> {})) {
            RecordingClient alice = f.client("alice");
            alice.join("r");
            alice.publish("r", "filler");
            first = alice.request(PUBLISH);
        }
        try (EngineFixture f = new EngineFixture(new KeepOpen(shared), b -> {})) {
            RecordingClient alice = f.client("alice");
            alice.join("r");
            JsonNode again = alice.request(PUBLISH);
            assertThat(again.get("duplicate").asBoolean()).isTrue();
            assertThat(again.get("seq")).isEqualTo(first.get("seq"));
            assertThat(again.get("id")).isEqualTo(first.get("id"));
            assertThat(shared.readAfter("r", 0, 10)).hasSize(2);
        }
    }

    /** The same store across two servers: each server closes its store, so this one ignores close. */
    private static final class KeepOpen extends ForwardingMessageStore {
        KeepOpen(MessageStore delegate) {
            super(delegate);
        }

        @Override
        public void close() {}
    }
}
