package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatListener;
import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequencer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every error code of PROTOCOL §6 from the input that should produce it; the connection goes on. */
@Timeout(30)
class ErrorCodesTest {

    private static void assertError(JsonNode reply, String code) {
        assertThat(reply.get("type").asText()).as(reply.toString()).isEqualTo("error");
        assertThat(reply.get("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.get("message").asText()).isNotEmpty();
    }

    private static void assertStillAnswersPing(RecordingClient client) {
        assertThat(client.request("{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");
    }

    @Test
    void commandErrors_areAnswered_andTheConnectionStillAnswersPing() {
        try (EngineFixture f = new EngineFixture(b -> b.maxRoomsPerConnection(2).maxBodyBytes(16))) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            alice.publish("general", "first");

            alice.send("not json");
            assertError(alice.awaitType("error"), "BAD_REQUEST");
            assertStillAnswersPing(alice);
            assertError(alice.request("{\"type\":\"shout\"}"), "UNKNOWN_TYPE");
            assertStillAnswersPing(alice);
            assertError(alice.request("{\"type\":\"join\",\"room\":\"dm:bob:carol\"}"), "FORBIDDEN");
            assertStillAnswersPing(alice);
            assertError(alice.request("{\"type\":\"join\",\"room\":\"../etc\"}"), "INVALID_ROOM");
            assertStillAnswersPing(alice);
            assertError(alice.request("{\"type\":\"publish\",\"room\":\"elsewhere\",\"body\":\"x\"}"), "NOT_IN_ROOM");
            assertStillAnswersPing(alice);
            assertError(alice.request(
                    "{\"type\":\"publish\",\"room\":\"general\",\"kind\":\"edit\",\"target\":99,\"body\":\"x\"}"),
                    "NOT_FOUND");
            assertStillAnswersPing(alice);
            assertError(alice.request("{\"type\":\"create\",\"room\":\"general\"}"), "ROOM_EXISTS");
            assertStillAnswersPing(alice);
            assertError(alice.publish("general", "x".repeat(17)), "MESSAGE_TOO_LARGE");
            assertStillAnswersPing(alice);
            alice.join("second");
            assertError(alice.request("{\"type\":\"join\",\"room\":\"third\"}"), "LIMIT_EXCEEDED");
            assertStillAnswersPing(alice);

            RecordingClient bob = f.client("bob");
            bob.join("general");
            assertError(bob.request(
                    "{\"type\":\"publish\",\"room\":\"general\",\"kind\":\"delete\",\"target\":1}"), "FORBIDDEN");
            assertStillAnswersPing(bob);
        }
    }

    @Test
    void publishOverTheRate_isRateLimitedWithRetryAfter() {
        try (EngineFixture f = new EngineFixture(b -> b.publishBurst(3))) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            for (int i = 0; i < 3; i++) {
                assertThat(alice.publish("general", "m" + i).get("type").asText()).isEqualTo("published");
            }
            JsonNode limited = alice.publish("general", "one too many");
            assertError(limited, "RATE_LIMITED");
            assertThat(limited.get("retryAfterMs").asLong()).isGreaterThanOrEqualTo(1);
            assertStillAnswersPing(alice);
            f.clock.advance(java.time.Duration.ofMillis(limited.get("retryAfterMs").asLong()));
            assertThat(alice.publish("general", "again").get("type").asText()).isEqualTo("published");
        }
    }

    @Test
    void unauthenticatedAndInvalidUser_areAnsweredAndClosedWith1008() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient noHello = f.transport.connect();
            noHello.send("{\"type\":\"ping\",\"ref\":1}");
            assertError(noHello.awaitType("error"), "UNAUTHENTICATED");
            noHello.awaitClosed(1008);

            RecordingClient badName = f.transport.connect();
            badName.send("{\"type\":\"hello\",\"v\":1,\"user\":\"no spaces\"}");
            assertError(badName.awaitType("error"), "INVALID_USER");
            badName.awaitClosed(1008);
        }
    }

    @Test
    void failingStore_answersUnavailable_andARetryWithTheSameCidLandsOnce() {
        AtomicBoolean failing = new AtomicBoolean(false);
        MessageStore memory = MessageStore.inMemory();
        try (EngineFixture f = new EngineFixture(memory, b -> b.sequencer(store -> {
            Sequencer real = Sequencer.local(store, 100);
            return draft -> failing.get()
                    ? CompletableFuture.failedFuture(new StoreException("disk on fire"))
                    : real.append(draft);
        }))) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            failing.set(true);
            String publish = "{\"type\":\"publish\",\"room\":\"general\",\"body\":\"hi\",\"cid\":\"k1\"}";
            assertError(alice.request(publish), "UNAVAILABLE");
            assertStillAnswersPing(alice);
            failing.set(false);
            assertThat(alice.request(publish).get("duplicate").asBoolean()).isFalse();
            assertThat(alice.request(publish).get("duplicate").asBoolean()).isTrue();
            assertThat(memory.readAfter("general", 0, 10)).hasSize(1);
        }
    }

    @Test
    void throwingListener_answersInternal_andTheConnectionGoesOn() {
        ChatListener broken = new ChatListener() {
            @Override
            public Message onPublish(Message draft) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (EngineFixture f = new EngineFixture(b -> b.listener(broken))) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            assertError(alice.publish("general", "hi"), "INTERNAL");
            assertStillAnswersPing(alice);
        }
    }

    @Test
    void theAuthorIsTheSessionUser_whateverTheFrameClaims() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            alice.join("general");
            alice.request("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"hi\",\"user\":\"mallory\"}");
            assertThat(alice.awaitMessages("general", 1).get(0).get("user").asText()).isEqualTo("alice");
            assertThat(f.store.readAfter("general", 0, 1).get(0).user()).isEqualTo("alice");
        }
    }
}
