package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatServer;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.testkit.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link WebSocketTransport} does beyond the transport contract, over real sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketTransportIT {
    private static final Duration WAIT = EchoAcceptor.WAIT;
    private static final String ALLOWED = "https://allowed.example";

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final EchoAcceptor acceptor = new EchoAcceptor();

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

    private WebSocketTransport start(UnaryOperator<WebSocketTransport.Builder> options) {
        WebSocketTransport transport = options.apply(WebSocketTransport.builder()
                        .bind(new InetSocketAddress("127.0.0.1", 0))
                        .workerThreads(2)
                        .daemonThreads(true))
                .build();
        toClose.add(transport);
        transport.start(acceptor);
        return transport;
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    private RawClient client(WebSocketTransport transport, String pathAndQuery, Map<String, String> headers)
            throws Exception {
        return closing(JdkRawClient.open(transport, pathAndQuery, headers));
    }

    private static void assertEchoes(RawClient client, String text) {
        client.sendText(text);
        assertThat(client.nextText(WAIT)).isEqualTo(text);
    }

    // ---- start and bind ---------------------------------------------------------------------------

    @Test
    void start_onPortZero_reportsTheBoundPort() throws Exception {
        WebSocketTransport transport = closing(WebSocketTransport.listen(new InetSocketAddress("127.0.0.1", 0)));
        transport.start(acceptor);

        assertThat(transport.port()).isPositive();
        assertThat(transport.address().getPort()).isEqualTo(transport.port());
        assertThat(transport.path()).isEqualTo("/ws");
        assertEchoes(client(transport, "/ws", Map.of()), "hi");
    }

    @Test
    void start_onAPortInUse_throwsChatException_andTheOtherServerGoesOn() throws Exception {
        WebSocketTransport first = start(b -> b);
        WebSocketTransport second = closing(WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", first.port()))
                .daemonThreads(true)
                .build());

        assertThatThrownBy(() -> second.start(new EchoAcceptor()))
                .isInstanceOf(ChatException.class)
                .satisfies(e -> assertThat(((ChatException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining(String.valueOf(first.port()));
        second.close();

        assertEchoes(client(first, "/ws", Map.of()), "still serving");
    }

    // ---- handshake --------------------------------------------------------------------------------

    @Test
    void handshake_neverCompleted_isClosedAfterTheHandshakeTimeout() throws Exception {
        // Short enough to keep the test quick, long enough that the well-behaved client below
        // completes its own handshake in time on a loaded machine.
        WebSocketTransport transport = start(b -> b.handshakeTimeout(Duration.ofSeconds(2)));
        RawSocket trickler = closing(RawSocket.connect(transport.port(), WAIT));
        RawSocket silent = closing(RawSocket.connect(transport.port(), WAIT));

        trickler.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n");

        assertThat(trickler.awaitServerClose()).as("closed by the server").isTrue();
        assertThat(silent.awaitServerClose()).as("closed by the server").isTrue();
        assertEchoes(client(transport, "/ws", Map.of()), "others still connect");
        assertThat(acceptor.count.get()).isEqualTo(1);
    }

    @Test
    void handshake_fromAForeignOrigin_getsAnHttpRefusalAndIsClosed_andOthersStillConnect() throws Exception {
        // A handshake timeout far beyond the read deadline: only the refusal may close the socket.
        WebSocketTransport transport = start(b -> b.allowedOrigins(List.of(ALLOWED)).handshakeTimeout(Duration.ofMinutes(10)));
        RawSocket foreign = closing(RawSocket.connect(transport.port(), WAIT));

        String response = foreign.handshake("/ws", Map.of("Origin", "https://foreign.example"));

        assertThat(response).startsWith("HTTP/1.1 404");
        assertThat(foreign.awaitServerClose()).as("closed by the server").isTrue();
        assertThatThrownBy(() -> client(transport, "/ws", Map.of("Origin", "https://foreign.example")))
                .isInstanceOf(RawClient.Refused.class);
        assertEchoes(client(transport, "/ws", Map.of("Origin", ALLOWED)), "allowed");
        // Clients that are not browser pages send no Origin; the allow-list does not concern them.
        assertEchoes(client(transport, "/ws", Map.of()), "no origin");
        assertThat(acceptor.count.get()).isEqualTo(2);
    }

    @Test
    void handshake_forAnotherPath_isRefused() throws Exception {
        WebSocketTransport transport = start(b -> b.path("/chat"));
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));

        assertThat(raw.handshake("/ws", Map.of())).startsWith("HTTP/1.1 404");
        assertThatThrownBy(() -> client(transport, "/chatroom", Map.of())).isInstanceOf(RawClient.Refused.class);
        assertEchoes(client(transport, "/chat?x=1", Map.of()), "right path");
        assertThat(acceptor.count.get()).isEqualTo(1);
    }

    @Test
    void handshake_overTheSizeCap_isClosed() throws Exception {
        WebSocketTransport transport = start(b -> b.handshakeTimeout(Duration.ofMinutes(10)));
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));

        raw.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "p".repeat(WsServer.MAX_HANDSHAKE_BYTES));

        assertThat(raw.awaitServerClose()).as("closed by the server").isTrue();
    }

    @Test
    void pendingHandshakes_overTheCap_areClosedAtOnce() throws Exception {
        WebSocketTransport transport = start(b -> b.maxPendingHandshakes(2).handshakeTimeout(Duration.ofMinutes(10)));
        RawSocket first = closing(RawSocket.connect(transport.port(), WAIT));
        RawSocket second = closing(RawSocket.connect(transport.port(), WAIT));
        RawSocket third = closing(RawSocket.connect(transport.port(), WAIT));

        assertThat(third.awaitServerClose()).as("closed by the server").isTrue();

        first.close();
        second.close();
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            try (RawClient client = JdkRawClient.open(transport, "/ws", Map.of())) {
                assertEchoes(client, "room again");
            }
        });
    }

    @Test
    void handshakeCredentials_becomeTheToken_headerBeforeQueryBeforeCookie() throws Exception {
        WebSocketTransport transport = start(b -> b.allowedOrigins(List.of(ALLOWED)));

        client(transport, "/ws?token=from%20query", Map.of("Authorization", "Bearer from-header",
                "Cookie", "parley_token=from-cookie"));
        assertThat(acceptor.next().connection.handshake().token()).isEqualTo("from-header");

        client(transport, "/ws?a=b&token=from%20query", Map.of("Cookie", "x=y; parley_token=from-cookie"));
        assertThat(acceptor.next().connection.handshake().token()).isEqualTo("from query");

        client(transport, "/ws", Map.of("Origin", ALLOWED, "Cookie", "x=y; parley_token=from-cookie"));
        assertThat(acceptor.next().connection.handshake().token()).isEqualTo("from-cookie");

        client(transport, "/ws", Map.of());
        EchoAcceptor.Handler anonymous = acceptor.next();
        assertThat(anonymous.connection.handshake().token()).isNull();
        assertThat(anonymous.connection.handshake().remoteAddress()).startsWith("127.0.0.1:");
    }

    @Test
    void cookieCredentials_fromAForeignOrigin_areRefusedByDefault_andCountOnlyWithAnOriginAllowList()
            throws Exception {
        WebSocketTransport byDefault = start(b -> b);

        // A page of another site, whose browser sends the user's parley_token cookie along.
        client(byDefault, "/ws", Map.of("Origin", "https://evil.example", "Cookie", "parley_token=alice-secret"));
        assertThat(acceptor.next().connection.handshake().token())
                .as("without an origin allow-list a cookie must not become a credential").isNull();
        client(byDefault, "/ws?token=from%20query", Map.of("Cookie", "parley_token=alice-secret"));
        assertThat(acceptor.next().connection.handshake().token()).isEqualTo("from query");

        WebSocketTransport guarded = start(b -> b.allowedOrigins(List.of(ALLOWED)));
        assertThatThrownBy(() -> client(guarded, "/ws",
                Map.of("Origin", "https://evil.example", "Cookie", "parley_token=alice-secret")))
                .as("with an allow-list a foreign origin is refused at the handshake")
                .isNotNull();
        client(guarded, "/ws", Map.of("Origin", ALLOWED, "Cookie", "parley_token=alice-secret"));
        assertThat(acceptor.next().connection.handshake().token()).isEqualTo("alice-secret");
    }

    // ---- frames -----------------------------------------------------------------------------------

    @Test
    void textFrame_thatIsNotUtf8_closesWith1007() throws Exception {
        WebSocketTransport transport = start(b -> b);
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));
        assertThat(raw.handshake("/ws", Map.of())).startsWith("HTTP/1.1 101");
        EchoAcceptor.Handler handler = acceptor.next();

        raw.sendFrame(0x1, new byte[] {'o', 'k'});
        assertThat(raw.readFrame().text()).isEqualTo("ok");
        raw.sendFrame(0x1, new byte[] {(byte) 0xC3, (byte) 0x28});

        assertThat(raw.readCloseCode()).isEqualTo(1007);
        assertThat(handler.awaitClosed()).isEqualTo(1007);
        assertThat(handler.texts).containsExactly("ok");
    }

    @Test
    void serverClose_reachesAPeerThatIsStillSending_andTheSocketIsDroppedSoonAfterEvenIfThePeerNeverStops()
            throws Exception {
        WebSocketTransport transport = start(b -> b);
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));
        assertThat(raw.handshake("/ws", Map.of())).startsWith("HTTP/1.1 101");
        EchoAcceptor.Handler handler = acceptor.next();
        CompletableFuture<Long> writeFailedAt = new CompletableFuture<>();
        Thread sender = new Thread(() -> {
            byte[] payload = "x".repeat(4000).getBytes(StandardCharsets.UTF_8);
            try {
                while (true) {
                    raw.sendFrame(0x1, payload); // never stops, never sends a close frame
                }
            } catch (IOException e) {
                writeFailedAt.complete(System.nanoTime());
            }
        }, "never-stops-sending");
        sender.setDaemon(true);
        sender.start();
        await().atMost(WAIT).until(() -> !handler.texts.isEmpty());

        handler.connection.close(1008, "policy");

        assertThat(raw.readCloseCode()).as("the close code reaches a peer that is still sending").isEqualTo(1008);
        long closeFrameAt = System.nanoTime();
        long droppedAt = writeFailedAt.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // PROTOCOL §7: 2 s of lingering at most; the margin is for a loaded machine, not for the server.
        assertThat(Duration.ofNanos(droppedAt - closeFrameAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(handler.awaitClosed()).isEqualTo(1008);
    }

    @Test
    void fragmentedMessage_overTheLimit_closesWith1009() throws Exception {
        WebSocketTransport transport = start(b -> b.maxFrameBytes(1000));
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));
        assertThat(raw.handshake("/ws", Map.of())).startsWith("HTTP/1.1 101");
        EchoAcceptor.Handler handler = acceptor.next();
        byte[] half = "h".repeat(600).getBytes(StandardCharsets.UTF_8);

        raw.sendFrameNotFinal(0x1, half);
        raw.sendFrame(0x0, half);

        assertThat(raw.readCloseCode()).isEqualTo(1009);
        assertThat(handler.awaitClosed()).isEqualTo(1009);
        assertThat(handler.texts).isEmpty();
    }

    @Test
    void frameLimit_isTheServers_whenTheTransportDoesNotOverrideIt() throws Exception {
        WebSocketTransport transport = closing(WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .daemonThreads(true)
                .build());
        ChatServer server = closing(ChatServer.builder().maxFrameBytes(1000).build());
        server.start(transport);
        RawSocket raw = closing(RawSocket.connect(transport.port(), WAIT));
        assertThat(raw.handshake("/ws", Map.of())).startsWith("HTTP/1.1 101");

        raw.sendFrame(0x1, "x".repeat(1001).getBytes(StandardCharsets.UTF_8));

        assertThat(raw.readCloseCode()).as("a frame over the server's maxFrameBytes closes with 1009").isEqualTo(1009);
    }

    // ---- liveness and shutdown --------------------------------------------------------------------

    @Test
    void peer_thatAnswersNoPings_isClosedAsLost() throws Exception {
        WebSocketTransport transport = start(b -> b.heartbeat(Duration.ofSeconds(1)));
        RawSocket mute = closing(RawSocket.connect(transport.port(), WAIT));
        assertThat(mute.handshake("/ws", Map.of())).startsWith("HTTP/1.1 101");
        EchoAcceptor.Handler handler = acceptor.next();

        // The raw socket reads nothing and so never answers a ping.
        assertThat(handler.awaitClosed()).isEqualTo(1006);
    }

    @Test
    void close_alsoClosesSocketsStillInTheirHandshake() throws Exception {
        WebSocketTransport transport = start(b -> b.handshakeTimeout(Duration.ofMinutes(10)));
        RawSocket pending = closing(RawSocket.connect(transport.port(), WAIT));
        pending.write("GET /ws HTTP/1.1\r\n");
        RawClient open = client(transport, "/ws", Map.of());
        assertEchoes(open, "before");

        transport.close();

        assertThat(open.awaitClose(WAIT)).isEqualTo(1001);
        assertThat(pending.awaitServerClose()).as("closed by the server").isTrue();
    }
}
