package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.ChatServer;
import dev.parley.chat.Message;
import dev.parley.chat.client.Backoff;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Transport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ParleyClient} over real WebSocket ({@link WebSocketClientConnector} to a {@link
 * WebSocketTransport} on 127.0.0.1): the in-JVM reconnect test of the testkit, with connections
 * cut from the server side.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientReconnectIT {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(50), 2.0, 0.5);
    private static final int CLIENTS = 4;
    private static final int EACH = 500;
    private static final int TOTAL = CLIENTS * EACH;
    private static final int ROUNDS = 100;
    private static final int PER_CLIENT_PER_ROUND = EACH / ROUNDS;
    private static final int PER_ROUND = CLIENTS * PER_CLIENT_PER_ROUND;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    void overWebSocket_connectJoinPublishReceive_withAHandshakeToken() throws Exception {
        CuttableTransport transport = startServer();
        ParleyClient alice = client(transport, "alice", "secret-token");
        ParleyClient bob = client(transport, "bob", null);
        Recorder aliceSees = new Recorder();
        Recorder bobSees = new Recorder();
        alice.join("general", aliceSees).joined().get(10, TimeUnit.SECONDS);
        bob.join("general", bobSees).joined().get(10, TimeUnit.SECONDS);

        PublishedMessage ack = alice.publish("general", "x".repeat(3000)).get(10, TimeUnit.SECONDS);
        bob.publish("general", "hi").get(10, TimeUnit.SECONDS);

        assertThat(ack.seq()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> aliceSees.messages.size() == 2 && bobSees.messages.size() == 2);
        assertThat(bobSees.messages.get(0).body()).hasSize(3000);
        assertThat(transport.tokens).contains("secret-token");
    }

    @Test
    void hundredServerSideCuts_whileFourClientsPublish_everyListenerSeesAll2000Once_inSeqOrder_andEveryPublishLandsOnce()
            throws Exception {
        Random random = new Random(0x5EED_2025L);
        CuttableTransport transport = startServer();
        List<ParleyClient> clients = new ArrayList<>();
        List<Recorder> listeners = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ParleyClient client = client(transport, "user" + i, null);
            Recorder listener = new Recorder();
            client.join("room", listener).joined().get(10, TimeUnit.SECONDS);
            clients.add(client);
            listeners.add(listener);
        }
        AtomicInteger cuts = new AtomicInteger();
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
            for (CompletableFuture<PublishedMessage> ack : roundAcks) {
                ack.whenComplete((m, e) -> {
                    if (acknowledgedInRound.incrementAndGet() >= cutAfter) {
                        transport.cutIfOwed(owed, random, cuts);
                    }
                });
            }
            CompletableFuture.allOf(roundAcks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            if (owed.get()) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> transport.cutIfOwed(owed, random, cuts));
            }
        }
        for (Recorder listener : listeners) {
            await().atMost(Duration.ofSeconds(30)).until(() -> listener.messages.size() >= TOTAL);
        }

        assertThat(cuts.get()).isEqualTo(ROUNDS);
        Map<String, Long> seqOfCid = new HashMap<>();
        Set<Long> ackedSeqs = new HashSet<>();
        for (List<CompletableFuture<PublishedMessage>> mine : acks) {
            for (CompletableFuture<PublishedMessage> ack : mine) {
                PublishedMessage m = ack.join();
                ackedSeqs.add(m.seq());
                seqOfCid.put(m.cid(), m.seq());
            }
        }
        List<Long> all = LongStream.rangeClosed(1, TOTAL).boxed().collect(Collectors.toList());
        assertThat(ackedSeqs).containsExactlyInAnyOrderElementsOf(all);
        List<Message> reference = listeners.get(0).messages;
        for (Recorder listener : listeners) {
            assertThat(listener.messages.stream().map(Message::seq).collect(Collectors.toList()))
                    .containsExactlyElementsOf(all);
            assertThat(listener.messages).isEqualTo(reference);
        }
        for (Message m : reference) {
            assertThat(seqOfCid.get(m.cid())).as("seq acknowledged for %s", m.body()).isEqualTo(m.seq());
        }
    }

    private CuttableTransport startServer() {
        WebSocketTransport ws = WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .daemonThreads(true)
                .build();
        CuttableTransport transport = new CuttableTransport(ws);
        ChatServer server = ChatServer.builder().publishPerSecond(1_000_000).publishBurst(1_000_000).build();
        toClose.add(server::close);
        server.start(transport);
        return transport;
    }

    private ParleyClient client(CuttableTransport transport, String user, String token) throws Exception {
        WebSocketClientConnector.Builder connector = WebSocketClientConnector.builder(
                URI.create("ws://127.0.0.1:" + transport.ws.port() + transport.ws.path()));
        if (token != null) {
            connector.token(token);
        }
        ParleyClient client = ParleyClient.builder(connector.build()).user(user).backoff(FAST).build();
        toClose.add(client);
        client.connect().get(10, TimeUnit.SECONDS);
        return client;
    }

    private static final class Recorder implements RoomListener {
        final List<Message> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(Message message) {
            messages.add(message);
        }
    }

    /**
     * The WebSocket transport with a hook in its acceptor: it keeps the open connections so the
     * test can close them from the server side, as a failing network or server would.
     */
    private static final class CuttableTransport implements Transport {
        final WebSocketTransport ws;
        final List<Connection> open = new CopyOnWriteArrayList<>();
        final List<String> tokens = new CopyOnWriteArrayList<>();

        CuttableTransport(WebSocketTransport ws) {
            this.ws = ws;
        }

        @Override
        public void start(ConnectionAcceptor acceptor) {
            ws.start(connection -> {
                open.add(connection);
                if (connection.handshake().token() != null) {
                    tokens.add(connection.handshake().token());
                }
                ConnectionHandler handler = acceptor.accept(connection);
                return new ConnectionHandler() {
                    @Override
                    public void onText(String text) {
                        handler.onText(text);
                    }

                    @Override
                    public void onBinary() {
                        handler.onBinary();
                    }

                    @Override
                    public void onDrained() {
                        handler.onDrained();
                    }

                    @Override
                    public void onClosed(int code, String reason) {
                        open.remove(connection);
                        handler.onClosed(code, reason);
                    }
                };
            });
        }

        /** Makes the owed cut if a connection is open: all of them one time in four, else one. */
        synchronized boolean cutIfOwed(AtomicBoolean owed, Random random, AtomicInteger cuts) {
            if (!owed.get()) {
                return true;
            }
            List<Connection> now = new ArrayList<>(open);
            if (now.isEmpty()) {
                return false;
            }
            if (random.nextInt(4) == 0) {
                for (Connection c : now) {
                    c.close(1011, "cut by the test");
                    open.remove(c);
                }
            } else {
                Connection c = now.get(random.nextInt(now.size()));
                c.close(1011, "cut by the test");
                open.remove(c);
            }
            cuts.incrementAndGet();
            owed.set(false);
            return true;
        }

        @Override
        public void close() {
            ws.close();
        }
    }
}
