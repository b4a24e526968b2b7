package dev.parley.chat.testkit.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.client.ClientConnector;
import java.io.UncheckedIOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake server the test plays by hand: it records the frames the client sends and lets the
 * test answer with any frame, including ones a correct server never sends (a repeat, a gap).
 */
final class ScriptedConnector implements ClientConnector {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<JsonNode> sent = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile ClientConnection.Listener listener;

    @Override
    public CompletableFuture<ClientConnection> connect(ClientConnection.Listener theListener) {
        this.listener = theListener;
        connections.incrementAndGet();
        return CompletableFuture.completedFuture(new ClientConnection() {
            private boolean closed;

            @Override
            public synchronized void send(String text) {
                if (!closed) {
                    try {
                        sent.add(JSON.readTree(text));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public synchronized void close(int code, String reason) {
                if (!closed) {
                    closed = true;
                    theListener.onClosed(code, reason);
                }
            }
        });
    }

    /** The next frame the client sent, which must be of {@code type}. */
    JsonNode expect(String type) throws InterruptedException {
        JsonNode frame = sent.poll(10, TimeUnit.SECONDS);
        if (frame == null) {
            throw new AssertionError("the client sent no " + type + " within 10 s");
        }
        if (!type.equals(frame.path("type").asText())) {
            throw new AssertionError("expected a " + type + " frame but the client sent " + frame);
        }
        return frame;
    }

    /** Sends a frame to the client. */
    void push(String json) {
        listener.onText(json);
    }

    /** Cuts the current connection from the server's side. */
    void lose() {
        listener.onClosed(1006, "lost");
    }

    int connections() {
        return connections.get();
    }

    static String message(String room, long seq) {
        return "{\"type\":\"message\",\"room\":\"" + room + "\",\"seq\":" + seq + ",\"id\":\"m" + seq
                + "\",\"user\":\"bob\",\"body\":\"b" + seq + "\",\"ts\":1,\"kind\":\"text\"}";
    }

    static String joined(long ref, String room, String epoch, long seq, boolean recovered, String... messages) {
        return "{\"type\":\"joined\",\"ref\":" + ref + ",\"room\":\"" + room + "\",\"epoch\":\"" + epoch
                + "\",\"seq\":" + seq + ",\"first\":1,\"read\":0,\"members\":[],\"messages\":["
                + String.join(",", messages) + "],\"recovered\":" + recovered + "}";
    }

    static String welcome(long ref) {
        return "{\"type\":\"welcome\",\"ref\":" + ref + ",\"v\":1,\"session\":\"s1\",\"user\":\"alice\","
                + "\"heartbeatMs\":25000,\"limits\":{\"maxFrameBytes\":65536,\"maxBodyBytes\":4096,"
                + "\"historyLimit\":100,\"publishPerSecond\":10}}";
    }
}
