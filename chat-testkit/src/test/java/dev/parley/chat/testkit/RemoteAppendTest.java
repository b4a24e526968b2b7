package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequencer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a cluster needs of the engine: appends made elsewhere reach this node's members, in order. */
@Timeout(30)
class RemoteAppendTest {

    @Test
    void appendsMadeByAnotherNode_areDeliveredFromTheStore_evenWhenNoticesComeTwiceOrOutOfOrder() {
        MessageStore shared = MessageStore.inMemory();
        AtomicReference<BiConsumer<String, Long>> notify = new AtomicReference<>();
        try (EngineFixture f = new EngineFixture(shared, b -> b.sequencer(store -> {
            Sequencer local = Sequencer.local(store, 100);
            return new Sequencer() {
                @Override
                public java.util.concurrent.CompletableFuture<dev.parley.chat.spi.Sequenced> append(Message draft) {
                    return local.append(draft);
                }

                @Override
                public void watch(BiConsumer<String, Long> headAdvanced) {
                    notify.set(headAdvanced);
                }
            };
        }))) {
            RecordingClient alice = f.client("alice");
            alice.join("shared");
            alice.publish("shared", "local one");
            // Another node appends seq 2 and 3 to the shared log and announces them, badly.
            for (long seq = 2; seq <= 3; seq++) {
                shared.append(new Message("shared", seq, "m-remote-" + seq, "bob", "remote " + seq, 1,
                        MessageKind.TEXT, null, 0, 0, null)).join();
            }
            notify.get().accept("shared", 3L);
            notify.get().accept("shared", 2L);
            notify.get().accept("shared", 3L);
            var messages = alice.awaitMessages("shared", 3, Duration.ofSeconds(10));
            assertThat(messages).extracting(m -> m.get("body").asText())
                    .containsExactly("local one", "remote 2", "remote 3");
            alice.assertNoMore();
        }
    }
}
