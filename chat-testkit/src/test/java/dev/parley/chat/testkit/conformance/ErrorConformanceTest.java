package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertAlive;
import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.publishFields;
import static dev.parley.chat.testkit.conformance.Wire.publishOk;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §6 errors, §7 close codes, §9 "Liveness and closing" (error budget), "Limits". */
@Timeout(30)
class ErrorConformanceTest {
    private static final Set<String> CODES = Set.of("BAD_REQUEST", "UNKNOWN_TYPE", "UNAUTHENTICATED", "FORBIDDEN",
            "INVALID_ROOM", "INVALID_USER", "NOT_IN_ROOM", "NOT_FOUND", "ROOM_EXISTS", "MESSAGE_TOO_LARGE",
            "RATE_LIMITED", "LIMIT_EXCEEDED", "UNAVAILABLE", "INTERNAL");

    @Test
    void hundredErrorsWithinTenSeconds_keepTheConnection_theHundredAndFirstClosesIt1008() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            for (int i = 0; i < 100; i++) {
                assertError(c.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
            }
            assertAlive(c);
            assertError(c.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
            c.awaitClosed(1008);
        }
    }

    @Test
    void rateLimitedErrors_countTowardsTheErrorBudget() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.commandBurst(1).commandsPerSecond(1))) {
            RecordingClient c = f.client("alice");
            assertAlive(c);
            for (int i = 0; i < 100; i++) {
                assertError(c.request("{\"type\":\"ping\"}"), "RATE_LIMITED");
            }
            assertThat(c.closeCode()).isEqualTo(-1);
            assertError(c.request("{\"type\":\"ping\"}"), "RATE_LIMITED");
            c.awaitClosed(1008);
        }
    }

    @Test
    void errorsSpreadOverMoreThanTenSeconds_doNotClose() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient c = f.client("alice");
            for (int i = 0; i < 100; i++) {
                assertError(c.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
            }
            f.clock.advance(Duration.ofSeconds(11));
            for (int i = 0; i < 100; i++) {
                assertError(c.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
            }
            assertAlive(c);
        }
    }

    @Test
    void rateLimited_carriesAnIntegerRetryAfterMsOfAtLeastOne_andRetryingThenSucceeds() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishPerSecond(2).publishBurst(1))) {
            RecordingClient alice = f.joined("alice", "r");
            publishOk(alice, "r", "one");
            JsonNode limited = assertError(Wire.publish(alice, "r", "two"), "RATE_LIMITED");
            assertThat(limited.get("retryAfterMs").isIntegralNumber()).as("%s", limited).isTrue();
            long retryAfter = limited.get("retryAfterMs").asLong();
            assertThat(retryAfter).isBetween(1L, 500L);
            assertThat(f.store.readAfter("r", 0, 10)).as("the limited command was not run").hasSize(1);
            f.clock.advance(Duration.ofMillis(retryAfter));
            publishOk(alice, "r", "two");
        }
    }

    @Test
    void defaultPublishRate_allowsABurstOf20_thenIsLimited() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            for (int i = 0; i < 20; i++) {
                publishOk(alice, "r", "m" + i);
            }
            JsonNode limited = assertError(Wire.publish(alice, "r", "21st"), "RATE_LIMITED");
            assertThat(limited.get("retryAfterMs").asLong()).isGreaterThanOrEqualTo(1);
            // Other commands have their own bucket.
            assertAlive(alice);
            // A second connection of the same user has its own budget.
            publishOk(f.joined("alice", "r"), "r", "other connection");
        }
    }

    @Test
    void defaultCommandRate_allowsABurstOf100_thenIsLimited() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.client("alice");
            for (int i = 0; i < 100; i++) {
                assertAlive(alice);
            }
            assertError(alice.request("{\"type\":\"ping\"}"), "RATE_LIMITED");
        }
    }

    @Test
    void duplicatePublishes_countAgainstThePublishRate() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.publishBurst(3))) {
            RecordingClient alice = f.joined("alice", "r");
            for (int i = 0; i < 3; i++) {
                publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"same\"");
            }
            assertError(publishFields(alice, "r", "\"body\":\"x\",\"cid\":\"same\""), "RATE_LIMITED");
        }
    }

    @Test
    void errorsOtherThanRateLimited_carryNoRetryAfterMs_andUseOnlyCodesOfSection6() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            assertError(alice.request("{\"type\":\"nope\"}"), "UNKNOWN_TYPE");
            assertError(Wire.publish(alice, "s", "x"), "NOT_IN_ROOM");
            assertError(alice.request("{\"type\":\"join\",\"room\":\".bad\"}"), "INVALID_ROOM");
            for (JsonNode e : Wire.allOfType(alice, "error")) {
                assertThat(e.has("retryAfterMs")).as("%s", e).isFalse();
                assertThat(CODES).contains(e.get("code").asText());
            }
        }
    }

    @Test
    void afterEachNonClosingError_theConnectionStillAnswersPing() {
        try (ProtocolFixture f = new ProtocolFixture(b -> b.maxRoomsPerConnection(2).maxBodyBytes(10)
                .publishBurst(6))) {
            RecordingClient alice = f.joined("alice", "r");
            f.joined("bob", "dm:bob:carol");
            publishOk(alice, "r", "hello");
            String[][] cases = {
                {"{\"type\":\"nope\"}", "UNKNOWN_TYPE"},
                {"{\"type\":\"join\"}", "BAD_REQUEST"},
                {"{\"type\":\"join\",\"room\":\"dm:bob:alice\"}", "INVALID_ROOM"},
                {"{\"type\":\"join\",\"room\":\"dm:bob:carol\"}", "FORBIDDEN"},
                {"{\"type\":\"publish\",\"room\":\"elsewhere\",\"body\":\"x\"}", "NOT_IN_ROOM"},
                {"{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"kind\":\"edit\",\"target\":7}", "NOT_FOUND"},
                {"{\"type\":\"publish\",\"room\":\"r\",\"body\":\"xxxxxxxxxxx\"}", "MESSAGE_TOO_LARGE"},
                {"{\"type\":\"create\",\"room\":\"r\"}", "ROOM_EXISTS"},
                {"{\"type\":\"leave\",\"room\":\"elsewhere\"}", "NOT_IN_ROOM"},
            };
            for (String[] c : cases) {
                assertError(alice.request(c[0]), c[1]);
                assertAlive(alice);
            }
            alice.join("second");
            assertError(alice.join("third"), "LIMIT_EXCEEDED");
            assertAlive(alice);
            RecordingClient bob = f.joined("bob", "r");
            assertError(publishFields(bob, "r", "\"body\":\"x\",\"kind\":\"edit\",\"target\":1"), "FORBIDDEN");
            assertAlive(bob);
            for (int i = 0; i < 5; i++) {
                publishOk(bob, "r", "b" + i);
            }
            assertError(Wire.publish(bob, "r", "over"), "RATE_LIMITED");
            assertAlive(bob);
            bob.sendBinary();
            assertError(bob.awaitType("error"), "BAD_REQUEST");
            assertAlive(bob);
        }
    }
}
