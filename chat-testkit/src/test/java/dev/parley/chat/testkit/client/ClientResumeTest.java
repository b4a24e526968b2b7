package dev.parley.chat.testkit.client;

import static dev.parley.chat.testkit.client.ParleyClientTest.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.client.JoinedRoom;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomSubscription;
import dev.parley.chat.spi.MessageStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reconnect and resume against the real engine, cutting the in-JVM connections. */
@Timeout(60)
class ClientResumeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void messagesMissedWhileDisconnected_arriveAfterReconnect_inOrder_withoutReset() throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.recoverLimit(5))) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            RoomSubscription sub = alice.join("r", sees);
            sub.joined().get(10, TimeUnit.SECONDS);
            publishFromServer(f, "r", 2);
            await().atMost(WAIT).until(() -> sees.messages.size() == 2);

            f.connector.refuseConnections(true);
            f.connector.dropAll();
            publishFromServer(f, "r", 3);
            f.connector.refuseConnections(false);

            await().atMost(WAIT).until(() -> sees.messages.size() == 5);
            assertThat(sees.seqs()).containsExactlyElementsOf(range(1, 5));
            assertThat(sees.resets).isEmpty();
            assertThat(sees.resumed).hasSize(1);
            assertThat(sees.resumed.get(0).recovered()).isTrue();
            assertThat(sub.lastSeq()).isEqualTo(5);
        }
    }

    @Test
    void moreMissedThanTheServerResumes_isPagedInWithHistory_whenTheLogStillHoldsIt() throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.recoverLimit(5).historyLimit(4).recentDefault(4))) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            alice.join("r", sees).joined().get(10, TimeUnit.SECONDS);
            publishFromServer(f, "r", 2);
            await().atMost(WAIT).until(() -> sees.messages.size() == 2);

            f.connector.refuseConnections(true);
            f.connector.dropAll();
            // More missed messages than recoverLimit, and more than one history page.
            publishFromServer(f, "r", 10);
            f.connector.refuseConnections(false);
            await().atMost(WAIT).until(() -> sees.messages.size() == 12);
            publishFromServer(f, "r", 1);

            await().atMost(WAIT).until(() -> sees.messages.size() == 13);
            assertThat(sees.seqs()).containsExactlyElementsOf(range(1, 13));
            assertThat(sees.resets).isEmpty();
            assertThat(sees.resumed).hasSize(1);
        }
    }

    @Test
    void resumeAfterTheLogDroppedWhatWasMissed_isSurfacedAsOnReset_andLiveMessagesContinueAfterTheSnapshot()
            throws Exception {
        // The store keeps only the latest 5 messages of a room.
        try (ClientFixture f = new ClientFixture(b -> b.store(MessageStore.inMemory(5)))) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            alice.join("r", sees).joined().get(10, TimeUnit.SECONDS);
            publishFromServer(f, "r", 2);
            await().atMost(WAIT).until(() -> sees.messages.size() == 2);

            f.connector.refuseConnections(true);
            f.connector.dropAll();
            publishFromServer(f, "r", 10);
            f.connector.refuseConnections(false);
            await().atMost(WAIT).until(() -> sees.resets.size() == 1);
            publishFromServer(f, "r", 1);

            JoinedRoom reset = sees.resets.get(0);
            assertThat(reset.recovered()).isFalse();
            assertThat(reset.seq()).isEqualTo(12);
            // The snapshot ends at the head (the engine may serve older ones from its tail cache).
            assertThat(reset.messages()).extracting(Message::seq).endsWith(range(8, 12).toArray(new Long[0]));
            assertThat(reset.first()).isEqualTo(8);
            await().atMost(WAIT).until(() -> sees.messages.size() == 3);
            // Seqs 3 to 7 are gone for good: the reset says so, and live messages continue at 13.
            assertThat(sees.seqs()).containsExactly(1L, 2L, 13L);
            assertThat(sees.calls).containsSubsequence("message 2", "reset 12", "message 13");
        }
    }

    @Test
    void joinWithAResumePoint_deliversEverythingAfterIt_throughOnMessage() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            publishFromServer(f, "r", 6);
            ParleyClient alice = f.client("alice");
            JoinedRoom first = alice.join("r", new RecordingRoomListener()).joined().get(10, TimeUnit.SECONDS);
            alice.close();

            ParleyClient again = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            JoinedRoom resumed = again.join("r", first.epoch(), 4, sees).joined().get(10, TimeUnit.SECONDS);

            assertThat(resumed.recovered()).isTrue();
            await().atMost(WAIT).until(() -> sees.messages.size() == 2);
            assertThat(sees.seqs()).containsExactly(5L, 6L);
        }
    }

    @Test
    void publishesUnderWayWhenTheConnectionDrops_landExactlyOnce_withTheirFuturesCompleted() throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.publishPerSecond(100_000).publishBurst(100_000))) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            alice.join("r", sees).joined().get(10, TimeUnit.SECONDS);

            List<CompletableFuture<PublishedMessage>> acks = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                acks.add(alice.publish("r", "m" + i));
                if (i % 40 == 20) {
                    f.connector.dropAll();
                }
            }
            CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

            await().atMost(WAIT).until(() -> sees.messages.size() >= 200);
            assertThat(sees.seqs()).containsExactlyElementsOf(range(1, 200));
            assertThat(acks.stream().map(a -> a.join().seq()).collect(Collectors.toSet())).hasSize(200);
            assertThat(sees.bodies()).doesNotHaveDuplicates();
            assertThat(f.connector.connectionsOpened()).isGreaterThan(1);
        }
    }

    private static void publishFromServer(ClientFixture f, String room, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            f.server.room(room).publish("bot", "server " + i).get(10, TimeUnit.SECONDS);
        }
    }
}
