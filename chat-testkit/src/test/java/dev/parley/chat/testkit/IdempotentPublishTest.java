package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.Message;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
    private static final class KeepOpen implements MessageStore {
        private final MessageStore delegate;

        KeepOpen(MessageStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<RoomInfo> room(String room) {
            return delegate.room(room);
        }

        @Override
        public Optional<RoomInfo> create(String room, String topic, long createdAt) {
            return delegate.create(room, topic, createdAt);
        }

        @Override
        public CompletableFuture<Void> append(Message message) {
            return delegate.append(message);
        }

        @Override
        public List<Message> readAfter(String room, long afterSeq, int limit) {
            return delegate.readAfter(room, afterSeq, limit);
        }

        @Override
        public List<Message> readBefore(String room, long beforeSeq, int limit) {
            return delegate.readBefore(room, beforeSeq, limit);
        }

        @Override
        public long readMarker(String room, String user) {
            return delegate.readMarker(room, user);
        }

        @Override
        public long moveReadMarker(String room, String user, long seq) {
            return delegate.moveReadMarker(room, user, seq);
        }

        @Override
        public List<RoomInfo> rooms() {
            return delegate.rooms();
        }

        @Override
        public void close() {}
    }
}
