package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.client.ClientListener;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.Welcome;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.testkit.MutableClock;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client sends a fresh token from its supplier in a later {@code hello} before the server's
 * {@code welcome} says its token expires, so the connection outlives the first token. The
 * server's clock is a {@link MutableClock}; the client's refresh runs on real time (half of a
 * 3 s token's life).
 */
@Timeout(60)
class ClientTokenRefreshTest {
    private static final Duration TOKEN_LIFE = Duration.ofSeconds(3);

    /** Token {@code tN} of user alice expires N token lives after the clock's start. */
    private static final class NumberedTokens implements Authenticator {
        final Instant start;
        final List<String> seen = new CopyOnWriteArrayList<>();

        NumberedTokens(Instant start) {
            this.start = start;
        }

        @Override
        public String authenticate(Credentials credentials) {
            return identify(credentials).user();
        }

        @Override
        public Identity identify(Credentials credentials) {
            String token = credentials.anyToken();
            if (token == null || !token.startsWith("t")) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "no token");
            }
            seen.add(token);
            long n = Long.parseLong(token.substring(1));
            return new Identity("alice", start.plus(TOKEN_LIFE.multipliedBy(n)), Map.of());
        }
    }

    @Test
    void tokenSupplier_isAskedAgainBeforeExpiry_andTheConnectionOutlivesTheFirstToken() throws Exception {
        MutableClock clock = new MutableClock();
        NumberedTokens tokens = new NumberedTokens(clock.instant());
        List<String> events = new CopyOnWriteArrayList<>();
        try (ClientFixture f = new ClientFixture(b -> b.clock(clock).authenticator(tokens))) {
            AtomicInteger issued = new AtomicInteger();
            ParleyClient alice = f.track(ParleyClient.builder(f.connector)
                    .tokenSupplier(() -> "t" + issued.incrementAndGet())
                    .maxReconnectAttempts(0) // any lost connection would fail what follows
                    .listener(new ClientListener() {
                        @Override
                        public void onConnected(Welcome welcome) {
                            events.add("connected");
                        }

                        @Override
                        public void onDisconnected(int code, String reason) {
                            events.add("disconnected " + code);
                        }
                    })
                    .build());
            alice.connect().get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(15)).until(() -> tokens.seen.contains("t2"));
            // A witness whose t1 is not refreshed: its bye shows the timers due at t1's expiry ran.
            RecordingClient witness = f.transport.connect();
            witness.send("{\"type\":\"hello\",\"v\":1,\"token\":\"t1\"}");
            witness.awaitType("welcome");
            clock.advance(TOKEN_LIFE.plusSeconds(1));
            assertThat(witness.awaitType("bye").get("code").asText()).isEqualTo("TOKEN_EXPIRED");
            witness.awaitClosed(1008);

            assertThat(alice.rooms().get(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(alice.isConnected()).isTrue();
            assertThat(events).containsExactly("connected");
        }
    }
}
