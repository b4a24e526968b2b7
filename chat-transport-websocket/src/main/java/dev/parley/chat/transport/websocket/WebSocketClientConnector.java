package dev.parley.chat.transport.websocket;

import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.client.ClientConnector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Connects a {@link dev.parley.chat.client.ParleyClient} to a Parley server over WebSocket, with
 * the JDK's own client ({@code java.net.http.WebSocket}): no dependency beyond the JDK.
 *
 * <pre>{@code
 * ParleyClient client = ParleyClient.builder(
 *                 WebSocketClientConnector.builder(URI.create("wss://chat.example.com/ws")).token(jwt).build())
 *         .build();
 * }</pre>
 *
 * <p>Each connection reassembles fragmented text frames into whole frames (bounded by {@link
 * Builder#maxFrameChars}), asks the JDK for one frame at a time so a slow client pushes back on
 * the server instead of buffering without bound, answers the server's pings (the JDK does it),
 * and sends one frame at a time in the order given. A token, if set, goes in the handshake as
 * {@code Authorization: Bearer}.
 *
 * <p><b>Thread safety.</b> Immutable and safe from any thread; one connector serves every
 * connection of a client and may be shared by several clients.
 *
 * <p><b>Lifecycle.</b> Holds one {@link HttpClient}, made with the connector, whose threads are
 * the JDK's daemons; nothing to close. Connections live until closed by either side.
 */
public final class WebSocketClientConnector implements ClientConnector {
    private final URI uri;
    private final @Nullable Supplier<@Nullable String> token;
    private final Duration connectTimeout;
    private final int maxFrameChars;
    private final Duration closeTimeout;
    private final HttpClient http;

    private WebSocketClientConnector(Builder b) {
        this.uri = b.uri;
        this.token = b.token;
        this.connectTimeout = b.connectTimeout;
        this.maxFrameChars = b.maxFrameChars;
        this.closeTimeout = b.closeTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    /**
     * A connector with the default options to {@code uri}, such as {@code ws://127.0.0.1:8081/ws}.
     *
     * @throws IllegalArgumentException if the scheme is not {@code ws} or {@code wss}
     */
    public static WebSocketClientConnector to(URI uri) {
        return builder(uri).build();
    }

    /**
     * A builder for a connector to {@code uri}.
     *
     * @throws IllegalArgumentException if the scheme is not {@code ws} or {@code wss}
     */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    /** The server's WebSocket address. */
    public URI uri() {
        return uri;
    }

    /**
     * Opens a WebSocket to the server; the future fails with the JDK's exception when the
     * handshake fails (refused, timed out, rejected by the server).
     */
    @Override
    public CompletableFuture<ClientConnection> connect(ClientConnection.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        ClientWebSocketConnection connection = new ClientWebSocketConnection(listener, maxFrameChars, closeTimeout);
        WebSocket.Builder handshake = http.newWebSocketBuilder().connectTimeout(connectTimeout);
        String credential = token == null ? null : token.get();
        if (credential != null) {
            handshake.header("Authorization", "Bearer " + credential);
        }
        CompletableFuture<ClientConnection> opened = new CompletableFuture<>();
        try {
            handshake.buildAsync(uri, connection).whenComplete((ws, failure) -> {
                if (failure != null) {
                    connection.handshakeFailed();
                    opened.completeExceptionally(failure);
                } else {
                    opened.complete(connection);
                }
            });
        } catch (RuntimeException e) {
            opened.completeExceptionally(e);
        }
        return opened;
    }

    @Override
    public String toString() {
        return "WebSocketClientConnector[" + uri + "]";
    }

    /**
     * Options of a {@link WebSocketClientConnector}; each setter checks its value at once.
     *
     * <p><b>Thread safety.</b> Not thread-safe; use it from one thread, then {@link #build()}.
     */
    public static final class Builder {
        private final URI uri;
        private @Nullable Supplier<@Nullable String> token;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxFrameChars = 64 * 1024 * 1024;
        private Duration closeTimeout = Duration.ofSeconds(5);

        private Builder(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss")) {
                throw new IllegalArgumentException("uri was " + uri + " but must start with ws:// or wss://");
            }
            this.uri = uri;
        }

        /** A token sent in every handshake as {@code Authorization: Bearer <token>}. */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            this.token = () -> token;
            return this;
        }

        /**
         * Where each handshake gets its token (null: none), so a reconnect presents a fresh one.
         * Called on the client's thread: it must return at once, never block.
         */
        public Builder tokenSupplier(Supplier<@Nullable String> tokenSupplier) {
            this.token = Objects.requireNonNull(tokenSupplier, "tokenSupplier");
            return this;
        }

        /**
         * How long the TCP connect and WebSocket handshake may take; default 10 s.
         *
         * @throws IllegalArgumentException if outside [1 ms, 600000 ms]
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = checkDuration("connectTimeout", timeout, 1, 600_000);
            return this;
        }

        /**
         * How long a closing connection waits for the server's close before it drops the socket;
         * default 5 s.
         *
         * @throws IllegalArgumentException if outside [1 ms, 600000 ms]
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = checkDuration("closeTimeout", timeout, 1, 600_000);
            return this;
        }

        /**
         * The largest server frame accepted after reassembly, in characters; a larger one closes
         * the connection with 1009. Default 64 Mi (server frames have no protocol bound).
         *
         * @throws IllegalArgumentException if outside [1024, 1073741824]
         */
        public Builder maxFrameChars(int chars) {
            if (chars < 1024 || chars > (1 << 30)) {
                throw new IllegalArgumentException("maxFrameChars was " + chars + " but must be in [1024, 1073741824]");
            }
            this.maxFrameChars = chars;
            return this;
        }

        /** Makes the connector. */
        public WebSocketClientConnector build() {
            return new WebSocketClientConnector(this);
        }

        private static Duration checkDuration(String name, Duration value, long lowMillis, long highMillis) {
            Objects.requireNonNull(value, name);
            if (value.toMillis() < lowMillis || value.toMillis() > highMillis || value.isNegative()) {
                throw new IllegalArgumentException(name + " was " + value.toMillis() + " ms but must be in ["
                        + lowMillis + " ms, " + highMillis + " ms]");
            }
            return value;
        }
    }
}
