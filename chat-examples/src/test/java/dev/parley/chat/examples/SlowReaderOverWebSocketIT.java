package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reader that stops reading, over real sockets: what the server holds for it stays within the
 * outbound budget plus one frame, the other members go on, and it gets everything once it reads.
 */
@Timeout(120)
class SlowReaderOverWebSocketIT {
    private static final long BUDGET = 64 * 1024;
    private static final int COUNT = 3000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void pausedReader_isHeldToItsBudget_othersGoOn_andItGetsEverythingInOrderAfterwards() throws Exception {
        WebSocketTransport ws = WebSocketTransport.builder().bind(new InetSocketAddress("127.0.0.1", 0)).build();
        Measured measured = new Measured(ws);
        ChatServer server = ChatServer.builder()
                .store(MessageStore.inMemory(100_000))
                .publishPerSecond(100_000).publishBurst(100_000)
                .maxOutboundBytes(BUDGET)
                .build();
        server.start(measured);
        URI uri = URI.create("ws://127.0.0.1:" + ws.port() + "/ws");
        String body = "x".repeat(1000);
        try (RawWebSocket slow = new RawWebSocket(uri, 4096);
                JdkWebSocketClient fast = JdkWebSocketClient.connect(uri);
                JdkWebSocketClient publisher = JdkWebSocketClient.connect(uri)) {
            slow.sendText("{\"type\":\"hello\",\"v\":1,\"user\":\"slow\"}");
            slow.sendText("{\"type\":\"join\",\"room\":\"firehose\",\"ref\":1}");
            assertThat(JSON.readTree(slow.readText()).get("type").asText()).isEqualTo("welcome");
            assertThat(JSON.readTree(slow.readText()).get("type").asText()).isEqualTo("joined");
            fast.request("{\"type\":\"hello\",\"v\":1,\"user\":\"fast\"}");
            fast.request("{\"type\":\"join\",\"room\":\"firehose\"}");
            publisher.request("{\"type\":\"hello\",\"v\":1,\"user\":\"publisher\"}");
            publisher.request("{\"type\":\"join\",\"room\":\"firehose\"}");

            // The slow reader now reads nothing while the room is written.
            for (int i = 0; i < COUNT; i++) {
                publisher.send("{\"type\":\"publish\",\"room\":\"firehose\",\"body\":\"" + body + "\"}");
            }
            List<JsonNode> seen = fast.awaitAll(f -> "message".equals(f.path("type").asText()), COUNT, Duration.ofSeconds(60));
            for (int i = 0; i < COUNT; i++) {
                assertThat(seen.get(i).get("seq").asLong()).isEqualTo(i + 1L);
            }
            int oneFrame = 1200;
            assertThat(measured.maxQueuedBytes.get()).as("bytes queued for the paused reader")
                    .isGreaterThan(BUDGET / 2)
                    .isLessThanOrEqualTo(BUDGET + oneFrame);

            long expected = 1;
            while (expected <= COUNT) {
                JsonNode frame = JSON.readTree(slow.readText());
                if (frame.get("type").asText().equals("message")) {
                    assertThat(frame.get("seq").asLong()).isEqualTo(expected++);
                }
            }
            assertThat(measured.maxQueuedBytes.get()).isLessThanOrEqualTo(BUDGET + oneFrame);
        } finally {
            server.close();
        }
    }

    /** The WebSocket transport, with the most bytes ever queued on any of its connections recorded. */
    private static final class Measured implements Transport {
        private final Transport delegate;
        /** The most bytes ever queued on the first connection, the slow reader's. */
        final AtomicLong maxQueuedBytes = new AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        Measured(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public void start(ConnectionAcceptor acceptor) {
            delegate.start(connection -> acceptor.accept(
                    new MeasuredConnection(connection, accepted.incrementAndGet() == 1)));
        }

        @Override
        public void close() {
            delegate.close();
        }

        private final class MeasuredConnection implements Connection {
            private final Connection inner;
            private final boolean measured;

            MeasuredConnection(Connection inner, boolean measured) {
                this.inner = inner;
                this.measured = measured;
            }

            @Override
            public String id() {
                return inner.id();
            }

            @Override
            public Handshake handshake() {
                return inner.handshake();
            }

            @Override
            public boolean send(OutboundFrame frame) {
                boolean sent = inner.send(frame);
                if (measured) {
                    maxQueuedBytes.accumulateAndGet(inner.queuedBytes(), Math::max);
                }
                return sent;
            }

            @Override
            public long queuedBytes() {
                return inner.queuedBytes();
            }

            @Override
            public void requestDrainNotice() {
                inner.requestDrainNotice();
            }

            @Override
            public void close(int code, String reason) {
                inner.close(code, reason);
            }
        }
    }
}
