package dev.parley.chat.transport.websocket;

import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.Handshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java-WebSocket server behind a {@link WebSocketTransport}: it refuses handshakes for other
 * paths and origins, hands opened connections to the engine, and keeps the guards PITFALLS.md asks
 * for (frame limit, no compression, handshake deadline and size cap, bind errors as a future).
 *
 * <p><b>Threads.</b> Java-WebSocket's selector thread accepts, reads and writes; its workers (one
 * per connection, fixed) decode and call {@link #onOpen} and {@link #onMessage}; {@link #onClose}
 * comes from the selector, a worker, the lost-connection checker or our timer. Our timer thread
 * runs handshake deadlines and drain notices that are due at once.
 */
final class WsServer extends WebSocketServer implements WsConnection.WsServerHooks {
    private static final Logger log = LoggerFactory.getLogger(WsServer.class);
    /** A handshake longer than this (request line and headers) is refused. */
    static final int MAX_HANDSHAKE_BYTES = 32 * 1024;
    /** How often {@link #rescueStrandedWrites()} runs. */
    private static final long WRITE_RESCUE_MILLIS = 100;

    private final WebSocketTransport.Settings settings;
    private final ConnectionAcceptor acceptor;
    private final ScheduledExecutorService timer;
    private final Set<WsConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pendingHandshakes = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile boolean stopping;
    private final LingeringClose lingering;
    /** Whether the ignored-cookie warning was logged; once per transport is enough to be seen. */
    private volatile boolean warnedOfCookie;

    WsServer(WebSocketTransport.Settings settings, ConnectionAcceptor acceptor, ScheduledExecutorService timer) {
        // One draft, with our frame limit and no extensions: permessage-deflate stays off, since
        // with it the limit would apply to the compressed size (PITFALLS.md).
        super(settings.bindAddress(), settings.workerThreads(),
                List.<Draft>of(new Draft_6455(List.of(), frameLimit(settings, acceptor))));
        this.settings = settings;
        this.acceptor = acceptor;
        this.timer = timer;
        this.lingering = new LingeringClose("parley-ws-linger-" + settings.bindAddress().getPort());
        setTcpNoDelay(settings.tcpNoDelay());
        setReuseAddr(true);
        setDaemon(settings.daemonThreads());
        setConnectionLostTimeout(heartbeatSeconds(settings, acceptor));
        setWebSocketFactory(new Factory());
    }

    /** The frame limit: the server's (it owns the setting), unless the builder overrode it. */
    private static int frameLimit(WebSocketTransport.Settings settings, ConnectionAcceptor acceptor) {
        int server = acceptor.maxFrameBytes();
        if (settings.maxFrameBytes() == 0) {
            return server;
        }
        if (settings.maxFrameBytes() != server) {
            log.warn("maxFrameBytes of the transport ({}) differs from the server's ({}); the transport's applies",
                    settings.maxFrameBytes(), server);
        }
        return settings.maxFrameBytes();
    }

    /** The ping interval in whole seconds (0: none): the server's, unless the builder overrode it. */
    private static int heartbeatSeconds(WebSocketTransport.Settings settings, ConnectionAcceptor acceptor) {
        Duration server = acceptor.heartbeat();
        // Java-WebSocket counts in whole seconds; rounding up never pings faster than announced.
        int serverSeconds = (int) Math.min(3600, (server.toMillis() + 999) / 1000);
        Duration own = settings.heartbeat();
        if (own == null) {
            return serverSeconds;
        }
        if (own.toSeconds() != serverSeconds) {
            log.warn("heartbeat of the transport ({} s) differs from the server's ({} ms, advertised in welcome);"
                    + " the transport's applies", own.toSeconds(), server.toMillis());
        }
        return (int) own.toSeconds();
    }

    /** Completes when the socket is bound, or exceptionally with the bind failure. */
    CompletableFuture<Void> started() {
        return started;
    }

    /** Stops accepting, closes open connections with 1001 and what is left by force. */
    void shutdown(long timeoutMillis) {
        stopping = true;
        try {
            // stop() sends every open connection a close frame after its queued frames, then
            // waits for the selector thread to write them and exit.
            stop((int) Math.min(timeoutMillis, Integer.MAX_VALUE), "server shutting down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The selector may have exited with sockets still open (a peer that never read its close
        // frame, a pending handshake): their channels are ours to close, and their handlers must
        // still hear onClosed.
        for (WsConnection connection : new ArrayList<>(live)) {
            connection.forceClose(CloseFrame.GOING_AWAY, "server shutting down");
        }
        // Every socket closed above lingers until its peer has read the 1001 (at most 2 s).
        lingering.close();
    }

    // ---- WsServerHooks ---------------------------------------------------------------------------

    @Override
    public void writeDemand(WebSocketImpl socket) {
        onWriteDemand(socket);
    }

    @Override
    public void handshakeSettled(WsConnection connection) {
        pendingHandshakes.decrementAndGet();
    }

    @Override
    public void released(WsConnection connection) {
        live.remove(connection);
    }

    // ---- Java-WebSocket callbacks ----------------------------------------------------------------

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
            ClientHandshake request) throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        // Refuse here, never by returning false from onConnect (that cancels the accept key for
        // good). The InvalidDataException makes Java-WebSocket answer with an HTTP error.
        if (stopping) {
            throw new InvalidDataException(CloseFrame.GOING_AWAY, "server shutting down");
        }
        String path = HandshakeTokens.path(request.getResourceDescriptor());
        if (!path.equals(settings.path())) {
            log.debug("handshake refused: unknown path");
            throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "unknown path");
        }
        if (!settings.allowedOrigins().isEmpty()) {
            // A request without Origin does not come from a browser page, and only a browser
            // page can be made to connect against its user's will, which is what this prevents.
            String origin = request.getFieldValue("Origin");
            if (!origin.isEmpty() && !settings.allowedOrigins().contains(origin)) {
                log.debug("handshake refused: origin not allowed");
                throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "origin not allowed");
            }
        }
        return response;
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake request) {
        WsConnection connection = conn.getAttachment();
        String cookies = request.getFieldValue("Cookie");
        if (settings.allowedOrigins().isEmpty() && !cookies.isEmpty()) {
            // A browser sends its cookies with a WebSocket handshake from any site's page: without
            // an Origin check a cookie proves nothing (cross-site WebSocket hijacking).
            if (HandshakeTokens.cookie(cookies, HandshakeTokens.COOKIE_NAME) != null && !warnedOfCookie) {
                warnedOfCookie = true;
                log.warn("a {} cookie was ignored: cookie credentials are refused unless allowedOrigins is set",
                        HandshakeTokens.COOKIE_NAME);
            }
            cookies = "";
        }
        String token = HandshakeTokens.find(request.getFieldValue("Authorization"),
                request.getResourceDescriptor(), cookies);
        connection.opened(new Handshake(remoteAddress(conn), token), acceptor);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        WsConnection connection = conn.getAttachment();
        connection.text(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        WsConnection connection = conn.getAttachment();
        connection.binary();
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        WsConnection connection = conn.getAttachment();
        connection.closed(code, reason);
    }

    @Override
    public void onCloseInitiated(WebSocket conn, int code, String reason) {
        WsConnection connection = conn.getAttachment();
        connection.closeInitiated(code, reason);
    }

    /**
     * Called by {@code flushAndClose}. For a refused handshake whose HTTP answer the selector has
     * already written, nothing would close the socket (see {@link MeteredChannel}): close it now.
     */
    @Override
    public void onClosing(WebSocket conn, int code, String reason, boolean remote) {
        WebSocketImpl socket = (WebSocketImpl) conn;
        if (socket.getReadyState() == ReadyState.NOT_YET_CONNECTED && socket.outQueue.isEmpty()) {
            socket.closeConnection(CloseFrame.NEVER_CONNECTED, "handshake refused");
        }
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            // A bind failure is reported here, after start() has returned (PITFALLS.md).
            if (!started.completeExceptionally(ex)) {
                log.error("WebSocket server failed", ex);
            }
            return;
        }
        WsConnection connection = conn.getAttachment();
        log.debug("connection {}: {}", connection, ex.toString());
    }

    @Override
    public void onStart() {
        try {
            timer.scheduleWithFixedDelay(this::rescueStrandedWrites, WRITE_RESCUE_MILLIS, WRITE_RESCUE_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed while starting; nothing left to rescue
        }
        started.complete(null);
    }

    /**
     * Re-arms write interest on sockets that have frames queued but no write interest.
     *
     * <p>In {@code WebSocketServer.doWrite}, once {@code batch} has found the queue empty, the
     * selector sets the key's interest to {@code OP_READ}. A sender that queues a frame and sets
     * {@code OP_READ | OP_WRITE} (in {@code onWriteDemand}) between those two steps is overwritten,
     * and its frame would wait for the next send or ping on that connection. Checking every socket
     * with a non-empty queue is cheap; only stranded ones wake the selector.
     *
     * <p>It is rare: probed on 2026-12-02 (BENCHMARKS.md, WebSocket fan-out), about one send in a
     * million found the previous frame stranded under saturation and none at a steady 50 000
     * deliveries/s, and this sweep found a stranded socket twice in 40 s. The next send on the
     * connection re-arms the interest too, so only a connection that goes quiet waits for this.
     * No hook runs on the selector thread after that reset, so the race itself cannot be closed
     * from here without replacing Java-WebSocket's selector loop.
     */
    private void rescueStrandedWrites() {
        for (WsConnection connection : live) {
            WebSocketImpl socket = connection.socket();
            if (socket.outQueue.isEmpty()) {
                continue;
            }
            try {
                SelectionKey key = socket.getSelectionKey();
                if (key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
                    onWriteDemand(socket);
                }
            } catch (RuntimeException e) {
                // cancelled meanwhile: the close that cancelled it cleans up
            }
        }
    }

    private static String remoteAddress(WebSocket conn) {
        try {
            InetSocketAddress address = conn.getRemoteSocketAddress();
            if (address == null) {
                return "unknown";
            }
            String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
        } catch (RuntimeException e) {
            return "unknown"; // the socket closed meanwhile
        }
    }

    /** Makes each accepted socket's {@link WebSocketImpl}, {@link WsConnection} and channel. */
    private final class Factory implements WebSocketServerFactory {
        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter adapter, Draft draft) {
            return createWebSocket(adapter, List.of(draft));
        }

        @Override
        public WebSocketImpl createWebSocket(WebSocketAdapter adapter, List<Draft> drafts) {
            WebSocketImpl socket = new WebSocketImpl(adapter, drafts);
            socket.setAttachment(new WsConnection("ws-" + ids.incrementAndGet(), socket, WsServer.this, timer));
            return socket;
        }

        @Override
        public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
            WebSocketImpl socket = (WebSocketImpl) key.attachment();
            WsConnection connection = socket.getAttachment();
            // An IOException here makes the selector cancel the key and close the channel.
            if (pendingHandshakes.incrementAndGet() > settings.maxPendingHandshakes()) {
                pendingHandshakes.decrementAndGet();
                log.warn("refusing a connection: {} handshakes pending", settings.maxPendingHandshakes());
                throw new IOException("too many pending handshakes");
            }
            live.add(connection);
            try {
                timer.schedule(() -> handshakeDeadline(connection),
                        settings.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                live.remove(connection);
                pendingHandshakes.decrementAndGet();
                throw new IOException("transport closed", e);
            }
            return new MeteredChannel(channel, connection, MAX_HANDSHAKE_BYTES, lingering);
        }

        @Override
        public void close() {
            // The timer belongs to the transport, which shuts it down after the server.
        }
    }

    private void handshakeDeadline(WsConnection connection) {
        if (connection.isHandshakePending()) {
            // Java-WebSocket has no handshake timeout, and close() would wait for a flush that a
            // socket without a draft never finishes: close the socket itself.
            log.debug("connection {}: no WebSocket handshake within {}", connection, settings.handshakeTimeout());
            connection.forceClose(CloseFrame.NEVER_CONNECTED, "handshake timeout");
        }
    }
}
