package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.FrameLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A protocol client that is not Parley's: the JDK's {@link WebSocket}, recording every frame the
 * server sends in a {@link FrameLog}. What a third-party client sees, it sees.
 */
final class JdkWebSocketClient implements AutoCloseable {
    static final Duration TIMEOUT = FrameLog.DEFAULT_TIMEOUT;

    private final FrameLog log = new FrameLog();
    private final AtomicInteger refs = new AtomicInteger(100);
    private final WebSocket socket;

    private JdkWebSocketClient(URI uri) {
        socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(uri, new Listener())
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    static JdkWebSocketClient connect(URI uri) {
        return new JdkWebSocketClient(uri);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                log.received(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            log.closed(statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            log.closed(1006, String.valueOf(error));
        }
    }

    void send(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Sends a command with a fresh integer ref and awaits the frame that carries it back. */
    JsonNode request(String command) {
        int ref = refs.incrementAndGet();
        send(command.substring(0, command.lastIndexOf('}')) + ",\"ref\":" + ref + "}");
        return await(f -> f.path("ref").isInt() && f.path("ref").asInt() == ref, "reply to ref " + ref);
    }

    JsonNode awaitType(String type) {
        return log.awaitType(type);
    }

    JsonNode await(Predicate<JsonNode> matching, String what) {
        return log.await(matching, TIMEOUT, what);
    }

    List<JsonNode> awaitAll(Predicate<JsonNode> matching, int count, Duration timeout) {
        return log.awaitAll(matching, count, timeout, "frames");
    }

    int awaitClosed() {
        return log.awaitClosed();
    }

    /** The close code, or -1 while the connection is open. */
    int closeCode() {
        return log.closeCode();
    }

    /** Every frame's text as received, for checks that no field is ever null. */
    List<String> rawFrames() {
        return log.texts();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        socket.abort();
    }
}
