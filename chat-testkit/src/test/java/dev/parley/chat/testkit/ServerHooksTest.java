package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ChatServer;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 3: {@link ChatListener} refuses with a reason the author sees and rewrites; a
 * throwing listener leaves the room working; {@code onMessage} names the offline members; {@code
 * onPresence} sees status changes; {@link ChatServer#subscribe(String, java.util.function.Predicate,
 * java.util.function.Consumer)} sees the matching rooms' messages that its filter accepts, each room
 * in seq order.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerHooksTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Refuses "spam", rewrites "darn", throws on "boom"; records onMessage and onPresence. */
    static final class Moderator implements ChatListener {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final Map<Long, List<String>> offlineBySeq = new ConcurrentHashMap<>();
        final List<String> presence = new CopyOnWriteArrayList<>();

        @Override
        public Message onPublish(Message draft) {
            if (draft.body().contains("spam")) {
                throw new ChatException(ErrorCode.FORBIDDEN, "no spam in " + draft.room());
            }
            if (draft.body().contains("boom")) {
                throw new IllegalStateException("a moderation bug");
            }
            return new Message(draft.room(), 0, draft.id(), draft.user(), draft.body().replace("darn", "d**n"),
                    draft.ts(), draft.kind(), draft.cid(), draft.target(), draft.replyTo(), "{\"moderated\":true}");
        }

        @Override
        public void onMessage(Message message, List<String> offlineMembers) {
            offlineBySeq.put(message.seq(), offlineMembers);
            delivered.add(message.body());
            if (message.body().contains("throw")) {
                throw new IllegalStateException("a notifier bug");
            }
        }

        @Override
        public void onPresence(String room, String user, PresenceStatus status) {
            presence.add(room + " " + user + " " + status);
        }
    }

    @Test
    void moderationHook_refusesWithItsReason_rewrites_andAThrowingHookLeavesTheRoomWorking() {
        Moderator moderator = new Moderator();
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().listener(moderator).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            alice.join("general");
            bob.join("general");

            JsonNode refused = alice.publish("general", "buy spam");
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(refused.path("message").asText()).isEqualTo("no spam in general");

            JsonNode failed = alice.publish("general", "boom");
            assertThat(failed.path("code").asText()).isEqualTo("INTERNAL");
            assertThat(alice.publish("general", "please throw").path("type").asText()).isEqualTo("published");
            assertThat(alice.publish("general", "darn it").path("type").asText()).isEqualTo("published");

            List<JsonNode> seen = bob.awaitMessages("general", 2);
            assertThat(seen).extracting(m -> m.path("body").asText()).containsExactly("please throw", "d**n it");
            assertThat(seen.get(1).path("meta").path("moderated").asBoolean()).isTrue();
            assertThat(seen).extracting(m -> m.path("seq").asLong()).containsExactly(1L, 2L);
            await().atMost(WAIT).until(() -> moderator.delivered.size() == 2);
        }
    }

    @Test
    void onMessage_namesTheMembersWithoutAConnection_andOnPresenceSeesStatusChanges() {
        Moderator hooks = new Moderator();
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().listener(hooks).presenceGrace(Duration.ZERO).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            RecordingClient carol = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            carol.hello("carol");
            alice.join("general");
            bob.join("general");
            carol.join("general");

            assertThat(bob.request("{\"type\":\"status\",\"status\":\"away\"}").path("type").asText()).isEqualTo("status");
            await().atMost(WAIT).until(() -> hooks.presence.contains("general bob AWAY"));

            alice.publish("general", "everyone here");
            bob.close(); // lost: still a member, to be notified
            carol.request("{\"type\":\"leave\",\"room\":\"general\"}"); // left on purpose: not notified
            await().atMost(WAIT).until(() -> server.room("general").members().size() == 1);
            alice.publish("general", "who is there");

            await().atMost(WAIT).until(() -> hooks.offlineBySeq.size() == 2);
            assertThat(hooks.offlineBySeq.get(1L)).isEmpty();
            assertThat(hooks.offlineBySeq.get(2L)).containsExactly("bob");
        }
    }

    @Test
    void onMessage_inADirectRoom_namesTheOtherUserBeforeTheyEverJoined() {
        Moderator hooks = new Moderator();
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().listener(hooks).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            alice.hello("alice");
            alice.join("dm:alice:bob");
            alice.publish("dm:alice:bob", "are you there?");
            await().atMost(WAIT).until(() -> hooks.offlineBySeq.containsKey(1L));
            assertThat(hooks.offlineBySeq.get(1L)).containsExactly("bob");
        }
    }

    @Test
    void patternSubscription_seesTheMatchingRoomsInSeqOrder_noneOfAnotherRoom_noneItsFilterRefuses() {
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().publishPerSecond(1_000_000).publishBurst(1_000_000)
                .commandsPerSecond(1_000_000).commandBurst(1_000_000).build()) {
            server.start(transport);
            Map<String, List<Message>> seen = new ConcurrentHashMap<>();
            Subscription subscription = server.subscribe("team-*", m -> m.body().startsWith("!"),
                    m -> seen.computeIfAbsent(m.room(), r -> new CopyOnWriteArrayList<>()).add(m));
            RecordingClient alice = transport.connect();
            alice.hello("alice");
            for (String room : List.of("team-a", "team-b", "other")) {
                alice.join(room);
            }
            for (int i = 0; i < 20; i++) {
                for (String room : List.of("team-a", "team-b", "other")) {
                    alice.send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"body\":\"" + (i % 2 == 0 ? "!cmd " : "chat ")
                            + i + "\"}");
                }
            }
            alice.awaitAll(f -> "published".equals(f.path("type").asText()), 60, WAIT, "published replies");
            await().atMost(WAIT).until(() -> seen.getOrDefault("team-a", List.of()).size() == 10
                    && seen.getOrDefault("team-b", List.of()).size() == 10);
            assertThat(seen).containsOnlyKeys("team-a", "team-b");
            for (List<Message> messages : seen.values()) {
                List<Long> seqs = new ArrayList<>();
                messages.forEach(m -> seqs.add(m.seq()));
                assertThat(seqs).isSorted().doesNotHaveDuplicates();
                assertThat(messages).allSatisfy(m -> assertThat(m.body()).startsWith("!cmd "));
            }
            subscription.close();
            alice.publish("team-a", "!after");
            assertThat(server.room("team-a").history(Long.MAX_VALUE, 1).get(0).body()).isEqualTo("!after");
            assertThat(seen.get("team-a")).hasSize(10);
        }
    }
}
