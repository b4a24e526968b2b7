package dev.parley.chat.transport.websocket;

import dev.parley.chat.testkit.RawClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link RawClient} on the JDK's {@link WebSocket}. Reading is paused by not requesting the next
 * message: the JDK client then stops reading its socket, so the server's frames back up.
 */
final class JdkRawClient implements RawClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final Object demandLock = new Object();
    private boolean paused;
    private boolean owed;
    private volatile WebSocket socket;

    private JdkRawClient() {}

    /** Opens a client to {@code uri} with {@code headers}; throws {@link Refused} on refusal. */
    static JdkRawClient open(URI uri, Map<String, String> headers) throws Exception {
        JdkRawClient client = new JdkRawClient();
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        headers.forEach(builder::header);
        try {
            client.socket = builder.buildAsync(uri, client.new Listener()).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                throw new Refused("HTTP " + refused.getResponse().statusCode(), refused);
            }
            throw e;
        }
        return client;
    }

    /** Opens a client to a started WebSocket transport on 127.0.0.1. */
    static JdkRawClient open(WebSocketTransport transport, String pathAndQuery, Map<String, String> headers)
            throws Exception {
        return open(URI.create("ws://127.0.0.1:" + transport.port() + pathAndQuery), headers);
    }

    @Override
    public void sendText(String text) {
        await(socket.sendText(text, true));
    }

    @Override
    public void sendBinary(byte[] data) {
        await(socket.sendBinary(ByteBuffer.wrap(data), true));
    }

    @Override
    public String nextText(Duration timeout) {
        try {
            String text = texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (text == null) {
                throw new AssertionError("no text frame within " + timeout
                        + (closed.isDone() ? "; closed with " + closed.join() : ""));
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("still open after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    @Override
    public void close(int code, String reason) {
        await(socket.sendClose(code, reason));
    }

    @Override
    public void abort() {
        socket.abort();
        closed.complete(1006);
    }

    @Override
    public void pauseReading() {
        synchronized (demandLock) {
            paused = true;
        }
    }

    @Override
    public void resumeReading() {
        boolean request;
        synchronized (demandLock) {
            paused = false;
            request = owed;
            owed = false;
        }
        if (request) {
            socket.request(1);
        }
    }

    private void next(WebSocket ws) {
        synchronized (demandLock) {
            if (paused) {
                owed = true;
                return;
            }
        }
        ws.request(1);
    }

    private static void await(CompletableFuture<WebSocket> sent) {
        try {
            sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("send failed: " + e, e);
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            next(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            next(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            next(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            next(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(1006);
        }
    }
}
