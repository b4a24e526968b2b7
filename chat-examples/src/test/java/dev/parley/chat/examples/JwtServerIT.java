package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.parley.chat.client.ClientListener;
import dev.parley.chat.client.MessageDraft;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.client.Welcome;
import dev.parley.chat.transport.websocket.WebSocketClientConnector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed tokens against the packaged server ({@code --auth jwt --jwt-secret-file F}), over
 * WebSocket, black-box: what is refused, what works, and how a token's expiry ends or does not
 * end a connection. The server's clock is real, so the expiring tokens live a few seconds.
 */
@Timeout(120)
class JwtServerIT {
    private static final String ISSUER = "parley-it";
    private static final String AUDIENCE = "chat";
    private static final byte[] SECRET = "it-secret-0123456789abcdef0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SECRET = "another-secret-0123456789abcdef012345".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;

    private static Path secretFile;
    private static ServerProcess server;
    private static final List<JdkWebSocketClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        secretFile = dir.resolve("jwt-secret");
        Files.write(secretFile, (new String(SECRET, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8));
        server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--store", "memory",
                "--auth", "jwt", "--jwt-secret-file", secretFile.toString(), "--jwt-issuer", ISSUER,
                "--jwt-audience", AUDIENCE, "--jwt-clock-skew-seconds", "0");
    }

    @AfterAll
    static void stopServer() throws Exception {
        clients.forEach(JdkWebSocketClient::close);
        assertThat(server.terminate()).isZero();
        server.close();
    }

    private static JdkWebSocketClient connect() {
        JdkWebSocketClient c = server.connect();
        clients.add(c);
        return c;
    }

    /** A token as the server's issuer would make it, valid for {@code ttl} from now. */
    private static String token(byte[] secret, String user, Duration ttl, String issuer, String audience) {
        try {
            return TokenCommand.mint(secret, user, ttl, issuer, audience, List.of(), Clock.systemUTC());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token(String user, Duration ttl) {
        return token(SECRET, user, ttl, ISSUER, AUDIENCE);
    }

    private static JsonNode hello(JdkWebSocketClient c, String token) {
        return c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"" + token + "\"}");
    }

    private static void assertRefused(String token) {
        JdkWebSocketClient c = connect();
        JsonNode reply = hello(c, token);
        assertThat(reply.get("type").asText()).as(reply.toString()).isEqualTo("error");
        assertThat(reply.get("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(c.awaitClosed()).isEqualTo(1008);
    }

    @Test
    void goodToken_isWelcomedAsItsSub_andWorks() {
        JdkWebSocketClient c = connect();
        JsonNode welcome = hello(c, token("alice", Duration.ofMinutes(5)));
        assertThat(welcome.get("type").asText()).isEqualTo("welcome");
        assertThat(welcome.get("user").asText()).isEqualTo("alice");
        assertThat(welcome.get("tokenExpiresInMs").asLong()).isBetween(1L, 300_000L);
        assertThat(c.request("{\"type\":\"join\",\"room\":\"jwt-good\"}").get("type").asText()).isEqualTo("joined");
        JsonNode published = c.request("{\"type\":\"publish\",\"room\":\"jwt-good\",\"body\":\"hi\"}");
        assertThat(published.get("type").asText()).isEqualTo("published");
    }

    @Test
    void forgedToken_isUnauthenticated_andCloses1008() {
        String[] parts = token("alice", Duration.ofMinutes(5)).split("\\.");
        String mallory = Base64URL.encode(new String(Base64URL.from(parts[1]).decode(), StandardCharsets.UTF_8)
                .replace("\"alice\"", "\"mallory\"")).toString();
        assertRefused(parts[0] + "." + mallory + "." + parts[2]);
        String unsigned = Base64URL.encode("{\"alg\":\"none\"}") + "." + parts[1] + ".";
        assertRefused(unsigned);
        assertRefused("not-a-token");
    }

    @Test
    void expiredToken_isUnauthenticated_andCloses1008() {
        assertRefused(token(SECRET, "alice", Duration.ofSeconds(-30), ISSUER, AUDIENCE));
    }

    @Test
    void tokenNotYetValid_isUnauthenticated_andCloses1008() throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience(AUDIENCE)
                .notBeforeTime(Date.from(now.plusSeconds(60))).expirationTime(Date.from(now.plusSeconds(600))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET));
        assertRefused(jwt.serialize());
    }

    @Test
    void wronglySignedToken_isUnauthenticated_andCloses1008() {
        assertRefused(token(OTHER_SECRET, "alice", Duration.ofMinutes(5), ISSUER, AUDIENCE));
    }

    @Test
    void tokenForAnotherAudience_isUnauthenticated_andCloses1008() {
        assertRefused(token(SECRET, "alice", Duration.ofMinutes(5), ISSUER, "another-app"));
    }

    @Test
    void tokenOfAnotherIssuer_isUnauthenticated_andCloses1008() {
        assertRefused(token(SECRET, "alice", Duration.ofMinutes(5), "someone-else", AUDIENCE));
    }

    @Test
    void tokenRefreshedInBand_keepsTheConnection_oneLeftToExpireEndsWithByeTokenExpiredAnd1008() throws Exception {
        // Both first tokens have the same exp (whole seconds), and the refreshed connection's
        // watch is the older: once the other has its bye, the refreshed one's moment has passed.
        Instant exp = Instant.now().plusSeconds(3);
        Duration ttl = Duration.between(Instant.now(), exp);
        String first = token("alice", ttl);
        JdkWebSocketClient refreshed = connect();
        JdkWebSocketClient left = connect();
        assertThat(hello(refreshed, first).get("type").asText()).isEqualTo("welcome");
        assertThat(hello(left, token("bob", ttl)).get("type").asText()).isEqualTo("welcome");
        JsonNode again = hello(refreshed, token("alice", Duration.ofMinutes(5)));
        assertThat(again.get("type").asText()).isEqualTo("welcome");
        assertThat(again.get("tokenExpiresInMs").asLong()).isGreaterThan(60_000);

        JsonNode bye = left.awaitType("bye");
        assertThat(bye.get("code").asText()).isEqualTo("TOKEN_EXPIRED");
        assertThat(left.awaitClosed()).isEqualTo(1008);

        assertThat(refreshed.request("{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");
        assertThat(refreshed.closeCode()).isEqualTo(-1);
        assertThat(refreshed.rawFrames()).noneMatch(f -> f.contains("\"bye\""));
    }

    @Test
    void javaClient_refreshesItsTokenByItself_andOutlivesSeveralTokens() throws Exception {
        AtomicInteger minted = new AtomicInteger();
        List<String> events = new CopyOnWriteArrayList<>();
        ParleyClient client = ParleyClient.builder(WebSocketClientConnector.to(server.uri()))
                .tokenSupplier(() -> {
                    minted.incrementAndGet();
                    return token("carol", Duration.ofSeconds(3));
                })
                .maxReconnectAttempts(0) // a connection ended by the server would fail what follows
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
                .build();
        try {
            Instant connectedAt = Instant.now();
            client.connect().get(20, TimeUnit.SECONDS);
            client.join("jwt-client", new RoomListener() {}).joined().get(20, TimeUnit.SECONDS);
            // The first token lives at most 3 s; each refresh comes about halfway through a life.
            await().atMost(Duration.ofSeconds(30)).until(() -> minted.get() >= 4
                    && Duration.between(connectedAt, Instant.now()).compareTo(Duration.ofSeconds(4)) > 0);

            assertThat(client.publish("jwt-client", MessageDraft.text("still here")).get(20, TimeUnit.SECONDS).seq())
                    .isPositive();
            assertThat(client.isConnected()).isTrue();
            assertThat(events).containsExactly("connected");
        } finally {
            client.close();
        }
    }

    @Test
    void jwksFile_verifiesRs256Tokens_ofItsKeysOnly() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("it-1").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key).toString()); // the public parts only
        try (ServerProcess rs = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--store", "memory",
                "--auth", "jwt", "--jwt-jwks-file", jwks.toString())) {
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("erin")
                    .expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
            SignedJWT good = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it-1").build(), claims);
            good.sign(new RSASSASigner(key));
            SignedJWT other = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it-1").build(), claims);
            other.sign(new RSASSASigner(new RSAKeyGenerator(2048).keyID("it-1").generate()));

            try (JdkWebSocketClient c = rs.connect(); JdkWebSocketClient forger = rs.connect()) {
                assertThat(hello(c, good.serialize()).get("user").asText()).isEqualTo("erin");
                JsonNode refused = hello(forger, other.serialize());
                assertThat(refused.get("code").asText()).isEqualTo("UNAUTHENTICATED");
                assertThat(forger.awaitClosed()).isEqualTo(1008);
            }
            assertThat(rs.terminate()).isZero();
        }
    }

    @Test
    void tokenSubcommand_mintsATokenTheServerAccepts() throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target", "parley-server.jar").toString(), "token", "--jwt-secret-file", secretFile.toString(),
                "--user", "dave", "--issuer", ISSUER, "--audience", AUDIENCE, "--ttl-seconds", "60");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        JsonNode welcome = hello(connect(), printed);
        assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("welcome");
        assertThat(welcome.get("user").asText()).isEqualTo("dave");
    }
}
