package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A protocol client that is not Parley's: the JDK's {@link WebSocket}, recording every frame the
 * server sends, with deadline-bound awaits. What a third-party client sees, it sees.
 */
final class JdkWebSocketClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Object lock = new Object();
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> raw = new ArrayList<>();
    private int consumed;
    private int closeCode = -1;
    private boolean paused;
    private final WebSocket socket;
    private int ref = 100;

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
                String text = partial.toString();
                partial.setLength(0);
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (Exception e) {
                    throw new AssertionError("not JSON: " + text, e);
                }
                synchronized (lock) {
                    raw.add(text);
                    frames.add(node);
                    lock.notifyAll();
                }
            }
            requestMore(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            synchronized (lock) {
                closeCode = statusCode;
                lock.notifyAll();
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            synchronized (lock) {
                if (closeCode < 0) {
                    closeCode = 1006;
                }
                lock.notifyAll();
            }
        }
    }

    private void requestMore(WebSocket ws) {
        synchronized (lock) {
            if (paused) {
                return;
            }
        }
        ws.request(1);
    }

    /** Stops reading: the JDK client requests no more frames until {@link #resume()}. */
    void pause() {
        synchronized (lock) {
            paused = true;
        }
    }

    void resume() {
        synchronized (lock) {
            paused = false;
        }
        socket.request(1);
    }

    void send(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Sends a command with a fresh integer ref and awaits the frame that carries it back. */
    JsonNode request(String command) {
        int r;
        synchronized (lock) {
            r = ++ref;
        }
        send(command.substring(0, command.lastIndexOf('}')) + ",\"ref\":" + r + "}");
        return await(f -> f.path("ref").isInt() && f.path("ref").asInt() == r, "reply to ref " + r);
    }

    JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asText()), "a " + type + " frame");
    }

    JsonNode await(Predicate<JsonNode> matching, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (lock) {
            while (true) {
                while (consumed < frames.size()) {
                    JsonNode f = frames.get(consumed++);
                    if (matching.test(f)) {
                        return f;
                    }
                }
                waitUntil(deadline, what);
            }
        }
    }

    /** Waits until {@code count} frames match among all received; returns every match. */
    List<JsonNode> awaitAll(Predicate<JsonNode> matching, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                List<JsonNode> found = new ArrayList<>();
                for (JsonNode f : frames) {
                    if (matching.test(f)) {
                        found.add(f);
                    }
                }
                if (found.size() >= count) {
                    return found;
                }
                waitUntil(deadline, count + " frames (have " + found.size() + ")");
            }
        }
    }

    int awaitClosed() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (lock) {
            while (closeCode < 0) {
                waitUntil(deadline, "the close");
            }
            return closeCode;
        }
    }

    /** Every frame's text as received, for checks that no field is ever null. */
    List<String> rawFrames() {
        synchronized (lock) {
            return new ArrayList<>(raw);
        }
    }

    private void waitUntil(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError("timed out waiting for " + what + "; last frames: "
                    + frames.subList(Math.max(0, frames.size() - 5), frames.size()));
        }
        try {
            lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        socket.abort();
    }

}
