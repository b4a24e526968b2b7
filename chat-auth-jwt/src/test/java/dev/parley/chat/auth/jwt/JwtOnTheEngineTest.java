package dev.parley.chat.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.MutableClock;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JWT authenticator in a server, on the in-JVM transport, with one clock for both: an
 * expired token ends the connection, a fresh one in a later hello keeps it, and the {@code rooms}
 * claim reaches the room policy.
 */
@Timeout(30)
class JwtOnTheEngineTest {
    private final MutableClock clock = new MutableClock();
    private final Instant start = clock.instant();
    private final InMemoryTransport transport = new InMemoryTransport();

    /** Only the rooms the token's {@code rooms} claim lists. */
    private static final Authorizer ROOMS_CLAIM = new Authorizer() {
        @Override
        public boolean mayRead(String user, String room) {
            return false; // every check of this server passes an Identity
        }

        @Override
        public boolean mayRead(Identity who, String room) {
            return who.claim("rooms").contains(room);
        }

        @Override
        public boolean mayJoin(Identity who, String room) {
            return mayRead(who, room);
        }

        @Override
        public boolean mayPublish(Identity who, String room) {
            return mayRead(who, room);
        }

        @Override
        public boolean mayCreate(Identity who, String room) {
            return mayRead(who, room);
        }
    };

    private final ChatServer server = ChatServer.builder()
            .clock(clock)
            .authenticator(JwtAuthenticator.builder().hmacSecret(Tokens.SECRET).clock(clock).clockSkew(Duration.ZERO).build())
            .authorizer(ROOMS_CLAIM)
            .build();

    {
        server.start(transport);
    }

    @AfterEach
    void close() {
        server.close();
    }

    private String token(String user, Duration life) {
        return Tokens.hs256(Tokens.SECRET, Tokens.claims(user, start.plus(life), b -> b.claim("rooms", List.of("team-a"))));
    }

    private static JsonNode hello(RecordingClient c, String token) {
        return c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"" + token + "\"}");
    }

    @Test
    void roomsClaim_reachesTheAuthorizer() {
        RecordingClient c = transport.connect();
        assertThat(hello(c, token("alice", Duration.ofMinutes(5))).get("type").asText()).isEqualTo("welcome");
        assertThat(c.join("team-a").get("type").asText()).isEqualTo("joined");
        JsonNode refused = c.join("team-b");
        assertThat(refused.get("code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void tokenLeftToExpire_endsWithByeTokenExpired_andFreshOneKeepsTheConnection() {
        RecordingClient stale = transport.connect();
        RecordingClient fresh = transport.connect();
        // bob's first watch is older than alice's: once alice has her bye, bob's has been looked at.
        hello(fresh, token("bob", Duration.ofSeconds(10)));
        assertThat(hello(stale, token("alice", Duration.ofSeconds(10))).get("tokenExpiresInMs").asLong()).isEqualTo(10_000);
        assertThat(hello(fresh, token("bob", Duration.ofSeconds(60))).get("type").asText()).isEqualTo("welcome");

        clock.advance(Duration.ofSeconds(11));

        assertThat(stale.awaitType("bye").get("code").asText()).isEqualTo("TOKEN_EXPIRED");
        stale.awaitClosed(1008);
        assertThat(fresh.request("{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");
        assertThat(fresh.closeCode()).isEqualTo(-1);
    }

    @Test
    void expiredTokenInHello_isUnauthenticated_andCloses1008() {
        clock.advance(Duration.ofSeconds(20));
        RecordingClient c = transport.connect();
        JsonNode error = hello(c, token("alice", Duration.ofSeconds(10)));
        assertThat(error.get("code").asText()).isEqualTo("UNAUTHENTICATED");
        c.awaitClosed(1008);
    }
}
