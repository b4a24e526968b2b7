package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.StoreException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a user's store throws reaches clients and callers as a store failure, not as a bug of ours. */
@Timeout(30)
class StoreFailuresTest {

    @Test
    void append_thatThrowsInsteadOfFailingItsFuture_isAnsweredUnavailable_andTheRoomGoesOnWithoutAGap() {
        SwitchableStore store = new SwitchableStore();
        try (EngineFixture f = new EngineFixture(store, b -> {})) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            store.down = true;
            store.throwing = true;

            JsonNode refused = alice.publish("general", "while the store throws");

            assertThat(refused.get("type").asText()).as(refused.toString()).isEqualTo("error");
            assertThat(refused.get("code").asText()).as(refused.toString()).isEqualTo("UNAVAILABLE");
            store.down = false;
            JsonNode stored = alice.publish("general", "once the store is back");
            assertThat(stored.get("type").asText()).as(stored.toString()).isEqualTo("published");
            assertThat(stored.get("seq").asLong()).as("the failed append left no gap").isEqualTo(1);
        }
    }

    @Test
    void roomHistory_whenTheStoreThrows_throwsStoreException_withTheStoresException() {
        SwitchableStore store = new SwitchableStore();
        try (EngineFixture f = new EngineFixture(store, b -> {})) {
            f.server.room("general").publish("bot", "hello").join();
            store.readsThrow = true;

            assertThatThrownBy(() -> f.server.room("general").history(Long.MAX_VALUE, 10))
                    .isInstanceOf(StoreException.class)
                    .hasCauseInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot read (planted)");
        }
    }
}
