package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.testkit.MutableClock;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PROTOCOL §9 "hello" and "Liveness and closing": credentials that expire end the connection
 * with {@code bye TOKEN_EXPIRED} and 1008, unless a later {@code hello} brought fresh ones first.
 * The server's clock is a {@link MutableClock}, so nothing waits for real time.
 */
@Timeout(30)
class TokenExpiryConformanceTest {
    /** Where every {@link MutableClock} starts. */
    private static final Instant START = new MutableClock().instant();

    /**
     * Tokens {@code USER@SECONDS} expire that many seconds after {@link #START}; {@code USER}
     * alone never expires.
     */
    private static final Authenticator EXPIRING_TOKENS = new Authenticator() {
        @Override
        public String authenticate(Credentials credentials) {
            return identify(credentials).user();
        }

        @Override
        public Identity identify(Credentials credentials) {
            String token = credentials.anyToken();
            if (token == null) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "no token");
            }
            int at = token.indexOf('@');
            if (at < 0) {
                return Identity.of(token);
            }
            Instant expiresAt = START.plusSeconds(Long.parseLong(token.substring(at + 1)));
            return new Identity(token.substring(0, at), expiresAt, Map.of());
        }
    };

    private static JsonNode hello(RecordingClient c, String token) {
        return c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"" + token + "\"}");
    }

    @Test
    void tokenLeftToExpire_getsByeTokenExpired_thenClose1008() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(EXPIRING_TOKENS))) {
            RecordingClient c = f.connect();
            JsonNode welcome = assertType(hello(c, "alice@10"), "welcome");
            assertThat(welcome.get("tokenExpiresInMs").asLong()).isEqualTo(10_000);

            f.advanceAndSettle(Duration.ofSeconds(10));

            JsonNode bye = c.awaitType("bye");
            assertThat(bye.get("code").asText()).isEqualTo("TOKEN_EXPIRED");
            assertThat(bye.get("message").isTextual()).isTrue();
            c.awaitClosed(1008);
        }
    }

    @Test
    void freshTokenInALaterHello_keepsTheConnectionPastTheFirstExpiry_untilItsOwn() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(EXPIRING_TOKENS))) {
            RecordingClient c = f.connect();
            assertType(hello(c, "alice@10"), "welcome");
            assertType(c.join("room"), "joined");
            JsonNode again = assertType(hello(c, "alice@30"), "welcome");
            assertThat(again.get("tokenExpiresInMs").asLong()).isEqualTo(30_000);

            f.advanceAndSettle(Duration.ofSeconds(15));
            assertType(c.request("{\"type\":\"ping\"}"), "pong");
            assertThat(c.publish("room", "still here").get("type").asText()).isEqualTo("published");

            f.advanceAndSettle(Duration.ofSeconds(15));
            assertThat(c.awaitType("bye").get("code").asText()).isEqualTo("TOKEN_EXPIRED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void longLivedToken_endsTheConnectionAtItsExpiry_notBefore() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(EXPIRING_TOKENS))) {
            RecordingClient c = f.connect();
            assertType(hello(c, "alice@7200"), "welcome");

            f.advanceAndSettle(Duration.ofMinutes(30));
            f.advanceAndSettle(Duration.ofMinutes(60));
            assertType(c.request("{\"type\":\"ping\"}"), "pong");

            f.advanceAndSettle(Duration.ofMinutes(30));
            assertThat(c.awaitType("bye").get("code").asText()).isEqualTo("TOKEN_EXPIRED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void laterHelloWithATokenThatNeverExpires_endsTheWatch() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(EXPIRING_TOKENS))) {
            RecordingClient c = f.connect();
            assertType(hello(c, "alice@10"), "welcome");
            JsonNode again = assertType(hello(c, "alice"), "welcome");
            assertThat(again.has("tokenExpiresInMs")).isFalse();

            f.advanceAndSettle(Duration.ofSeconds(20));

            assertType(c.request("{\"type\":\"ping\"}"), "pong");
        }
    }

    @Test
    void credentialsThatDoNotExpire_welcomeWithoutTokenExpiresInMs() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            assertThat(f.connect().hello("alice").has("tokenExpiresInMs")).isFalse();
        }
    }

    @Test
    void refreshingHelloWithATokenOfAnotherUser_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(EXPIRING_TOKENS))) {
            RecordingClient c = f.connect();
            assertType(hello(c, "alice@10"), "welcome");
            assertThat(assertType(hello(c, "bob@30"), "error").get("code").asText()).isEqualTo("UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }
}
