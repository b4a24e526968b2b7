package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.client.ClientConnector;
import dev.parley.chat.client.ClientListener;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.client.Welcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client notices a server that stopped answering without closing anything, and reconnects. */
@Timeout(60)
class ClientLivenessTest {

    @Test
    void frozenServer_isNoticedWithinAboutTwoPingIntervals_andTheClientReconnects() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            Freezer freezer = new Freezer(f.connector);
            AtomicInteger connected = new AtomicInteger();
            AtomicLong disconnectedAtNanos = new AtomicLong();
            Duration pingInterval = Duration.ofMillis(200);
            ParleyClient client = f.track(ParleyClient.builder(freezer)
                    .user("alice")
                    .backoff(ClientFixture.FAST)
                    .pingInterval(pingInterval)
                    .listener(new ClientListener() {
                        @Override
                        public void onConnected(Welcome welcome) {
                            connected.incrementAndGet();
                        }

                        @Override
                        public void onDisconnected(int code, String reason) {
                            disconnectedAtNanos.compareAndSet(0, System.nanoTime());
                        }
                    })
                    .build());
            client.connect().get(10, TimeUnit.SECONDS);
            client.join("general", new RoomListener() {}).joined().get(10, TimeUnit.SECONDS);

            // The current connection stops forwarding both ways, like a SIGSTOPped server: its
            // socket stays open and nothing is ever closed.
            long frozeAtNanos = System.nanoTime();
            freezer.freezeCurrent();

            await().atMost(Duration.ofSeconds(30)).until(() -> disconnectedAtNanos.get() != 0);
            Duration noticedAfter = Duration.ofNanos(disconnectedAtNanos.get() - frozeAtNanos);
            // About two intervals (400 ms); the bound is generous for a loaded 2-core machine, and
            // far below the 2 × 25 s the server's heartbeat alone would take.
            assertThat(noticedAfter).isLessThan(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(30)).until(() -> connected.get() == 2);
            assertThat(client.publish("general", "after the freeze").get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
        }
    }

    /** A proxy of a connector whose current connection can be frozen: it then forwards nothing. */
    private static final class Freezer implements ClientConnector {
        private final ClientConnector inner;
        private volatile AtomicBoolean current = new AtomicBoolean();

        Freezer(ClientConnector inner) {
            this.inner = inner;
        }

        void freezeCurrent() {
            current.set(true);
        }

        @Override
        public CompletableFuture<ClientConnection> connect(ClientConnection.Listener listener) {
            AtomicBoolean frozen = new AtomicBoolean();
            current = frozen;
            return inner.connect(new ClientConnection.Listener() {
                @Override
                public void onText(String text) {
                    if (!frozen.get()) {
                        listener.onText(text);
                    }
                }

                @Override
                public void onClosed(int code, String reason) {
                    listener.onClosed(code, reason);
                }
            }).thenApply(c -> new ClientConnection() {
                @Override
                public void send(String text) {
                    if (!frozen.get()) {
                        c.send(text);
                    }
                }

                @Override
                public void close(int code, String reason) {
                    // Closing a frozen connection reaches the client's side at once, as a local
                    // close of a socket does; the frozen server never hears of it.
                    c.close(code, reason);
                }
            });
        }
    }
}
