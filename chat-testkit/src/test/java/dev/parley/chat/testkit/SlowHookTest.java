package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Message;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 3: an {@code onPublish} hook that does not answer within its bound (2 s) is
 * passed over: the publish goes on as accepted, unchanged, and other rooms work meanwhile. The
 * hook blocks on a latch the test releases only after asserting.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlowHookTest {

    /** Blocks on "slow" until released (or interrupted); rewrites everything else. */
    static final class SlowModerator implements ChatListener {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Message onPublish(Message draft) {
            if (draft.body().equals("slow")) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return withBody(draft, "rewritten too late");
            }
            return withBody(draft, draft.body() + "!");
        }

        private static Message withBody(Message draft, String body) {
            return new Message(draft.room(), 0, draft.id(), draft.user(), body, draft.ts(), draft.kind(), draft.cid(),
                    draft.target(), draft.replyTo(), draft.meta());
        }
    }

    @Test
    void onPublishPastItsTimeout_isAcceptedUnchanged_andOtherRoomsWorkMeanwhile() throws InterruptedException {
        SlowModerator hook = new SlowModerator();
        InMemoryTransport transport = new InMemoryTransport();
        ExecutorService rooms = Executors.newFixedThreadPool(4);
        try (ChatServer server = ChatServer.builder().listener(hook).executor(rooms).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            alice.join("general");
            bob.join("random");

            alice.send("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"slow\",\"ref\":\"s\"}");
            assertThat(hook.entered.await(10, TimeUnit.SECONDS)).isTrue();

            // While general waits for its hook, another room publishes and is moderated as usual.
            JsonNode elsewhere = bob.publish("random", "hi");
            assertThat(elsewhere.path("type").asText()).as(elsewhere.toString()).isEqualTo("published");
            assertThat(bob.awaitMessages("random", 1).get(0).path("body").asText()).isEqualTo("hi!");
            assertThat(hook.release.getCount()).isEqualTo(1);

            JsonNode passed = alice.await(f -> "s".equals(f.path("ref").asText()), Duration.ofSeconds(10), "the slow publish");
            assertThat(passed.path("type").asText()).as(passed.toString()).isEqualTo("published");
            assertThat(alice.awaitMessages("general", 1).get(0).path("body").asText()).isEqualTo("slow");

            // The room goes on with the next publish, and the hook's late answer changed nothing.
            assertThat(alice.publish("general", "next").path("type").asText()).isEqualTo("published");
            hook.release.countDown();
            assertThat(alice.awaitMessages("general", 2).get(1).path("body").asText()).isEqualTo("next!");
            assertThat(server.room("general").history(Long.MAX_VALUE, 10)).extracting(Message::body)
                    .containsExactly("slow", "next!");
        } finally {
            rooms.shutdownNow();
        }
    }
}
