package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.RoomSummary;
import dev.parley.chat.protocol.ServerFrame;
import dev.parley.chat.protocol.ServerFrameReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Parley client: connects to a server through a {@link ClientConnector}, says {@code hello},
 * keeps the rooms it joined joined, and survives lost connections without losing, repeating or
 * reordering anything.
 *
 * <pre>{@code
 * ParleyClient client = ParleyClient.builder(WebSocketClientConnector.to(URI.create("ws://host:8081/ws")))
 *         .user("alice")
 *         .build();
 * client.connect().join();
 * RoomSubscription general = client.join("general", new RoomListener() {
 *     public void onMessage(Message m) { show(m); }
 *     public void onReset(JoinedRoom j) { reload(j.messages()); }
 * });
 * client.publish("general", "hi").thenAccept(ack -> log("stored as " + ack.seq()));
 * // ...
 * client.close();
 * }</pre>
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>A room's listener sees its messages strictly in seq order, each once: the client tracks
 *       the last seq delivered per room and drops anything at or below it. After a lost
 *       connection it reconnects with exponential backoff and jitter and rejoins every room with
 *       {@code since} and {@code epoch}; when the server cannot resume exactly ({@code recovered:
 *       false}) because more was missed than it resumes at once, the client pages the missed
 *       messages in with {@code history}; only when the log no longer holds them (or its epoch
 *       changed) is the listener told with {@link RoomListener#onReset}. Should a gap ever show, the
 *       client rejoins the room with {@code since} at once rather than deliver it.
 *   <li>{@link #publish} survives reconnects: each publish carries a client-made {@code cid} and
 *       is resent with the same one until the server acknowledges it, so it is stored exactly
 *       once. {@code RATE_LIMITED} is honoured (the client waits {@code retryAfterMs}, and paces
 *       itself to the rate the server announces); {@code UNAVAILABLE} is retried with backoff;
 *       any other error fails the future with a {@link ChatException} carrying its {@link
 *       ErrorCode}.
 *   <li>Reads ({@link #history}, {@link #members}, {@link #rooms}) and {@link #status}, {@link
 *       #markRead} are resent after a lost connection too.
 * </ul>
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread. The client's state lives
 * on one internal thread of its scheduler (its "I/O thread", which never blocks); the
 * application's code (listeners and the dependants of the returned futures) runs on the callback
 * executor, in order per room. Futures are completed on the callback executor.
 *
 * <p><b>Inside: who runs what.</b> The client is a few package-private parts, each with one job:
 * {@code ConnectionLifecycle} connects, says {@code hello}, reconnects, gives up and closes;
 * {@code ConnectionState} is what it tells the other parts (phase, current attempt, connection,
 * welcomed); {@code FrameRouter} hands each server frame to the part it concerns; {@code Rooms}
 * joins, resumes and catches up the rooms and delivers their messages in order; {@code
 * PublishQueue} and {@code RequestQueue} send, retry and resend publishes and requests; {@code
 * AwaitedReplies} matches replies to commands by ref; {@code LivenessWatch} pings on its own
 * interval and drops a connection that stopped answering. All their state is confined to the client's <em>loop</em>, a
 * {@code SerialQueue} on the scheduler that runs one task at a time (the "I/O thread" above), so
 * it needs no locks. Work crosses threads in these places only ({@code ClientThreads} holds the
 * executors):
 * <ul>
 *   <li>On the application's thread, a method of this class checks its arguments and that the
 *       client is open, numbers a publish or request in call order (a publish's {@code cid} comes
 *       from that number), registers a subscription or marks it left, and hands the rest to the
 *       loop.
 *   <li>The connector's threads hand every connection event to the loop, tagged with its
 *       attempt; timers ({@code ClientThreads.schedule}) fire on the scheduler and run their task
 *       on the loop.
 *   <li>The loop runs no application code but the token supplier: it completes futures and calls
 *       listeners through the callback executor ({@code ClientThreads.complete}/{@code fail}),
 *       each room's listener through a {@code SerialQueue} of its own and the {@link
 *       ClientListener} through another, so each sees its events in order. Only the future of
 *       {@link #closeAsync()} is completed on the loop.
 *   <li>A future the client awaits itself (a page of catch-up) is completed on the callback
 *       executor like any other, and its dependant hands the result back to the loop.
 * </ul>
 *
 * <p><b>Lifecycle.</b> {@link #builder} → {@link #connect()} → use → {@link #close()}. Rooms may
 * be joined and messages published before {@code connect()}: they go out once the client is
 * connected. After {@link #close()} (or once the client gave up, see {@link
 * ClientListener#onGaveUp}) every method that starts something throws {@link
 * IllegalStateException}.
 */
public final class ParleyClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]{0,31}");

    private final String name;
    private final @Nullable String user;
    private final Duration closeTimeout;
    private final ServerFrameReader reader = new ServerFrameReader();
    private final ClientThreads threads;
    private final ConnectionState connection = new ConnectionState();
    private final RequestQueue requests;
    private final Rooms rooms;
    private final PublishQueue publishes;
    private final ConnectionLifecycle lifecycle;
    private final @Nullable Outbox outbox;
    private final List<CompletableFuture<PublishedMessage>> restored;

    private ParleyClient(Builder b) {
        this.name = "parley-client-" + CLIENT_IDS.incrementAndGet();
        this.user = b.user;
        this.closeTimeout = b.closeTimeout;
        this.threads = new ClientThreads(name, b.scheduler, b.callbackExecutor);
        RetryDelays retryDelays = new RetryDelays(b.backoff,
                b.random != null ? b.random : RandomGenerator.of("L64X128MixRandom"));
        AwaitedReplies replies = new AwaitedReplies();
        AtomicLong callOrder = new AtomicLong();
        this.requests = new RequestQueue(connection, replies, threads, retryDelays, callOrder);
        this.rooms = new Rooms(name, connection, replies, requests, threads, retryDelays);
        this.outbox = b.outbox;
        this.publishes = new PublishQueue(connection, replies, rooms, threads, retryDelays, b.maxInFlightPublishes,
                b.publishTimeout, callOrder, b.outbox);
        this.lifecycle = new ConnectionLifecycle(name, b.connector,
                new ConnectionLifecycle.Hello(b.user, b.token, b.clientName), retryDelays, b.maxReconnectAttempts,
                b.maxConnectAttempts, b.connectTimeout, b.pingInterval, b.closeTimeout, connection, threads, reader,
                replies, rooms, publishes, requests, b.listener);
        this.restored = restore();
    }

    /** Submits what the outbox holds from an earlier client, first, each with its own cid. */
    private List<CompletableFuture<PublishedMessage>> restore() {
        Outbox box = outbox;
        if (box == null) {
            return List.of();
        }
        lifecycle.closed().whenComplete((v, e) -> box.close());
        List<CompletableFuture<PublishedMessage>> futures = new ArrayList<>();
        for (Outbox.Entry e : box.pending()) {
            String meta = e.draft().meta() == null ? null : reader.compactObject(e.draft().meta());
            Pending.Publish p = publishes.newPublish(e.room(), e.draft(), meta, e.cid());
            threads.onLoop(() -> publishes.submit(p));
            futures.add(p.future);
        }
        if (!futures.isEmpty()) {
            log.info("{}: publishing {} messages again from the outbox", name, futures.size());
        }
        return List.copyOf(futures);
    }

    /**
     * The publishes an earlier client left in the {@link Builder#outbox}, sent again (with their
     * cids) before anything else, in the order they were made; empty without an outbox.
     */
    public List<CompletableFuture<PublishedMessage>> restoredPublishes() {
        return restored;
    }

    /**
     * A builder for a client that connects with {@code connector}.
     *
     * @throws NullPointerException if {@code connector} is null
     */
    public static Builder builder(ClientConnector connector) {
        return new Builder(connector);
    }

    /**
     * Connects and says {@code hello}; the future completes with the server's {@code welcome}.
     * When an attempt fails the client tries again after its backoff; an attempt that is not
     * open and welcomed within {@link Builder#connectTimeout} counts as failed. The future fails
     * with a {@link ChatException} ({@code UNAVAILABLE}, the last attempt's failure as its cause)
     * and the client gives up once {@link Builder#maxConnectAttempts} attempts in a row failed, so
     * a wrong address fails within about {@code maxConnectAttempts × connectTimeout} plus the
     * backoff delays; it fails too when the server refuses the credentials or the client is
     * closed. The first failed attempt is logged at INFO, every later one in a row at WARN with
     * its cause. Calling it again returns the same future.
     */
    public CompletableFuture<Welcome> connect() {
        threads.onLoop(lifecycle::connect);
        return lifecycle.firstWelcome();
    }

    /** Whether the client is connected and welcomed right now (a snapshot). */
    public boolean isConnected() {
        return connection.phase() == ConnectionState.Phase.CONNECTED;
    }

    /**
     * Joins a room and keeps it joined, across reconnects, until {@link RoomSubscription#leave()}.
     * The listener's {@link RoomListener#onJoined} gets the room's latest messages; {@link
     * RoomListener#onMessage} every message after them.
     *
     * @throws IllegalStateException if this client already has a subscription to the room, or is
     *     closed
     */
    public RoomSubscription join(String room, RoomListener listener) {
        return subscribe(room, listener, false, null, 0);
    }

    /**
     * Joins a room resuming from a point the application kept (its cache of the room holds
     * every message up to {@code since} of log {@code epoch}): when the server can prove the
     * resume complete, the listener's {@link RoomListener#onJoined} has {@code recovered} true
     * and every message after {@code since} follows through {@link RoomListener#onMessage};
     * otherwise {@code recovered} is false and the application should drop its cache.
     *
     * @param epoch the epoch of the log {@code since} counts in, or null if unknown
     * @param since the last seq the application has, 0 for none
     * @throws IllegalArgumentException if {@code since} is negative
     * @throws IllegalStateException if this client already has a subscription to the room, or is
     *     closed
     */
    public RoomSubscription join(String room, @Nullable String epoch, long since, RoomListener listener) {
        if (since < 0) {
            throw new IllegalArgumentException("since was " + since + " but must be in [0, " + Long.MAX_VALUE + "]");
        }
        return subscribe(room, listener, true, epoch, since);
    }

    private RoomSubscription subscribe(
            String room, RoomListener listener, boolean resume, @Nullable String epoch, long since) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(listener, "listener");
        connection.checkOpen();
        return rooms.add(room, listener, resume, epoch, since);
    }

    /** Publishes a text message; see {@link #publish(String, MessageDraft)}. */
    public CompletableFuture<PublishedMessage> publish(String room, String body) {
        return publish(room, MessageDraft.text(body));
    }

    /**
     * Publishes a message into a room this client has joined (or, if it has no subscription to
     * the room, that the connection joined otherwise: the server answers {@code NOT_IN_ROOM}).
     * The future completes once the server stored the message, with its seq; it survives lost
     * connections (the publish is resent with the same {@code cid}, so it is stored once). It
     * fails with a {@link ChatException} for an error the server gave ({@code MESSAGE_TOO_LARGE},
     * {@code FORBIDDEN}, {@code NOT_FOUND}, …), or with code {@code UNAVAILABLE} when the client is
     * closed or gives up before the acknowledgement.
     *
     * <p>Publishes of one room leave in the order of the calls; only a publish that has to be
     * retried after an error may land after later ones.
     *
     * @throws IllegalArgumentException if the draft's {@code meta} is not a JSON object
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<PublishedMessage> publish(String room, MessageDraft draft) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(draft, "draft");
        String meta = draft.meta() == null ? null : reader.compactObject(draft.meta());
        connection.checkOpen();
        Pending.Publish p = publishes.newPublish(room, draft, meta);
        if (outbox != null) {
            try {
                // Durable before it can be sent: a restart sends it again under the same cid.
                outbox.add(new Outbox.Entry(room, p.cid, draft));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        threads.onLoop(() -> publishes.submit(p));
        return p.future;
    }

    /**
     * A page of a room's log (any room the user may read; no join needed).
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<HistoryPage> history(String room, HistoryQuery query) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(query, "query");
        return request(ref -> new Command.History(ref, room,
                        query.before() > 0 ? query.before() : null,
                        query.after() >= 0 ? query.after() : null,
                        query.limit()),
                ServerFrame.HistoryFrame.class, HistoryPage::of);
    }

    /**
     * The members of a room right now.
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<List<Member>> members(String room) {
        Objects.requireNonNull(room, "room");
        return request(ref -> new Command.Members(ref, room), ServerFrame.MembersFrame.class,
                ServerFrame.MembersFrame::members);
    }

    /**
     * The rooms this user may read, with their member counts, heads and this user's read markers
     * ({@link RoomSummary#unread()} is the unread count).
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<List<RoomSummary>> rooms() {
        return request(Command.Rooms::new, ServerFrame.RoomsFrame.class, ServerFrame.RoomsFrame::rooms);
    }

    /**
     * Creates a room with a topic ({@code ""} for none) without joining it; completes with the
     * room's id. Fails with a {@link ChatException} of {@link ErrorCode#ROOM_EXISTS} if the room is
     * there already. Like every request it is resent after a lost connection, so a create whose
     * reply was lost may then fail with {@code ROOM_EXISTS} although it was this one that made it.
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<String> create(String room, String topic) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(topic, "topic");
        return request(ref -> new Command.Create(ref, room, topic), ServerFrame.CreatedFrame.class,
                ServerFrame.CreatedFrame::room);
    }

    /**
     * Chooses this user's status ({@code online}, {@code away} or {@code dnd}); the other
     * members of its rooms get a presence event. The client sets it again after each reconnect.
     *
     * @throws IllegalArgumentException for {@link PresenceStatus#OFFLINE}, which only the server uses
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<PresenceStatus> status(PresenceStatus status) {
        Objects.requireNonNull(status, "status");
        if (status == PresenceStatus.OFFLINE) {
            throw new IllegalArgumentException("status must be online, away or dnd");
        }
        threads.onLoop(() -> lifecycle.chooseStatus(status));
        return request(ref -> new Command.Status(ref, status), ServerFrame.StatusFrame.class,
                ServerFrame.StatusFrame::status);
    }

    /**
     * Moves this user's read marker in the room forward to {@code seq}; completes with the marker
     * after the move (never backwards).
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<Long> markRead(String room, long seq) {
        Objects.requireNonNull(room, "room");
        return request(ref -> new Command.Read(ref, room, seq), ServerFrame.ReadFrame.class,
                ServerFrame.ReadFrame::seq);
    }

    /** A request of the application: resent after a lost connection; any other reply type fails it. */
    private <F extends ServerFrame, T> CompletableFuture<T> request(Function<Ref, Command> command, Class<F> replyType,
            Function<F, T> reply) {
        connection.checkOpen();
        Pending.Request<T> r = requests.newRequest(command, f -> {
            if (!replyType.isInstance(f)) {
                throw new ClassCastException(f.getClass().getSimpleName());
            }
            return reply.apply(replyType.cast(f));
        }, true, false);
        threads.onLoop(() -> requests.submit(r));
        return r.future;
    }

    /**
     * Closes gracefully and waits for it: stops taking new work, waits up to the close timeout
     * for the publishes already made to be acknowledged (reconnecting if need be), closes the
     * connection with 1000, fails whatever is still pending with {@code UNAVAILABLE}, and stops
     * the client's own threads. With the client's own callback executor, every future and
     * listener call is done when this returns (unless it is called from a callback). Idempotent;
     * must not be called on the client's own scheduler.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        try {
            done.get(closeTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            threads.awaitCallbacksEnded(closeTimeout.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("{}: close did not finish in time", name, e);
        }
    }

    /**
     * Starts a graceful {@link #close()} and returns at once; the future completes when the
     * client is closed. Its dependants run on the client's internal thread: keep them short.
     */
    public CompletableFuture<Void> closeAsync() {
        threads.onLoop(lifecycle::beginClose);
        return lifecycle.closed();
    }

    @Override
    public String toString() {
        return name + "(" + (user != null ? user : "?") + ", " + connection.phase() + ")";
    }

    // ==== builder ==============================================================================

    /**
     * Options of a {@link ParleyClient}. Each setter checks its value at once and says the
     * allowed range when it is wrong.
     *
     * <p><b>Thread safety.</b> Not thread-safe; use it from one thread, then {@link #build()}.
     */
    public static final class Builder {
        private final ClientConnector connector;
        private @Nullable String user;
        private @Nullable Supplier<@Nullable String> token;
        private @Nullable String clientName;
        private Backoff backoff = Backoff.DEFAULT;
        private int maxReconnectAttempts = Integer.MAX_VALUE;
        private int maxInFlightPublishes = 64;
        private int maxConnectAttempts = 5;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private @Nullable Duration publishTimeout;
        private @Nullable Duration pingInterval;
        private @Nullable Outbox outbox;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private @Nullable RandomGenerator random;
        private @Nullable ScheduledExecutorService scheduler;
        private @Nullable Executor callbackExecutor;
        private ClientListener listener = new ClientListener() {};

        private Builder(ClientConnector connector) {
            this.connector = Objects.requireNonNull(connector, "connector");
        }

        /**
         * The user name sent in {@code hello}: required by a server that trusts user names, checked
         * against the token by one that authenticates.
         *
         * @throws IllegalArgumentException if it breaks the naming rule of PROTOCOL §2
         */
        public Builder user(String user) {
            Objects.requireNonNull(user, "user");
            if (!USER_NAME.matcher(user).matches()) {
                throw new IllegalArgumentException("user was \"" + user
                        + "\" but must be 1 to 32 characters from A-Z a-z 0-9 _ . - not starting with .");
            }
            this.user = user;
            return this;
        }

        /** A token sent in every {@code hello}. */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            this.token = () -> token;
            return this;
        }

        /**
         * Where each {@code hello} gets its token, so a reconnect can present a fresh one. When the
         * server's {@code welcome} says the token expires ({@code tokenExpiresInMs}), the client
         * also asks it for a fresh token before then (halfway through a short token's life, 30 s
         * before the end of a long one) and sends it in a new {@code hello} on the open
         * connection, so the server does not end it with {@code bye TOKEN_EXPIRED}. Called on the
         * client's I/O thread: it must return at once (a cached token, renewed in the
         * background), never block.
         */
        public Builder tokenSupplier(Supplier<@Nullable String> tokenSupplier) {
            this.token = Objects.requireNonNull(tokenSupplier, "tokenSupplier");
            return this;
        }

        /** A name for this client program, sent in {@code hello} for the server's logs. */
        public Builder clientName(String clientName) {
            this.clientName = Objects.requireNonNull(clientName, "clientName");
            return this;
        }

        /** The backoff between reconnect attempts and publish retries; default {@link Backoff#DEFAULT}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * Shorthand for {@link #backoff} with this initial and maximum delay and the default
         * multiplier and jitter.
         *
         * @throws IllegalArgumentException if a delay is out of the range {@link Backoff} allows
         */
        public Builder reconnectDelays(Duration initial, Duration max) {
            this.backoff = new Backoff(initial, max, Backoff.DEFAULT.multiplier(), Backoff.DEFAULT.jitter());
            return this;
        }

        /**
         * How many connection attempts in a row may fail before the client gives up (counted since
         * the last successful {@code hello}); 0 gives up at the first loss. Default: unlimited.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder maxReconnectAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException(
                        "maxReconnectAttempts was " + attempts + " but must be in [0, " + Integer.MAX_VALUE + "]");
            }
            this.maxReconnectAttempts = attempts;
            return this;
        }

        /**
         * How many attempts in a row the first {@link ParleyClient#connect()} makes before its
         * future fails and the client gives up; default 5. Once the client was welcomed, a lost
         * connection is retried as {@link #maxReconnectAttempts} says.
         *
         * @throws IllegalArgumentException if outside [1, 2147483647]
         */
        public Builder maxConnectAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException(
                        "maxConnectAttempts was " + attempts + " but must be in [1, " + Integer.MAX_VALUE + "]");
            }
            this.maxConnectAttempts = attempts;
            return this;
        }

        /**
         * How long one connection attempt may take to open and be welcomed before the client drops
         * it and tries again; default 10 s.
         *
         * @throws IllegalArgumentException if outside [1 ms, 600000 ms]
         */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException(
                        "connectTimeout was " + timeout.toMillis() + " ms but must be in [1 ms, 600000 ms]");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How often the client pings the server on a welcomed connection; when the next ping is due
         * and nothing at all came from the server since the last one, the connection is taken for
         * dead (a frozen server, a dropped network), closed and reconnected. So a dead connection is
         * noticed within about two intervals. Default: half the {@code heartbeatMs} the server
         * announces (12.5 s for the default 25 s).
         *
         * @throws IllegalArgumentException if outside [10 ms, 3600000 ms]
         */
        public Builder pingInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException(
                        "pingInterval was " + interval.toMillis() + " ms but must be in [10 ms, 3600000 ms]");
            }
            this.pingInterval = interval;
            return this;
        }

        /**
         * How long a {@link ParleyClient#publish} may wait for its acknowledgement: after it the
         * future fails with {@code UNAVAILABLE} and the client stops resending the publish, so the
         * later publishes of the room, which wait behind it to keep their order, go on. A publish
         * that went out before the timeout may still have been stored (its cid is in the
         * exception's message). Default: none, a publish is retried until it lands or the client
         * closes.
         *
         * @throws IllegalArgumentException if outside [1 ms, 86400000 ms]
         */
        public Builder publishTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException(
                        "publishTimeout was " + timeout.toMillis() + " ms but must be in [1 ms, 86400000 ms]");
            }
            this.publishTimeout = timeout;
            return this;
        }

        /**
         * How many publishes may await their acknowledgement at once on a connection; default 64.
         *
         * @throws IllegalArgumentException if outside [1, 10000]
         */
        public Builder maxInFlightPublishes(int publishes) {
            if (publishes < 1 || publishes > 10_000) {
                throw new IllegalArgumentException(
                        "maxInFlightPublishes was " + publishes + " but must be in [1, 10000]");
            }
            this.maxInFlightPublishes = publishes;
            return this;
        }

        /**
         * How long {@link ParleyClient#close()} waits for publishes to be acknowledged; default 5 s.
         *
         * @throws IllegalArgumentException if outside [0 ms, 600000 ms]
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException(
                        "closeTimeout was " + timeout.toMillis() + " ms but must be in [0 ms, 600000 ms]");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * The source of the backoff's jitter; a seeded one makes the schedule repeatable in tests.
         * Used on the client's I/O thread only. Default: a fresh {@code L64X128MixRandom}.
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * The scheduler that runs the client's state machine (one task at a time, whatever its
         * pool size) and its timers. The client does not shut down a scheduler it was given.
         * Default: a single daemon thread of its own.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Where listeners run and futures complete (in order per room). The client does not shut
         * down an executor it was given. Default: a cached pool of daemon threads of its own.
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Keeps every publish until it is acknowledged in {@code outbox} (such as {@link
         * Outbox#inFile}), so that a client built on the same outbox after a crash or restart sends
         * them again with their cids and the server stores each once; see {@link Outbox} and
         * {@link ParleyClient#restoredPublishes()}. The client closes the outbox when it closes.
         * Default: none, pending publishes live in memory only.
         */
        public Builder outbox(Outbox outbox) {
            this.outbox = Objects.requireNonNull(outbox, "outbox");
            return this;
        }

        /** Told about connects, disconnects, reconnect attempts and giving up. */
        public Builder listener(ClientListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Makes the client, not connected yet (see {@link ParleyClient#connect()}). */
        public ParleyClient build() {
            return new ParleyClient(this);
        }
    }
}
