package dev.parley.chat.testkit.client;

import static dev.parley.chat.testkit.client.ParleyClientTest.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.testkit.InMemoryClientConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's central promise under a hostile network: four clients publish into one room they
 * all joined while the connections are cut a hundred times at random points.
 *
 * <p>The publishing runs in 100 rounds of 20 publishes (5 per client, all at once). In each round
 * one cut happens when a randomly chosen number of that round's publishes has been acknowledged,
 * so every cut falls while publishes, acknowledgements and pushes are in flight. A cut drops all
 * connections (one time in four) or a random open one; a cut that finds every client reconnecting
 * is made at the round's next acknowledgement, or at its end.
 */
@Timeout(120)
class ClientReconnectChaosTest {
    private static final int CLIENTS = 4;
    private static final int EACH = 500;
    private static final int TOTAL = CLIENTS * EACH;
    private static final int ROUNDS = 100;
    private static final int PER_CLIENT_PER_ROUND = EACH / ROUNDS;
    private static final int PER_ROUND = CLIENTS * PER_CLIENT_PER_ROUND;

    @Test
    void hundredRandomCuts_whileFourClientsPublish_everyListenerSeesAll2000Once_inSeqOrder_andEveryPublishLandsOnce()
            throws Exception {
        Random random = new Random(0x5EED_2025L);
        try (ClientFixture f = new ClientFixture(b -> b.publishPerSecond(1_000_000).publishBurst(1_000_000))) {
            List<ParleyClient> clients = new ArrayList<>();
            List<RecordingRoomListener> listeners = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                ParleyClient client = f.client("user" + i);
                RecordingRoomListener listener = new RecordingRoomListener();
                client.join("room", listener).joined().get(10, TimeUnit.SECONDS);
                clients.add(client);
                listeners.add(listener);
            }
            Cutter cutter = new Cutter(f, random);
            List<List<CompletableFuture<PublishedMessage>>> acks = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                acks.add(new ArrayList<>());
            }

            for (int round = 0; round < ROUNDS; round++) {
                int cutAfter = random.nextInt(PER_ROUND);
                AtomicInteger acknowledgedInRound = new AtomicInteger();
                AtomicBoolean owed = new AtomicBoolean(true);
                List<CompletableFuture<PublishedMessage>> roundAcks = new ArrayList<>();
                for (int n = round * PER_CLIENT_PER_ROUND; n < (round + 1) * PER_CLIENT_PER_ROUND; n++) {
                    for (int i = 0; i < CLIENTS; i++) {
                        CompletableFuture<PublishedMessage> ack = clients.get(i).publish("room", "user" + i + ":" + n);
                        acks.get(i).add(ack);
                        roundAcks.add(ack);
                    }
                }
                if (cutAfter == 0) {
                    cutter.cutIfOwed(owed);
                }
                for (CompletableFuture<PublishedMessage> ack : roundAcks) {
                    ack.whenComplete((m, e) -> {
                        if (acknowledgedInRound.incrementAndGet() >= cutAfter) {
                            cutter.cutIfOwed(owed);
                        }
                    });
                }
                CompletableFuture.allOf(roundAcks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
                if (owed.get()) {
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                            .until(() -> cutter.cutIfOwed(owed));
                }
            }

            for (RecordingRoomListener listener : listeners) {
                await().atMost(Duration.ofSeconds(30)).until(() -> listener.messages.size() >= TOTAL);
            }

            assertThat(cutter.cuts.get()).isEqualTo(ROUNDS);
            assertThat(f.connector.connectionsOpened()).isGreaterThanOrEqualTo(CLIENTS + cutter.connectionsCut.get());
            // Every publish future completed, each with its own seq.
            Map<String, Long> seqOfCid = new HashMap<>();
            Set<Long> ackedSeqs = new HashSet<>();
            for (List<CompletableFuture<PublishedMessage>> mine : acks) {
                for (CompletableFuture<PublishedMessage> ack : mine) {
                    PublishedMessage m = ack.join();
                    ackedSeqs.add(m.seq());
                    seqOfCid.put(m.cid(), m.seq());
                }
            }
            assertThat(ackedSeqs).containsExactlyInAnyOrderElementsOf(range(1, TOTAL));
            // Every listener saw every message exactly once, in seq order, and each message is the
            // publish that was acknowledged with its seq.
            List<Message> reference = listeners.get(0).messages;
            for (RecordingRoomListener listener : listeners) {
                assertThat(listener.seqs()).containsExactlyElementsOf(range(1, TOTAL));
                assertThat(listener.messages).isEqualTo(reference);
            }
            for (Message m : reference) {
                assertThat(seqOfCid.get(m.cid())).as("seq acknowledged for %s", m.body()).isEqualTo(m.seq());
            }
            assertEachAuthorsOrderIsKept(reference);
        }
    }

    private static void assertEachAuthorsOrderIsKept(List<Message> messages) {
        Map<String, Integer> last = new HashMap<>();
        for (Message m : messages) {
            String[] parts = m.body().split(":");
            int n = Integer.parseInt(parts[1]);
            Integer previous = last.put(parts[0], n);
            assertThat(n).as("order of %s", parts[0]).isEqualTo(previous == null ? 0 : previous + 1);
        }
    }

    /** Cuts connections of the fixture's connector, choosing with the seeded random. */
    private static final class Cutter {
        final ClientFixture f;
        final Random random;
        final AtomicInteger cuts = new AtomicInteger();
        final AtomicInteger connectionsCut = new AtomicInteger();

        Cutter(ClientFixture f, Random random) {
            this.f = f;
            this.random = random;
        }

        /** Makes the owed cut if a connection is open; returns whether the cut is done. */
        synchronized boolean cutIfOwed(AtomicBoolean owed) {
            if (!owed.get()) {
                return true;
            }
            List<InMemoryClientConnection> open = f.connector.openConnections();
            if (open.isEmpty()) {
                return false;
            }
            int dropped = random.nextInt(4) == 0
                    ? f.connector.dropAll()
                    : open.get(random.nextInt(open.size())).drop() ? 1 : 0;
            if (dropped == 0) {
                return false;
            }
            connectionsCut.addAndGet(dropped);
            cuts.incrementAndGet();
            owed.set(false);
            return true;
        }
    }
}
