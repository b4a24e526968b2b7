package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertAlive;
import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL §3, §4 {@code hello}/{@code welcome}, §9 "hello" and "Frames" before welcome. */
@Timeout(30)
class HelloConformanceTest {

    @Test
    void hello_isAnsweredByWelcome_withEveryField() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"client\":\"test/1\",\"ref\":1}");
            JsonNode welcome = assertType(c.next(), "welcome");
            assertThat(welcome.get("ref").isIntegralNumber()).isTrue();
            assertThat(welcome.get("ref").asLong()).isEqualTo(1);
            assertThat(welcome.get("v").isIntegralNumber()).isTrue();
            assertThat(welcome.get("v").asInt()).isEqualTo(1);
            assertThat(welcome.get("session").isTextual()).isTrue();
            assertThat(welcome.get("session").asText()).isNotEmpty();
            assertThat(welcome.get("user").asText()).isEqualTo("alice");
            assertThat(welcome.get("heartbeatMs").asLong()).isEqualTo(25_000);
            JsonNode limits = welcome.get("limits");
            assertThat(limits.isObject()).isTrue();
            assertThat(limits.get("maxFrameBytes").asLong()).isEqualTo(65_536);
            assertThat(limits.get("maxBodyBytes").asLong()).isEqualTo(4_096);
            assertThat(limits.get("historyLimit").asLong()).isEqualTo(100);
            assertThat(limits.get("publishPerSecond").asLong()).isEqualTo(10);
        }
    }

    @Test
    void welcome_limits_reflectTheServersConfiguration() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxBodyBytes(1000).historyLimit(30).recentDefault(20)
                .publishPerSecond(3).maxFrameBytes(4096).heartbeat(Duration.ofSeconds(7)))) {
            JsonNode welcome = f.connect().hello("alice");
            assertThat(welcome.get("heartbeatMs").asLong()).isEqualTo(7_000);
            assertThat(welcome.at("/limits/maxFrameBytes").asLong()).isEqualTo(4096);
            assertThat(welcome.at("/limits/maxBodyBytes").asLong()).isEqualTo(1000);
            assertThat(welcome.at("/limits/historyLimit").asLong()).isEqualTo(30);
            assertThat(welcome.at("/limits/publishPerSecond").asLong()).isEqualTo(3);
        }
    }

    @Test
    void twoConnections_getDifferentSessions() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            JsonNode a = f.connect().hello("alice");
            JsonNode b = f.connect().hello("alice");
            assertThat(a.get("session").asText()).isNotEqualTo(b.get("session").asText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"hello\",\"user\":\"alice\"}",
        "{\"type\":\"hello\",\"v\":2,\"user\":\"alice\"}",
        "{\"type\":\"hello\",\"v\":0,\"user\":\"alice\"}",
        "{\"type\":\"hello\",\"v\":\"1\",\"user\":\"alice\"}",
        "{\"type\":\"hello\",\"v\":null,\"user\":\"alice\"}",
    })
    void hello_withVMissingOrNotOne_isBadRequest_andCloses1008(String hello) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send(hello);
            assertError(c.next(), "BAD_REQUEST");
            c.awaitClosed(1008);
        }
    }

    @Test
    void hello_withoutUser_withTheTrustingAuthenticator_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"ref\":5}");
            JsonNode error = assertError(c.next(), "UNAUTHENTICATED");
            assertThat(error.get("ref").asLong()).isEqualTo(5);
            c.awaitClosed(1008);
        }
    }

    @Test
    void hello_withNullUser_countsAsMissing_andIsUnauthenticated() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":null}");
            assertError(c.next(), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".alice", "al ice", "al:ice", "alice!", "abcdefghijklmnopqrstuvwxyz0123456"})
    void hello_withInvalidUser_isInvalidUser_andCloses1008(String user) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":" + Wire.q(user) + "}");
            assertError(c.next(), "INVALID_USER");
            c.awaitClosed(1008);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "A.b-c_9", "abcdefghijklmnopqrstuvwxyz012345"})
    void hello_withValidUserNames_isWelcomed(String user) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            JsonNode welcome = f.connect().hello(user);
            assertType(welcome, "welcome");
            assertThat(welcome.get("user").asText()).isEqualTo(user);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ping\"}",
        "{\"type\":\"join\",\"room\":\"r\"}",
        "{\"type\":\"nonsense\"}",
        "not json",
        "[1,2]",
        "{\"v\":1,\"user\":\"alice\"}",
        "{\"type\":\"welcome\",\"v\":1,\"user\":\"alice\"}",
        "{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"} trailing",
    })
    void firstFrame_notAHelloObject_isUnauthenticated_andCloses1008(String first) {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send(first);
            assertError(c.next(), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void firstFrame_binary_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.sendBinary();
            assertError(c.next(), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void noHelloWithinHelloTimeout_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            f.clock.advance(Duration.ofMillis(10_001));
            assertError(c.awaitType("error"), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void helloBeforeTheTimeout_keepsTheConnectionOpenAfterIt() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.helloTimeout(Duration.ofSeconds(2)))) {
            RecordingClient c = f.client("alice");
            f.advanceAndSettle(Duration.ofSeconds(3));
            assertAlive(c);
        }
    }

    @Test
    void secondHello_withTheSameUser_isWelcomedAgain() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            JsonNode again = c.hello("alice");
            assertType(again, "welcome");
            assertThat(again.get("user").asText()).isEqualTo("alice");
            assertAlive(c);
        }
    }

    @Test
    void secondHello_withAnotherUser_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(c.hello("bob"), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }
    @Test
    void secondHello_withInvalidUser_isInvalidUser_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(c.hello("not valid"), "INVALID_USER");
            c.awaitClosed(1008);
        }
    }
    @Test
    void secondHello_withoutV_isBadRequest_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            assertError(c.request("{\"type\":\"hello\",\"user\":\"alice\"}"), "BAD_REQUEST");
            c.awaitClosed(1008);
        }
    }

    @Test
    void commandsSentRightAfterHello_withoutWaiting_runInOrder() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.connect();
            c.send("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"ref\":1}");
            c.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":2}");
            c.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"one\",\"ref\":3}");
            c.send("{\"type\":\"publish\",\"room\":\"r\",\"body\":\"two\",\"ref\":4}");
            c.send("{\"type\":\"history\",\"room\":\"r\",\"ref\":5}");
            c.send("{\"type\":\"leave\",\"room\":\"r\",\"ref\":6}");
            List<String> replies = new ArrayList<>();
            for (int ref = 1; ref <= 6; ref++) {
                int wanted = ref;
                org.awaitility.Awaitility.await().atMost(RecordingClient.DEFAULT_TIMEOUT).until(() -> c.all().stream()
                        .anyMatch(fr -> fr.has("ref") && fr.get("ref").asInt() == wanted));
                JsonNode reply = c.all().stream().filter(fr -> fr.has("ref") && fr.get("ref").asInt() == wanted)
                        .findFirst().orElseThrow();
                replies.add(reply.get("type").asText());
                if (wanted == 3 || wanted == 4) {
                    assertThat(reply.get("seq").asLong()).isEqualTo(wanted - 2);
                }
                if (wanted == 5) {
                    assertThat(Wire.seqs(reply.get("messages"))).containsExactly(1L, 2L);
                    assertThat(reply.get("messages").get(0).get("body").asText()).isEqualTo("one");
                }
            }
            assertThat(replies).containsExactly("welcome", "joined", "published", "published", "history", "left");
        }
    }

    @Test
    void eleventhConnectionOfAUser_isLimitExceeded_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            List<RecordingClient> ten = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ten.add(f.client("alice"));
            }
            RecordingClient eleventh = f.connect();
            assertError(eleventh.hello("alice"), "LIMIT_EXCEEDED");
            eleventh.awaitClosed(1008);
            for (RecordingClient c : ten) {
                assertAlive(c);
            }
            f.client("bob");
            ten.get(0).close();
            assertType(f.connect().hello("alice"), "welcome");
        }
    }

    @Test
    void staticTokens_tokenInHello_authenticatesItsUser() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(Authenticator.staticTokens(
                Map.of("t-alice", "alice", "t-bob", "bob"))))) {
            RecordingClient c = f.connect();
            JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"t-alice\"}");
            assertType(welcome, "welcome");
            assertThat(welcome.get("user").asText()).isEqualTo("alice");
            JsonNode joined = c.join("r");
            assertThat(Wire.users(joined.get("members"))).containsExactly("alice");
        }
    }

    @Test
    void staticTokens_userMatchingTheToken_isWelcomed_andAnotherUserIsUnauthenticated() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(Authenticator.staticTokens(
                Map.of("t-alice", "alice"))))) {
            RecordingClient ok = f.connect();
            assertType(ok.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"token\":\"t-alice\"}"), "welcome");
            RecordingClient liar = f.connect();
            assertError(liar.request("{\"type\":\"hello\",\"v\":1,\"user\":\"bob\",\"token\":\"t-alice\"}"),
                    "UNAUTHENTICATED");
            liar.awaitClosed(1008);
        }
    }

    @Test
    void staticTokens_unknownOrMissingToken_isUnauthenticated_andCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(Authenticator.staticTokens(
                Map.of("t-alice", "alice"))))) {
            RecordingClient unknown = f.connect();
            assertError(unknown.request("{\"type\":\"hello\",\"v\":1,\"token\":\"nope\"}"), "UNAUTHENTICATED");
            unknown.awaitClosed(1008);
            RecordingClient missing = f.connect();
            assertError(missing.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}"), "UNAUTHENTICATED");
            missing.awaitClosed(1008);
        }
    }

    @Test
    void staticTokens_handshakeToken_authenticates() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(Authenticator.staticTokens(
                Map.of("t-alice", "alice"))))) {
            RecordingClient c = f.connect("t-alice");
            JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1}");
            assertThat(welcome.get("user").asText()).isEqualTo("alice");
        }
    }

    @Test
    void staticTokens_laterHelloWithANewTokenOfTheSameUser_isWelcomed_andOfAnotherUserCloses1008() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.authenticator(Authenticator.staticTokens(
                Map.of("t-alice", "alice", "t-alice-2", "alice", "t-bob", "bob"))))) {
            RecordingClient c = f.connect();
            assertType(c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"t-alice\"}"), "welcome");
            JsonNode again = c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"t-alice-2\"}");
            assertType(again, "welcome");
            assertThat(again.get("user").asText()).isEqualTo("alice");
            assertError(c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"t-bob\"}"), "UNAUTHENTICATED");
            c.awaitClosed(1008);
        }
    }
}
