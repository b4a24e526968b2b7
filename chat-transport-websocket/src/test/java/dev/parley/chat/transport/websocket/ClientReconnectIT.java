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
import dev.parley.chat.testkit.ReconnectChaos;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ParleyClient} over real WebSocket ({@link WebSocketClientConnector} to a {@link
 * WebSocketTransport} on 127.0.0.1): the testkit's {@link ReconnectChaos} scenario, with
 * connections cut from the server side.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientReconnectIT {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(50), 2.0, 0.5);

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
        CuttableTransport transport = startServer();
        ReconnectChaos.run(
                user -> client(transport, user, null),
                ReconnectChaos.connections(() -> new ArrayList<>(transport.open), transport::cut));
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

        /** Closes {@code c} from the server side; counts as a cut even if it was closing already. */
        boolean cut(Connection c) {
            c.close(1011, "cut by the test");
            open.remove(c);
            return true;
        }

        @Override
        public void close() {
            ws.close();
        }
    }
}
