package dev.parley.chat.transport.websocket;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket {@link Transport}: a server on Java-WebSocket that carries the protocol's text
 * frames (PROTOCOL.md §1, §3, §7).
 *
 * <pre>{@code
 * WebSocketTransport ws = WebSocketTransport.builder()
 *         .bind(new InetSocketAddress("0.0.0.0", 8081))
 *         .allowedOrigins(List.of("https://chat.example.com"))
 *         .build();
 * server.start(ws);          // blocks until bound; throws ChatException if it cannot bind
 * int port = ws.port();      // the bound port, also when 0 was asked for
 * }</pre>
 *
 * <p>At the handshake it refuses a request for another path than {@link Builder#path} or from an
 * {@code Origin} not on the allow-list (an HTTP error answers it), and takes the credential a
 * client presents ({@code Authorization: Bearer X}, else a {@code ?token=X} query parameter, else a
 * {@code parley_token} cookie) into {@code Handshake.token()} for the engine's authenticator. The
 * cookie counts only when {@link Builder#allowedOrigins} is set: a browser sends its cookies with
 * a handshake from any site's page, so without an Origin check a cookie would let any page act as
 * its user (cross-site WebSocket hijacking); by default it is ignored, with one WARN. A
 * socket that does not complete its handshake within {@link Builder#handshakeTimeout} is closed.
 * A frame (or fragmented message) over {@link Builder#maxFrameBytes} closes the connection with
 * 1009; a text frame that is not UTF-8 closes it with 1007. Compression is never negotiated. Pings
 * go out every {@link Builder#heartbeat}; both limits come from the server the transport serves
 * ({@code ChatServer.Builder}) unless overridden here. A connection that answers nothing for about two intervals
 * is closed as lost (1006).
 *
 * <p>Outbound frames are encoded once into WebSocket frame bytes however many connections they go
 * to, and each connection reports the payload bytes it still has to write ({@code
 * Connection.queuedBytes()}): the engine, not this transport, decides when a reader is too slow.
 *
 * <p><b>Thread safety.</b> Safe to use from any thread. {@link #start} and {@link #close} are
 * meant to be called once each, by the server.
 *
 * <p><b>Lifecycle.</b> Built, then {@linkplain #start started} once; {@link #close} stops
 * accepting, closes every open connection with 1001 after the frames queued on it, and stops the
 * threads. A transport is not restartable.
 */
public final class WebSocketTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long STOP_TIMEOUT_MILLIS = 5_000;
    private static final AtomicInteger TRANSPORTS = new AtomicInteger();

    /** The immutable options of a transport. */
    record Settings(
            InetSocketAddress bindAddress,
            String path,
            Set<String> allowedOrigins,
            int maxFrameBytes,
            @Nullable Duration heartbeat,
            Duration handshakeTimeout,
            boolean tcpNoDelay,
            int workerThreads,
            int maxPendingHandshakes,
            boolean daemonThreads) {}

    private final Settings settings;
    private final AtomicBoolean startCalled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable WsServer server;
    private volatile @Nullable ScheduledThreadPoolExecutor timer;
    private volatile int boundPort = -1;

    private WebSocketTransport(Settings settings) {
        this.settings = settings;
    }

    /** A builder with the defaults: port 8081 on all interfaces, path {@code /ws}, any origin. */
    public static Builder builder() {
        return new Builder();
    }

    /** A transport with the default options listening on {@code address} (port 0: any free port). */
    public static WebSocketTransport listen(InetSocketAddress address) {
        return builder().bind(address).build();
    }

    /**
     * Binds and starts accepting, handing each opened connection to {@code acceptor}. Returns once
     * the socket is bound.
     *
     * @throws ChatException with {@link ErrorCode#UNAVAILABLE} if it cannot bind (the port is in
     *     use, say) or does not start in time
     * @throws IllegalStateException if called twice or after {@link #close}
     */
    @Override
    public void start(ConnectionAcceptor acceptor) {
        Objects.requireNonNull(acceptor, "acceptor");
        if (closed.get()) {
            throw new IllegalStateException("the transport is closed");
        }
        if (!startCalled.compareAndSet(false, true)) {
            throw new IllegalStateException("the transport was already started");
        }
        int n = TRANSPORTS.incrementAndGet();
        ScheduledThreadPoolExecutor newTimer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "parley-ws-timer-" + n);
            t.setDaemon(true); // only deadlines and notices run here; close() stops it
            return t;
        });
        newTimer.setRemoveOnCancelPolicy(true);
        timer = newTimer;
        WsServer newServer = new WsServer(settings, acceptor, newTimer);
        server = newServer;
        newServer.start();
        try {
            newServer.started().get(START_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            close();
            throw new ChatException(ErrorCode.UNAVAILABLE,
                    "cannot listen on " + describe(settings.bindAddress()) + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            close();
            throw new ChatException(ErrorCode.UNAVAILABLE,
                    "the WebSocket server did not start within " + START_TIMEOUT_MILLIS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ChatException(ErrorCode.UNAVAILABLE, "interrupted while starting the WebSocket server", e);
        }
        boundPort = newServer.getPort();
        log.info("listening on ws://{}{}", describe(address()), settings.path());
    }

    /**
     * The port the transport listens on: the bound one once started (also when 0 was asked for),
     * the configured one before.
     */
    public int port() {
        int bound = boundPort;
        return bound >= 0 ? bound : settings.bindAddress().getPort();
    }

    /** The address the transport listens on, with the bound {@link #port()}. */
    public InetSocketAddress address() {
        InetSocketAddress bind = settings.bindAddress();
        return bind.getAddress() != null
                ? new InetSocketAddress(bind.getAddress(), port())
                : InetSocketAddress.createUnresolved(bind.getHostString(), port());
    }

    /** The path WebSocket clients must ask for, such as {@code /ws}. */
    public String path() {
        return settings.path();
    }

    /**
     * Stops accepting, closes every open connection with 1001 after the frames already queued on
     * it (waiting up to 5 seconds for them to be written), and stops the transport's threads.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        WsServer s = server;
        if (s != null) {
            s.shutdown(STOP_TIMEOUT_MILLIS);
        }
        ScheduledThreadPoolExecutor t = timer;
        if (t != null) {
            t.shutdownNow();
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + describe(address()) + settings.path() + "]";
    }

    /**
     * Options of a {@link WebSocketTransport}. Each setter checks its value at once; {@link
     * #build()} makes an immutable transport.
     *
     * <p><b>Thread safety.</b> Not thread-safe; build on one thread.
     */
    public static final class Builder {
        private InetSocketAddress bindAddress = new InetSocketAddress(8081);
        private String path = "/ws";
        private Set<String> allowedOrigins = Set.of();
        /** 0: the acceptor's. */
        private int maxFrameBytes;
        /** Null: the acceptor's. */
        private @Nullable Duration heartbeat;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private boolean tcpNoDelay = true;
        private int workerThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int maxPendingHandshakes = 1024;
        private boolean daemonThreads;

        private Builder() {}

        /**
         * The address and port to listen on; port 0 takes any free port ({@link #port()} reports
         * it after start). Default: port 8081 on all interfaces.
         */
        public Builder bind(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            this.bindAddress = address;
            return this;
        }

        /**
         * The port to listen on, on the current bind address's host.
         *
         * @throws IllegalArgumentException if not in [0, 65535]
         */
        public Builder port(int port) {
            check(port >= 0 && port <= 65_535, "port was " + port + " but must be in [0, 65535]");
            this.bindAddress = bindAddress.getAddress() != null
                    ? new InetSocketAddress(bindAddress.getAddress(), port)
                    : new InetSocketAddress(bindAddress.getHostString(), port);
            return this;
        }

        /**
         * The request path of the WebSocket endpoint; a handshake for any other path is refused.
         * Default {@code /ws}.
         *
         * @throws IllegalArgumentException if it does not start with {@code /} or has a query
         */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path");
            check(path.startsWith("/") && path.indexOf('?') < 0 && path.indexOf('#') < 0,
                    "path was \"" + path + "\" but must start with / and have no query or fragment");
            this.path = path;
            return this;
        }

        /**
         * The origins whose pages may connect, compared exactly with the {@code Origin} header
         * (such as {@code https://chat.example.com}). Empty, the default, allows any origin and
         * ignores {@code parley_token} cookies (see the class comment); set it to use cookie
         * credentials. A
         * handshake without {@code Origin} does not come from a browser page and is not refused
         * by this check.
         */
        public Builder allowedOrigins(Collection<String> origins) {
            Objects.requireNonNull(origins, "origins");
            LinkedHashSet<String> copy = new LinkedHashSet<>();
            for (String origin : origins) {
                Objects.requireNonNull(origin, "origin");
                check(!origin.isBlank(), "an allowed origin was blank");
                copy.add(origin);
            }
            this.allowedOrigins = Set.copyOf(copy);
            return this;
        }

        /**
         * Overrides the largest inbound frame or reassembled message, in bytes; a bigger one closes
         * the connection with 1009. Leave it unset under a {@code ChatServer}: the transport then
         * takes the server's {@code maxFrameBytes} at {@link #start} (the one place to set it);
         * when set and different, the transport logs a WARN at start. Default: the acceptor's
         * ({@code ConnectionAcceptor.maxFrameBytes()}).
         *
         * @throws IllegalArgumentException if not in [125, 16 777 216]
         */
        public Builder maxFrameBytes(int maxFrameBytes) {
            check(maxFrameBytes >= 125 && maxFrameBytes <= 16 * 1024 * 1024,
                    "maxFrameBytes was " + maxFrameBytes + " but must be in [125, 16777216]");
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * Overrides how often to ping each connection; one that answers nothing (pong or frame) for
         * about two intervals is closed as lost. Whole seconds; {@link Duration#ZERO} turns pings
         * off. Leave it unset under a {@code ChatServer}: the transport then pings at the server's
         * {@code heartbeat} (rounded up to whole seconds), the interval {@code welcome} advertises;
         * when set and different, the transport logs a WARN at start. Default: the acceptor's
         * ({@code ConnectionAcceptor.heartbeat()}).
         *
         * @throws IllegalArgumentException if not zero and not whole seconds in [1 s, 1 h]
         */
        public Builder heartbeat(Duration heartbeat) {
            Objects.requireNonNull(heartbeat, "heartbeat");
            check(heartbeat.isZero() || (heartbeat.toNanos() % 1_000_000_000L == 0
                            && heartbeat.compareTo(Duration.ofSeconds(1)) >= 0
                            && heartbeat.compareTo(Duration.ofHours(1)) <= 0),
                    "heartbeat was " + heartbeat + " but must be 0 or whole seconds in [1 s, 1 h]");
            this.heartbeat = heartbeat;
            return this;
        }

        /**
         * How long an accepted socket may take to complete the WebSocket handshake before it is
         * closed. Default 10 s.
         *
         * @throws IllegalArgumentException if not in [10 ms, 10 min]
         */
        public Builder handshakeTimeout(Duration handshakeTimeout) {
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            check(handshakeTimeout.compareTo(Duration.ofMillis(10)) >= 0
                            && handshakeTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                    "handshakeTimeout was " + handshakeTimeout + " but must be in [10 ms, 10 min]");
            this.handshakeTimeout = handshakeTimeout;
            return this;
        }

        /** Whether to set TCP_NODELAY on accepted sockets, so small frames leave at once. Default true. */
        public Builder tcpNoDelay(boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
            return this;
        }

        /**
         * How many threads decode inbound frames; each connection is served by one of them.
         * Default: the number of processors.
         *
         * @throws IllegalArgumentException if not in [1, 1024]
         */
        public Builder workerThreads(int workerThreads) {
            check(workerThreads >= 1 && workerThreads <= 1024,
                    "workerThreads was " + workerThreads + " but must be in [1, 1024]");
            this.workerThreads = workerThreads;
            return this;
        }

        /**
         * How many accepted sockets may be in their handshake at once; more are closed at once.
         * Default 1024.
         *
         * @throws IllegalArgumentException if not in [1, 1 000 000]
         */
        public Builder maxPendingHandshakes(int maxPendingHandshakes) {
            check(maxPendingHandshakes >= 1 && maxPendingHandshakes <= 1_000_000,
                    "maxPendingHandshakes was " + maxPendingHandshakes + " but must be in [1, 1000000]");
            this.maxPendingHandshakes = maxPendingHandshakes;
            return this;
        }

        /**
         * Whether the selector, worker and heartbeat threads are daemon threads (which do not keep
         * the JVM alive). Default false: a server keeps running until it is closed.
         */
        public Builder daemonThreads(boolean daemonThreads) {
            this.daemonThreads = daemonThreads;
            return this;
        }

        /** Makes the transport; the options have been checked by the setters already. */
        public WebSocketTransport build() {
            return new WebSocketTransport(new Settings(bindAddress, path, allowedOrigins, maxFrameBytes,
                    heartbeat, handshakeTimeout, tcpNoDelay, workerThreads, maxPendingHandshakes, daemonThreads));
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
