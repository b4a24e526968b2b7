package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.testkit.SwitchableStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client's bounds: a first connect that cannot succeed fails, a publish past its timeout fails. */
@Timeout(60)
class ClientFailsLoudlyTest {

    @Test
    void connect_whenNoAttemptEverOpens_failsAfterMaxConnectAttemptsOfConnectTimeout() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        // A connector whose connections never open, as behind a firewall that drops the SYN.
        ParleyClient client = ParleyClient.builder(listener -> {
                    attempts.incrementAndGet();
                    return new CompletableFuture<ClientConnection>();
                })
                .user("alice")
                .backoff(ClientFixture.FAST)
                .connectTimeout(Duration.ofMillis(200))
                .maxConnectAttempts(3)
                .build();
        try {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.connect().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ChatException.class)
                    .hasMessageContaining("could not connect: 3 attempts failed")
                    .hasMessageContaining("connect timeout (200 ms)");
            // 3 × 200 ms and the fast backoff; the bound is generous for a loaded machine.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(attempts).hasValue(3);
            assertThatThrownBy(() -> client.publish("general", "late")).isInstanceOf(IllegalStateException.class);
        } finally {
            client.close();
        }
    }

    @Test
    void publish_withTimeout_failsWhileTheStoreStaysDown_andLaterPublishesOfTheRoomGoOn() throws Exception {
        SwitchableStore store = new SwitchableStore();
        try (ClientFixture f = new ClientFixture(b -> b.store(store))) {
            ParleyClient client = f.track(f.builder("alice").publishTimeout(Duration.ofMillis(500)).build());
            client.join("general", new RoomListener() {});
            client.connect().get(10, TimeUnit.SECONDS);
            store.down = true;

            CompletableFuture<PublishedMessage> stuck = client.publish("general", "while the store is down");

            assertThatThrownBy(() -> stuck.get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(ChatException.class)
                    .hasMessageContaining("not acknowledged within the publish timeout (500 ms)")
                    .satisfies(e -> assertThat(((ChatException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
            store.down = false;
            PublishedMessage next = client.publish("general", "after the store is back").get(30, TimeUnit.SECONDS);
            assertThat(next.seq()).isEqualTo(1);
        }
    }
}
