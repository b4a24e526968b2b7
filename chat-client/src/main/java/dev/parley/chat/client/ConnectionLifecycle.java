package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.client.ConnectionState.Phase;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ServerFrame;
import dev.parley.chat.protocol.ServerFrameReader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of the client's connection: connect, say {@code hello}, restore the rooms, status,
 * requests and publishes once welcomed; on a loss, put back what was in flight and reconnect with
 * backoff; give up when the server refuses the credentials or every attempt allowed failed; and
 * close gracefully, waiting for the publishes already made.
 *
 * <p>Confined to the loop, apart from the futures and the {@link ClientListener}, which run on
 * the callback executor.
 */
final class ConnectionLifecycle {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);

    /** Who the client says it is in every {@code hello}. */
    record Hello(@Nullable String user, @Nullable Supplier<@Nullable String> token, @Nullable String clientName) {}

    private final String name;
    private final ClientConnector connector;
    private final Hello hello;
    private final RetryDelays retryDelays;
    private final int maxReconnectAttempts;
    private final int maxConnectAttempts;
    private final Duration connectTimeout;
    private final Duration closeTimeout;
    private final ConnectionState connection;
    private final ClientThreads threads;
    private final ServerFrameReader reader;
    private final AwaitedReplies replies;
    private final Rooms rooms;
    private final PublishQueue publishes;
    private final RequestQueue requests;
    private final FrameRouter frames;
    private final LivenessWatch liveness;
    private final TokenRefresh tokenRefresh;
    private final ClientListener clientListener;
    /** Runs the client listener's calls one at a time, in order, on the callback executor. */
    private final SerialQueue clientEvents;
    private final CompletableFuture<Welcome> firstWelcome = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /** The generation whose connection closed before its connect future was seen. */
    private long closedEarly = -1;
    private long helloRef;
    /** Why the server refused the hello; the client gives up once that connection is closed. */
    private @Nullable ChatException fatal;
    private int failedAttempts;
    /** Attempts in a row that did not reach a welcome; the first is INFO, the others WARN. */
    private int failedConnects;
    private boolean everWelcomed;
    private @Nullable PresenceStatus chosenStatus;
    private boolean closeStarted;
    private boolean released;

    ConnectionLifecycle(String name, ClientConnector connector, Hello hello, RetryDelays retryDelays,
            int maxReconnectAttempts, int maxConnectAttempts, Duration connectTimeout, @Nullable Duration pingInterval,
            Duration closeTimeout, ConnectionState connection, ClientThreads threads,
            ServerFrameReader reader, AwaitedReplies replies, Rooms rooms, PublishQueue publishes,
            RequestQueue requests, ClientListener clientListener) {
        this.name = name;
        this.connector = connector;
        this.hello = hello;
        this.retryDelays = retryDelays;
        this.maxReconnectAttempts = maxReconnectAttempts;
        this.maxConnectAttempts = maxConnectAttempts;
        this.connectTimeout = connectTimeout;
        this.closeTimeout = closeTimeout;
        this.connection = connection;
        this.threads = threads;
        this.reader = reader;
        this.replies = replies;
        this.rooms = rooms;
        this.publishes = publishes;
        this.requests = requests;
        this.frames = new FrameRouter(name, replies, rooms, publishes, requests);
        this.liveness = new LivenessWatch(name, connection, threads, pingInterval);
        this.tokenRefresh = new TokenRefresh(name, connection, threads, replies, hello);
        this.clientListener = clientListener;
        this.clientEvents = threads.callbackQueue("events");
    }

    /** Completes with the first welcome; fails if the client gives up or closes before. */
    CompletableFuture<Welcome> firstWelcome() {
        return firstWelcome;
    }

    /** Completes (on the loop) once the client is closed. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    /** The status the application chose, set again after each reconnect. */
    void chooseStatus(PresenceStatus status) {
        chosenStatus = status;
    }

    // ==== connecting ===========================================================================

    /** Starts connecting, the first time only. */
    void connect() {
        if (connection.phase() == Phase.NEW) {
            connection.enter(Phase.CONNECTING);
            attempt();
        }
    }

    private void attempt() {
        long gen = connection.nextGeneration();
        CompletableFuture<ClientConnection> opening;
        try {
            opening = connector.connect(new ConnectionEvents(gen));
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((c, e) -> threads.onLoop(() -> opened(gen, c, e)));
        // A connector may never complete (a silent network drops the SYN), a server may never answer hello.
        threads.schedule(connectTimeout.toNanos(), () -> attemptTimedOut(gen));
    }

    private void attemptTimedOut(long gen) {
        if (gen != connection.generation() || connection.isClosed() || connection.isWelcomed() || fatal != null) {
            return;
        }
        String why = "not open and welcomed within the connect timeout (" + connectTimeout.toMillis() + " ms)";
        ClientConnection c = connection.current();
        if (c != null) {
            c.close(1000, "connect timeout");
            dropConnection(1006, why);
        }
        // A late open of this attempt finds a newer generation and is closed.
        reconnectLater(why, null);
    }

    private void opened(long gen, @Nullable ClientConnection c, @Nullable Throwable failure) {
        if (gen != connection.generation() || connection.isClosed()) {
            if (c != null) {
                c.close(1000, "not needed any more");
            }
            return;
        }
        if (failure != null || c == null) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            reconnectLater("could not open a connection: " + cause, cause);
            return;
        }
        if (closedEarly == gen) {
            reconnectLater("the connection closed as it opened", null);
            return;
        }
        connection.connected(c);
        liveness.opened();
        helloRef = replies.newRef();
        String credential = null;
        if (hello.token() != null) {
            try {
                credential = hello.token().get();
            } catch (RuntimeException e) {
                log.warn("{}: the token supplier failed", name, e);
            }
        }
        connection.send(new Command.Hello(AwaitedReplies.wire(helloRef), hello.user(), credential,
                hello.clientName()));
    }

    /**
     * Schedules the next attempt, or gives up.
     *
     * @param failure why the attempt failed before its welcome, or null after the loss of a
     *     welcomed connection
     */
    private void reconnectLater(@Nullable String failure, @Nullable Throwable cause) {
        if (connection.isClosed()) {
            return;
        }
        failedAttempts++;
        if (failure != null) {
            failedConnects++;
            // The first failure may be a blip; more in a row mean a wrong address or a server down.
            if (failedConnects == 1) {
                log.info("{}: connection attempt failed: {}", name, failure);
            } else {
                log.warn("{}: connection attempt {} in a row failed: {}", name, failedConnects, failure);
            }
            if (!everWelcomed && failedConnects >= maxConnectAttempts) {
                giveUp(new ChatException(ErrorCode.UNAVAILABLE, "could not connect: " + failedConnects
                        + " attempts failed (maxConnectAttempts " + maxConnectAttempts + "); the last: " + failure,
                        cause));
                return;
            }
        }
        if (failedAttempts > maxReconnectAttempts) {
            giveUp(new ChatException(ErrorCode.UNAVAILABLE,
                    "could not connect; gave up after " + maxReconnectAttempts + " reconnect attempts"));
            return;
        }
        int attempt = failedAttempts;
        Duration delay = retryDelays.delay(attempt);
        long gen = connection.nextGeneration();
        if (connection.phase() == Phase.CONNECTED) {
            connection.enter(Phase.CONNECTING);
        }
        log.debug("{}: reconnect attempt {} in {} ms", name, attempt, delay.toMillis());
        clientEvent(l -> l.onReconnectScheduled(attempt, delay));
        threads.schedule(delay.toNanos(), () -> {
            if (gen == connection.generation() && !connection.isClosed()) {
                attempt();
            }
        });
    }

    private void onText(long gen, String text) {
        if (gen != connection.generation()) {
            return;
        }
        liveness.frameArrived();
        ServerFrame frame;
        try {
            frame = reader.read(text);
        } catch (IllegalArgumentException e) {
            log.warn("{}: ignoring a server frame that cannot be read ({}): {}", name, e.getMessage(),
                    text.length() > 200 ? text.substring(0, 200) + "…" : text);
            return;
        }
        if (frame instanceof ServerFrame.WelcomeFrame w) {
            if (frame.ref() == helloRef && !connection.isWelcomed()) {
                welcomed(Welcome.of(w));
                tokenRefresh.welcomed(connection.generation(), w.tokenExpiresInMs());
            } else if (tokenRefresh.isRefreshReply(frame.ref())) {
                tokenRefresh.welcomed(connection.generation(), w.tokenExpiresInMs());
            }
        } else if (frame instanceof ServerFrame.ErrorFrame e && e.ref() > 0 && e.ref() == helloRef
                && !connection.isWelcomed()) {
            helloRefused(e);
        } else if (frames.route(frame)) {
            maybeFinishClose();
        }
    }

    private void welcomed(Welcome w) {
        connection.welcomed();
        failedAttempts = 0;
        failedConnects = 0;
        everWelcomed = true;
        if (connection.phase() == Phase.CONNECTING) {
            connection.enter(Phase.CONNECTED);
        }
        publishes.welcomed(w.publishPerSecond());
        log.debug("{}: welcome as {} (session {})", name, w.user(), w.session());
        threads.complete(firstWelcome, w);
        clientEvent(l -> l.onConnected(w));
        PresenceStatus status = chosenStatus;
        if (status != null && status != PresenceStatus.ONLINE) {
            // The server resets the status of a user who comes back from offline.
            connection.send(new Command.Status(null, status));
        }
        rooms.welcomed(w.historyLimit());
        requests.flush();
        publishes.pump();
        liveness.watch(connection.generation(), w.heartbeatMs());
    }

    /** The server refused the hello: its credentials or user name, which retrying will not fix. */
    private void helloRefused(ServerFrame.ErrorFrame e) {
        if (e.code() == ErrorCode.LIMIT_EXCEEDED || e.code() == ErrorCode.RATE_LIMITED
                || e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INTERNAL) {
            log.info("{}: hello refused for now ({}: {}); will retry", name, e.code(), e.message());
            return;
        }
        log.warn("{}: hello refused ({}: {}); giving up", name, e.code(), e.message());
        fatal = new ChatException(e.code(), e.message());
        ClientConnection c = connection.current();
        if (c != null) {
            c.close(1000, "hello refused");
        }
    }

    private void connectionClosed(long gen, int code, String reason) {
        if (gen != connection.generation()) {
            return;
        }
        if (connection.current() == null) {
            // The close overtook the connect future: opened() will see it.
            closedEarly = gen;
            return;
        }
        log.debug("{}: connection closed: {} {}", name, code, reason);
        boolean wasWelcomed = connection.isWelcomed();
        dropConnection(code, reason);
        ChatException fatalError = fatal;
        if (fatalError != null) {
            giveUp(fatalError);
            return;
        }
        reconnectLater(wasWelcomed ? null : "the server closed the connection before welcome: " + code + " " + reason,
                null);
    }

    /** Forgets the current connection; what was in flight on it waits for the next one. */
    private void dropConnection(int code, String reason) {
        connection.detach();
        publishes.connectionLost();
        liveness.connectionLost();
        // What was in flight waits for the next connection; publishes keep their cid.
        for (Pending p : replies.takeAll()) {
            if (p instanceof Pending.Publish publish) {
                publishes.lost(publish);
            } else if (p instanceof Pending.Request<?> r) {
                requests.lost(r);
            }
        }
        rooms.connectionLost();
        clientEvent(l -> l.onDisconnected(code, reason));
    }

    // ==== closing ==============================================================================

    /** Starts a graceful close, once: waits up to the close timeout for the publishes made. */
    void beginClose() {
        if (closeStarted) {
            return;
        }
        closeStarted = true;
        Phase phase = connection.phase();
        if (phase == Phase.CLOSED || phase == Phase.NEW || publishes.isDone()) {
            finishClose();
            return;
        }
        connection.enter(Phase.CLOSING);
        threads.schedule(closeTimeout.toNanos(), this::finishClose);
    }

    private void maybeFinishClose() {
        if (connection.phase() == Phase.CLOSING && publishes.isDone()) {
            finishClose();
        }
    }

    private void finishClose() {
        if (released) {
            return;
        }
        boolean alreadyClosed = connection.isClosed();
        connection.enter(Phase.CLOSED);
        connection.nextGeneration();
        ClientConnection c = connection.detach();
        if (c != null) {
            c.close(1000, "client closed");
        }
        if (!alreadyClosed) {
            failEverything(ConnectionState.closedException());
        }
        released = true;
        log.debug("{}: closed", name);
        closed.complete(null);
        threads.shutdown();
    }

    private void giveUp(ChatException cause) {
        if (connection.isClosed()) {
            return;
        }
        connection.enter(Phase.CLOSED);
        connection.nextGeneration();
        ClientConnection c = connection.detach();
        if (c != null) {
            c.close(1000, "giving up");
        }
        failEverything(cause);
        clientEvent(l -> l.onGaveUp(cause));
    }

    private void failEverything(ChatException cause) {
        threads.fail(firstWelcome, cause);
        for (Pending p : replies.takeAll()) {
            if (p instanceof Pending.Publish publish) {
                publishes.fail(publish, cause);
            } else if (p instanceof Pending.Request<?> r) {
                threads.fail(r.future, cause);
            }
        }
        publishes.failAll(cause);
        requests.failAll(cause);
        rooms.endAll(cause);
    }

    // ==== plumbing =============================================================================

    private void clientEvent(Consumer<ClientListener> call) {
        clientEvents.execute(() -> {
            try {
                call.accept(clientListener);
            } catch (RuntimeException e) {
                log.warn("{}: the client listener failed", name, e);
            }
        });
    }

    /** The listener of one connection attempt: hands its events to the loop, tagged with the attempt. */
    private final class ConnectionEvents implements ClientConnection.Listener {
        private final long gen;

        ConnectionEvents(long gen) {
            this.gen = gen;
        }

        @Override
        public void onText(String text) {
            threads.onLoop(() -> ConnectionLifecycle.this.onText(gen, text));
        }

        @Override
        public void onClosed(int code, String reason) {
            threads.onLoop(() -> connectionClosed(gen, code, reason));
        }
    }
}
