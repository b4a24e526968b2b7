package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.ChatServer;
import dev.parley.chat.FoldedMessage;
import dev.parley.chat.Reaction;
import dev.parley.chat.Room;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomState;
import dev.parley.chat.protocol.RoomSummary;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.RecordingClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, items 4 and 5 on the file store: {@code Room.view} folds edits, deletes, reactions and
 * replies the same way before and after a restart and on every page of history, the client's
 * {@link RoomState} folds what it receives to the same view, and read markers (the {@code read} of
 * {@code rooms}) survive a restart and only move forward.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FoldedViewAndReadMarkersTest {
    private static final String ROOM = "folded";

    @TempDir
    Path temp;

    private static void publish(RecordingClient c, String kind, String body, long target, long replyTo) {
        StringBuilder cmd = new StringBuilder("{\"type\":\"publish\",\"room\":\"" + ROOM + "\",\"body\":")
                .append(RecordingClient.quote(body)).append(",\"kind\":\"").append(kind).append('"');
        if (target != 0) {
            cmd.append(",\"target\":").append(target);
        }
        if (replyTo != 0) {
            cmd.append(",\"replyTo\":").append(replyTo);
        }
        assertThat(c.request(cmd.append('}').toString()).path("type").asText()).isEqualTo("published");
    }

    /** 13 messages: texts 1-6 and 12, edits, reactions and deletes that lie after the texts they name. */
    private static void writeConversation(RecordingClient alice, RecordingClient bob, RecordingClient carol) {
        publish(alice, "text", "one", 0, 0); // 1
        publish(bob, "text", "two", 0, 1); // 2, a reply to 1
        for (int i = 3; i <= 6; i++) {
            publish(alice, "text", "t" + i, 0, 0); // 3..6
        }
        publish(alice, "edit", "one, edited", 1, 0); // 7
        publish(bob, "react", "👍", 1, 0); // 8
        publish(alice, "react", "👍", 1, 0); // 9
        publish(alice, "unreact", "👍", 1, 0); // 10
        publish(bob, "delete", "", 2, 0); // 11
        publish(carol, "text", "three", 0, 1); // 12, a reply to 1
        publish(carol, "react", "🎉", 5, 0); // 13
    }

    private static void assertFolded(Room room) {
        List<FoldedMessage> all = room.view(Long.MAX_VALUE, 100);
        assertThat(all).extracting(FoldedMessage::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 12L);
        FoldedMessage one = all.get(0);
        assertThat(one.body()).isEqualTo("one, edited");
        assertThat(one.edited()).isTrue();
        assertThat(one.original().body()).isEqualTo("one");
        assertThat(one.reactions()).containsExactly(new Reaction("👍", List.of("bob")));
        assertThat(one.replies()).isEqualTo(1); // 2 was deleted, 12 remains
        assertThat(all.get(1).deleted()).isTrue();
        assertThat(all.get(4).reactions()).containsExactly(new Reaction("🎉", List.of("carol")));

        // Pages of two text messages: the events naming 1 and 2 lie after the first page's seq range.
        List<FoldedMessage> paged = new ArrayList<>();
        long before = Long.MAX_VALUE;
        while (true) {
            List<FoldedMessage> page = room.view(before, 2);
            if (page.isEmpty()) {
                break;
            }
            paged.addAll(0, page);
            before = page.get(0).seq();
        }
        assertThat(paged).isEqualTo(all);
        assertThat(room.view(3, 2)).isEqualTo(all.subList(0, 2));
    }

    @Test
    void foldedView_isTheSameAfterARestartAndOnEveryPage_andTheClientFoldsTheSame() throws Exception {
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(transport);
            RecordingClient alice = transport.connect();
            RecordingClient bob = transport.connect();
            RecordingClient carol = transport.connect();
            alice.hello("alice");
            bob.hello("bob");
            carol.hello("carol");
            alice.join(ROOM);
            bob.join(ROOM);
            carol.join(ROOM);

            RoomState state = new RoomState();
            ParleyClient dave = ParleyClient.builder(transport.clientConnector()).user("dave").build();
            try (dave) {
                dave.connect().get(10, TimeUnit.SECONDS);
                dave.join(ROOM, state);
                writeConversation(alice, bob, carol);
                await().atMost(Duration.ofSeconds(10)).until(() -> state.lastSeq() == 13);
                assertThat(state.messages()).isEqualTo(server.room(ROOM).view(Long.MAX_VALUE, 100));
            }
            assertFolded(server.room(ROOM));
        }
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(new InMemoryTransport());
            assertFolded(server.room(ROOM));
        }
    }

    @Test
    void readMarker_survivesARestart_andNeverMovesBack_soUnreadIsUnchanged() throws Exception {
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(transport);
            RecordingClient bob = transport.connect();
            bob.hello("bob");
            bob.join(ROOM);
            for (int i = 0; i < 10; i++) {
                bob.publish(ROOM, "m" + i);
            }
            ParleyClient alice = ParleyClient.builder(transport.clientConnector()).user("alice").build();
            try (alice) {
                alice.connect().get(10, TimeUnit.SECONDS);
                assertThat(alice.markRead(ROOM, 7).get(10, TimeUnit.SECONDS)).isEqualTo(7);
                assertThat(alice.markRead(ROOM, 3).get(10, TimeUnit.SECONDS)).isEqualTo(7);
                RoomSummary summary = summary(alice);
                assertThat(summary.seq()).isEqualTo(10);
                assertThat(summary.read()).isEqualTo(7);
                assertThat(summary.unread()).isEqualTo(3);
            }
        }
        InMemoryTransport again = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(again);
            ParleyClient alice = ParleyClient.builder(again.clientConnector()).user("alice").build();
            try (alice) {
                alice.connect().get(10, TimeUnit.SECONDS);
                RoomSummary summary = summary(alice);
                assertThat(summary.read()).isEqualTo(7);
                assertThat(summary.unread()).isEqualTo(3);
                assertThat(alice.markRead(ROOM, 5).get(10, TimeUnit.SECONDS)).isEqualTo(7);
            }
        }
    }

    private static RoomSummary summary(ParleyClient client) throws Exception {
        return client.rooms().get(10, TimeUnit.SECONDS).stream().filter(r -> r.room().equals(ROOM)).findFirst()
                .orElseThrow();
    }
}
