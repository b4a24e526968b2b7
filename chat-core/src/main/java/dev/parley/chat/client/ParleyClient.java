package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.CommandEncoder;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.RoomSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
    /** When the server announces no heartbeat, check the connection this often. */
    private static final long DEFAULT_HEARTBEAT_MS = 25_000;

    private enum Phase { NEW, CONNECTING, CONNECTED, CLOSING, CLOSED }

    private final ClientConnector connector;
    private final @Nullable String user;
    private final @Nullable Supplier<@Nullable String> token;
    private final @Nullable String clientName;
    private final Backoff backoff;
    private final int maxReconnectAttempts;
    private final int maxInFlightPublishes;
    private final Duration closeTimeout;
    private final RandomGenerator random;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Executor callbacks;
    private final @Nullable ExecutorService ownedCallbacks;
    private final ClientListener clientListener;
    private final String name;
    private final String cidPrefix;
    private final ServerFrameReader reader = new ServerFrameReader();
    private final SerialQueue loop;
    private final SerialQueue clientEvents;
    private final Map<String, RealRoomSubscription> subscriptions = new ConcurrentHashMap<>();
    private final CompletableFuture<Welcome> firstWelcome = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicLong orders = new AtomicLong();
    private volatile Phase phase = Phase.NEW;

    // ---- confined to the loop ----
    /** Counts connection attempts; events of an older attempt are ignored. */
    private long generation;
    private @Nullable ClientConnection connection;
    /** The generation whose connection closed before its connect future was seen. */
    private long closedEarly = -1;
    private boolean welcomed;
    private long helloRef;
    private @Nullable ChatException fatal;
    private int failedAttempts;
    private long nextRef = 1;
    private final Map<Long, Pending> inFlight = new HashMap<>();
    private final TreeMap<Long, Pending.Publish> publishQueue = new TreeMap<>();
    private final TreeMap<Long, Pending.Request<?>> requestQueue = new TreeMap<>();
    private int inFlightPublishes;
    private @Nullable Pacer pacer;
    private boolean pumpTimerSet;
    private long pumpTimerAt;
    private boolean flushTimerSet;
    private long flushTimerAt;
    private @Nullable PresenceStatus chosenStatus;
    /** The page size for catching up with history: the server's historyLimit. */
    private int historyPageLimit = 100;
    private long lastInboundNanos;
    private boolean pingOutstanding;
    private boolean closeStarted;
    private boolean released;

    private ParleyClient(Builder b) {
        this.connector = b.connector;
        this.user = b.user;
        this.token = b.token;
        this.clientName = b.clientName;
        this.backoff = b.backoff;
        this.maxReconnectAttempts = b.maxReconnectAttempts;
        this.maxInFlightPublishes = b.maxInFlightPublishes;
        this.closeTimeout = b.closeTimeout;
        this.random = b.random != null ? b.random : RandomGenerator.of("L64X128MixRandom");
        this.name = "parley-client-" + CLIENT_IDS.incrementAndGet();
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownsScheduler = false;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads(name));
            this.ownsScheduler = true;
        }
        if (b.callbackExecutor != null) {
            this.callbacks = b.callbackExecutor;
            this.ownedCallbacks = null;
        } else {
            ExecutorService pool = Executors.newCachedThreadPool(daemonThreads(name + "-callbacks"));
            this.callbacks = pool;
            this.ownedCallbacks = pool;
        }
        this.clientListener = b.listener;
        UUID uuid = UUID.randomUUID();
        // Unique per client instance, so that two devices of one user never share a cid.
        this.cidPrefix = Long.toString(uuid.getMostSignificantBits() >>> 1, 36)
                + Long.toString(uuid.getLeastSignificantBits() >>> 1, 36) + "-";
        this.loop = new SerialQueue(scheduler, name);
        this.clientEvents = new SerialQueue(callbacks, name + "-events");
    }

    /**
     * A builder for a client that connects with {@code connector}.
     *
     * @throws NullPointerException if {@code connector} is null
     */
    public static Builder builder(ClientConnector connector) {
        return new Builder(connector);
    }

    // ==== the API ===============================================================================

    /**
     * Connects and says {@code hello}; the future completes with the server's {@code welcome}.
     * When the first attempt fails the client keeps trying with its backoff, and the future
     * fails only when the client gives up (the server refused the credentials, or every attempt
     * allowed failed) or is closed. Calling it again returns the same future.
     */
    public CompletableFuture<Welcome> connect() {
        loop.execute(() -> {
            if (phase == Phase.NEW) {
                phase = Phase.CONNECTING;
                attempt();
            }
        });
        return firstWelcome;
    }

    /** Whether the client is connected and welcomed right now (a snapshot). */
    public boolean isConnected() {
        return phase == Phase.CONNECTED;
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
        checkOpen();
        long order = orders.incrementAndGet();
        Pending.Publish p = new Pending.Publish(order, room, draft, meta, cidPrefix + Long.toString(order, 36));
        loop.execute(() -> {
            if (phase == Phase.CLOSING || phase == Phase.CLOSED) {
                fail(p.future, closedException());
                return;
            }
            publishQueue.put(p.order, p);
            pump();
        });
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
                f -> ((ServerFrame.HistoryFrame) f).page(), ServerFrame.HistoryFrame.class, true, null, false);
    }

    /**
     * The members of a room right now.
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<List<Member>> members(String room) {
        Objects.requireNonNull(room, "room");
        return request(ref -> new Command.Members(ref, room), f -> ((ServerFrame.MembersFrame) f).members(),
                ServerFrame.MembersFrame.class, true, null, false);
    }

    /**
     * The rooms this user may read, with their member counts and heads.
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<List<RoomSummary>> rooms() {
        return request(Command.Rooms::new, f -> ((ServerFrame.RoomsFrame) f).rooms(),
                ServerFrame.RoomsFrame.class, true, null, false);
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
        loop.execute(() -> chosenStatus = status);
        return request(ref -> new Command.Status(ref, status), f -> ((ServerFrame.StatusFrame) f).status(),
                ServerFrame.StatusFrame.class, true, null, false);
    }

    /**
     * Moves this user's read marker in the room forward to {@code seq}; completes with the marker
     * after the move (never backwards).
     *
     * @throws IllegalStateException if the client is closed
     */
    public CompletableFuture<Long> markRead(String room, long seq) {
        Objects.requireNonNull(room, "room");
        return request(ref -> new Command.Read(ref, room, seq), f -> ((ServerFrame.ReadFrame) f).seq(),
                ServerFrame.ReadFrame.class, true, null, false);
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
            ExecutorService pool = ownedCallbacks;
            // A callback that closes the client cannot wait for its own thread to end.
            if (pool != null && !Thread.currentThread().getName().startsWith(name + "-callbacks-")) {
                pool.awaitTermination(closeTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            }
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
        loop.execute(this::beginClose);
        return closed;
    }

    @Override
    public String toString() {
        return name + "(" + (user != null ? user : "?") + ", " + phase + ")";
    }

    // ==== called by subscriptions =================================================================

    void typing(RealRoomSubscription sub, boolean typing) {
        loop.execute(() -> {
            if (welcomed && !sub.ended.get() && sub.joinedOnCurrent) {
                send(new Command.Typing(null, sub.room, typing));
            }
        });
    }

    void leave(RealRoomSubscription sub) {
        if (!sub.ended.compareAndSet(false, true)) {
            return;
        }
        subscriptions.remove(sub.room, sub);
        loop.execute(() -> {
            fail(sub.joined, new ChatException(ErrorCode.NOT_IN_ROOM, "left before the room was joined"));
            boolean joinedOnServer = sub.joinedOnCurrent || sub.joinRef != 0;
            if (!welcomed || !joinedOnServer || phase == Phase.CLOSED) {
                complete(sub.left, null);
                return;
            }
            // Not resent after a loss: a lost connection has left the room by itself.
            Pending.Request<Void> r = new Pending.Request<>(orders.incrementAndGet(),
                    ref -> new Command.Leave(ref, sub.room), f -> null, false, null, true);
            r.future.whenComplete((v, e) -> {
                if (e == null) {
                    sub.left.complete(null);
                } else {
                    sub.left.completeExceptionally(e);
                }
            });
            enqueueRequest(r);
        });
    }

    // ==== connecting ===========================================================================

    private void attempt() {
        long gen = ++generation;
        CompletableFuture<ClientConnection> opening;
        try {
            opening = connector.connect(new ConnectionEvents(gen));
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((c, e) -> loop.execute(() -> opened(gen, c, e)));
    }

    private void opened(long gen, @Nullable ClientConnection c, @Nullable Throwable failure) {
        if (gen != generation || phase == Phase.CLOSED) {
            if (c != null) {
                c.close(1000, "not needed any more");
            }
            return;
        }
        if (failure != null || c == null) {
            log.debug("{}: connecting failed: {}", name, String.valueOf(failure));
            reconnectLater();
            return;
        }
        if (closedEarly == gen) {
            reconnectLater();
            return;
        }
        connection = c;
        lastInboundNanos = System.nanoTime();
        helloRef = nextRef++;
        String credential = null;
        if (token != null) {
            try {
                credential = token.get();
            } catch (RuntimeException e) {
                log.warn("{}: the token supplier failed", name, e);
            }
        }
        send(new Command.Hello(ref(helloRef), user, credential, clientName));
    }

    private void reconnectLater() {
        if (phase == Phase.CLOSED) {
            return;
        }
        failedAttempts++;
        if (failedAttempts > maxReconnectAttempts) {
            giveUp(new ChatException(ErrorCode.UNAVAILABLE,
                    "could not connect; gave up after " + maxReconnectAttempts + " reconnect attempts"));
            return;
        }
        int attempt = failedAttempts;
        Duration delay = backoff.delay(attempt, random.nextDouble());
        long gen = ++generation;
        if (phase == Phase.CONNECTED) {
            phase = Phase.CONNECTING;
        }
        log.debug("{}: reconnect attempt {} in {} ms", name, attempt, delay.toMillis());
        clientEvent(l -> l.onReconnectScheduled(attempt, delay));
        schedule(delay.toNanos(), () -> {
            if (gen == generation && phase != Phase.CLOSED) {
                attempt();
            }
        });
    }

    private void welcomed(Welcome w) {
        welcomed = true;
        failedAttempts = 0;
        if (phase == Phase.CONNECTING) {
            phase = Phase.CONNECTED;
        }
        pacer = new Pacer(w.publishPerSecond(), System.nanoTime());
        historyPageLimit = w.historyLimit() > 0 ? w.historyLimit() : 100;
        log.debug("{}: welcome as {} (session {})", name, w.user(), w.session());
        complete(firstWelcome, w);
        clientEvent(l -> l.onConnected(w));
        PresenceStatus status = chosenStatus;
        if (status != null && status != PresenceStatus.ONLINE) {
            // The server resets the status of a user who comes back from offline.
            send(new Command.Status(null, status));
        }
        for (RealRoomSubscription sub : subscriptions.values()) {
            if (sub.activated && !sub.ended.get()) {
                sendJoin(sub);
            }
        }
        flushRequests();
        pump();
        watchLiveness(generation, w.heartbeatMs() > 0 ? w.heartbeatMs() : DEFAULT_HEARTBEAT_MS);
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
        ClientConnection c = connection;
        if (c != null) {
            c.close(1000, "hello refused");
        }
    }

    private void connectionClosed(long gen, int code, String reason) {
        if (gen != generation) {
            return;
        }
        if (connection == null) {
            // The close overtook the connect future: opened() will see it.
            closedEarly = gen;
            return;
        }
        log.debug("{}: connection closed: {} {}", name, code, reason);
        connection = null;
        welcomed = false;
        pacer = null;
        pingOutstanding = false;
        // What was in flight waits for the next connection; publishes keep their cid.
        for (Pending p : inFlight.values()) {
            if (p instanceof Pending.Publish) {
                Pending.Publish publish = (Pending.Publish) p;
                publishQueue.put(publish.order, publish);
            } else if (p instanceof Pending.Request) {
                lostRequest((Pending.Request<?>) p);
            }
        }
        inFlight.clear();
        inFlightPublishes = 0;
        for (RealRoomSubscription sub : subscriptions.values()) {
            sub.joinedOnCurrent = false;
            sub.joinRef = 0;
        }
        clientEvent(l -> l.onDisconnected(code, reason));
        ChatException fatalError = fatal;
        if (fatalError != null) {
            giveUp(fatalError);
            return;
        }
        reconnectLater();
    }

    private <T> void lostRequest(Pending.Request<T> r) {
        if (r.resendAfterLoss) {
            requestQueue.put(r.order, r);
        } else {
            complete(r.future, r.valueIfLost);
        }
    }

    private void watchLiveness(long gen, long heartbeatMs) {
        long interval = TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        schedule(interval, () -> {
            ClientConnection c = connection;
            if (gen != generation || c == null || phase == Phase.CLOSED) {
                return;
            }
            long quiet = System.nanoTime() - lastInboundNanos;
            if (quiet >= interval) {
                if (pingOutstanding) {
                    // Two intervals of silence: the connection is dead even if the socket is not closed.
                    log.info("{}: no frame from the server for {} ms; reconnecting", name,
                            TimeUnit.NANOSECONDS.toMillis(quiet));
                    c.close(1001, "no response from the server");
                    return;
                }
                pingOutstanding = true;
                send(new Command.Ping(null));
            }
            watchLiveness(gen, heartbeatMs);
        });
    }

    // ==== inbound ==============================================================================

    private void onText(long gen, String text) {
        if (gen != generation) {
            return;
        }
        lastInboundNanos = System.nanoTime();
        pingOutstanding = false;
        ServerFrame frame;
        try {
            frame = reader.read(text);
        } catch (IllegalArgumentException e) {
            log.warn("{}: ignoring a server frame that cannot be read ({}): {}", name, e.getMessage(),
                    text.length() > 200 ? text.substring(0, 200) + "…" : text);
            return;
        }
        handle(frame);
    }

    private void handle(ServerFrame frame) {
        if (frame instanceof ServerFrame.MessagePush) {
            onMessagePush(((ServerFrame.MessagePush) frame).message());
        } else if (frame instanceof ServerFrame.WelcomeFrame) {
            if (frame.ref() == helloRef && !welcomed) {
                welcomed(((ServerFrame.WelcomeFrame) frame).welcome());
            }
        } else if (frame instanceof ServerFrame.ErrorFrame) {
            onError((ServerFrame.ErrorFrame) frame);
        } else if (frame instanceof ServerFrame.PresencePush) {
            PresenceEvent event = ((ServerFrame.PresencePush) frame).event();
            toRoom(event.room(), l -> l.onPresence(event));
        } else if (frame instanceof ServerFrame.TypingPush) {
            ServerFrame.TypingPush t = (ServerFrame.TypingPush) frame;
            toRoom(t.room(), l -> l.onTyping(t.room(), t.user(), t.typing()));
        } else if (frame instanceof ServerFrame.ReceiptPush) {
            ServerFrame.ReceiptPush r = (ServerFrame.ReceiptPush) frame;
            toRoom(r.room(), l -> l.onReceipt(r.room(), r.user(), r.seq()));
        } else if (frame instanceof ServerFrame.MembersFrame && frame.ref() < 0) {
            ServerFrame.MembersFrame m = (ServerFrame.MembersFrame) frame;
            toRoom(m.room(), l -> l.onMembers(m.room(), m.members()));
        } else if (frame instanceof ServerFrame.ByePush) {
            ServerFrame.ByePush bye = (ServerFrame.ByePush) frame;
            log.info("{}: the server says bye ({}: {})", name, bye.code(), bye.message());
        } else if (frame instanceof ServerFrame.UnknownFrame) {
            log.debug("{}: ignoring a frame of unknown type {}", name, ((ServerFrame.UnknownFrame) frame).type());
        } else if (frame instanceof ServerFrame.PongFrame && frame.ref() < 0) {
            // A liveness ping's answer: arriving was all it had to do.
        } else {
            onReply(frame);
        }
    }

    private void onReply(ServerFrame frame) {
        Pending pending = inFlight.remove(frame.ref());
        if (pending == null) {
            log.debug("{}: ignoring a reply to no pending command: {}", name, frame);
            return;
        }
        if (pending instanceof Pending.Publish && frame instanceof ServerFrame.PublishedFrame) {
            published((Pending.Publish) pending, (ServerFrame.PublishedFrame) frame);
        } else if (pending instanceof Pending.Join && frame instanceof ServerFrame.JoinedFrame) {
            joined(((Pending.Join) pending).subscription, frame.ref(), ((ServerFrame.JoinedFrame) frame).joined());
        } else if (pending instanceof Pending.Request) {
            answer((Pending.Request<?>) pending, frame);
        } else {
            log.warn("{}: the server answered {} with {}", name, pending.getClass().getSimpleName(), frame);
            if (pending instanceof Pending.Publish) {
                inFlightPublishes--;
                fail(((Pending.Publish) pending).future,
                        new ChatException(ErrorCode.INTERNAL, "unexpected reply to publish: " + frame));
            }
        }
    }

    private <T> void answer(Pending.Request<T> r, ServerFrame frame) {
        T value;
        try {
            value = r.reply.apply(frame);
        } catch (ClassCastException e) {
            fail(r.future, new ChatException(ErrorCode.INTERNAL, "unexpected reply: " + frame));
            return;
        }
        complete(r.future, value);
    }

    private void onError(ServerFrame.ErrorFrame e) {
        if (e.ref() > 0 && e.ref() == helloRef && !welcomed) {
            helloRefused(e);
            return;
        }
        Pending pending = e.ref() > 0 ? inFlight.remove(e.ref()) : null;
        if (pending == null) {
            log.warn("{}: server error {}: {}", name, e.code(), e.message());
            return;
        }
        long now = System.nanoTime();
        if (pending instanceof Pending.Publish) {
            publishFailed((Pending.Publish) pending, e, now);
        } else if (pending instanceof Pending.Join) {
            joinFailed(((Pending.Join) pending).subscription, e);
        } else {
            requestFailed((Pending.Request<?>) pending, e, now);
        }
        maybeFinishClose();
    }

    // ==== rooms ================================================================================

    private RoomSubscription subscribe(
            String room, RoomListener listener, boolean resume, @Nullable String epoch, long since) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        RealRoomSubscription sub = new RealRoomSubscription(this, room, listener,
                new SerialQueue(callbacks, name + "-" + room), resume, epoch, since);
        if (subscriptions.putIfAbsent(room, sub) != null) {
            throw new IllegalStateException("already joined " + room + "; leave it first");
        }
        loop.execute(() -> {
            if (sub.ended.get()) {
                return;
            }
            if (phase == Phase.CLOSING || phase == Phase.CLOSED) {
                endSubscription(sub, closedException());
                return;
            }
            sub.activated = true;
            if (welcomed) {
                sendJoin(sub);
            }
        });
        return sub;
    }

    private void sendJoin(RealRoomSubscription sub) {
        long ref = nextRef++;
        sub.joinRef = ref;
        sub.joinedOnCurrent = false;
        inFlight.put(ref, new Pending.Join(sub));
        boolean resume = sub.everJoined || sub.resumeGiven;
        send(new Command.Join(ref(ref), sub.room, resume ? sub.lastSeq : null, resume ? sub.epoch : null, null));
    }

    private void joined(RealRoomSubscription sub, long ref, JoinedRoom j) {
        if (sub.ended.get() || sub.joinRef != ref) {
            return;
        }
        sub.joinRef = 0;
        sub.joinRetries = 0;
        sub.joinedOnCurrent = true;
        boolean first = !sub.everJoined;
        if (!first && !j.recovered() && canCatchUp(sub, j)) {
            // More was missed than the server resumes in one joined, but its log still holds it
            // all: page it in with history, then rejoin with since (PROTOCOL §5.4).
            sub.joinedOnCurrent = false;
            log.debug("{}: room {} is {} messages behind; catching up with history", name, sub.room,
                    j.seq() - sub.lastSeq);
            catchUp(sub, generation);
            return;
        }
        sub.everJoined = true;
        sub.epoch = j.epoch();
        if (first) {
            emit(sub, l -> l.onJoined(j));
        } else if (j.recovered()) {
            emit(sub, l -> l.onResumed(j));
        } else {
            log.info("{}: room {} could not be resumed after seq {}; reset to {}", name, sub.room, sub.lastSeq,
                    j.seq());
            emit(sub, l -> l.onReset(j));
        }
        if (j.recovered()) {
            for (Message m : j.messages()) {
                deliver(sub, m);
            }
        } else {
            // The snapshot replaces whatever the client had: live messages continue after its head.
            sub.lastSeq = j.seq();
        }
        if (first) {
            complete(sub.joined, j);
        }
        pump();
    }

    /** Whether the log of the joined room still holds every message after the last one delivered. */
    private static boolean canCatchUp(RealRoomSubscription sub, JoinedRoom j) {
        return j.epoch().equals(sub.epoch) && j.first() > 0 && sub.lastSeq + 1 >= j.first() && sub.lastSeq < j.seq();
    }

    /**
     * Asks for the next page after the last seq delivered, delivers it, and goes on until the
     * log has no more; then rejoins with since. Pushes are dropped meanwhile (the rejoin brings
     * what they carried). A lost connection ends it: the next connection's join starts over.
     */
    private void catchUp(RealRoomSubscription sub, long gen) {
        long after = sub.lastSeq;
        Pending.Request<@Nullable HistoryPage> r = new Pending.Request<>(orders.incrementAndGet(),
                ref -> new Command.History(ref, sub.room, null, after, historyPageLimit),
                f -> ((ServerFrame.HistoryFrame) f).page(), false, null, false);
        r.future.whenComplete((page, failure) -> loop.execute(() -> {
            if (gen != generation || sub.ended.get() || !welcomed || sub.joinRef != 0 || sub.joinedOnCurrent) {
                return;
            }
            if (page == null || failure != null) {
                // Could not page (refused or lost): the rejoin decides, with a reset if need be.
                sendJoin(sub);
                return;
            }
            List<Message> messages = page.messages();
            for (Message m : messages) {
                if (m.seq() != sub.lastSeq + 1) {
                    // The log dropped what was missed meanwhile (retention): without an epoch
                    // the rejoin cannot be caught up again, so it ends in a reset.
                    sub.epoch = null;
                    sendJoin(sub);
                    return;
                }
                sub.lastSeq = m.seq();
                emit(sub, l -> l.onMessage(m));
            }
            if (page.hasMore() && !messages.isEmpty()) {
                catchUp(sub, gen);
            } else {
                sendJoin(sub);
            }
        }));
        enqueueRequest(r);
    }

    private void joinFailed(RealRoomSubscription sub, ServerFrame.ErrorFrame e) {
        if (sub.ended.get()) {
            return;
        }
        sub.joinRef = 0;
        if (e.code() == ErrorCode.RATE_LIMITED || e.code() == ErrorCode.UNAVAILABLE) {
            long delay = e.code() == ErrorCode.RATE_LIMITED
                    ? TimeUnit.MILLISECONDS.toNanos(Math.max(1, e.retryAfterMs()))
                    : backoff.delay(++sub.joinRetries, random.nextDouble()).toNanos();
            long gen = generation;
            schedule(delay, () -> {
                if (gen == generation && welcomed && !sub.ended.get() && sub.joinRef == 0 && !sub.joinedOnCurrent) {
                    sendJoin(sub);
                }
            });
            return;
        }
        log.warn("{}: joining {} refused: {} {}", name, sub.room, e.code(), e.message());
        endSubscription(sub, new ChatException(e.code(), e.message()));
    }

    private void endSubscription(RealRoomSubscription sub, ChatException cause) {
        sub.ended.set(true);
        subscriptions.remove(sub.room, sub);
        fail(sub.joined, cause);
        complete(sub.left, null);
        sub.events.execute(() -> guarded(sub, l -> l.onFailed(sub.room, cause)));
    }

    private void onMessagePush(Message m) {
        RealRoomSubscription sub = subscriptions.get(m.room());
        // Before its joined (or while rejoining after a gap) a room's pushes are not trusted:
        // the joined that follows carries everything after the last seq delivered.
        if (sub == null || sub.ended.get() || !sub.joinedOnCurrent) {
            return;
        }
        deliver(sub, m);
    }

    /** Hands a message to the listener if it is the next one; drops repeats; rejoins on a gap. */
    private void deliver(RealRoomSubscription sub, Message m) {
        long last = sub.lastSeq;
        if (m.seq() <= last) {
            return;
        }
        if (m.seq() != last + 1) {
            log.warn("{}: room {} jumped from seq {} to {}; resuming with since", name, sub.room, last, m.seq());
            if (welcomed && sub.joinedOnCurrent) {
                sendJoin(sub);
            }
            return;
        }
        sub.lastSeq = m.seq();
        emit(sub, l -> l.onMessage(m));
    }

    private void toRoom(String room, Consumer<RoomListener> call) {
        RealRoomSubscription sub = subscriptions.get(room);
        if (sub != null && !sub.ended.get()) {
            emit(sub, call);
        }
    }

    // ==== publishing ===========================================================================

    /** Sends what may go now: in order, within the in-flight window and the pacer's rate. */
    private void pump() {
        ClientConnection c = connection;
        Pacer rate = pacer;
        if (!welcomed || c == null || rate == null || publishQueue.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Set<String> held = null;
        long wakeAt = 0;
        boolean wake = false;
        Iterator<Pending.Publish> it = publishQueue.values().iterator();
        while (it.hasNext() && inFlightPublishes < maxInFlightPublishes) {
            Pending.Publish p = it.next();
            if (held != null && held.contains(p.room)) {
                continue;
            }
            RealRoomSubscription sub = subscriptions.get(p.room);
            boolean awaitingJoin = sub != null && sub.activated && !sub.ended.get() && !sub.joinedOnCurrent;
            boolean backingOff = p.hasNotBefore && p.notBeforeNanos - now > 0;
            if (awaitingJoin || backingOff) {
                if (backingOff && (!wake || p.notBeforeNanos - wakeAt < 0)) {
                    wake = true;
                    wakeAt = p.notBeforeNanos;
                }
                // Later publishes of the room wait too, so that they keep their order.
                if (held == null) {
                    held = new HashSet<>();
                }
                held.add(p.room);
                continue;
            }
            long wait = rate.tryTake(now);
            if (wait > 0) {
                if (!wake || now + wait - wakeAt < 0) {
                    wake = true;
                    wakeAt = now + wait;
                }
                break;
            }
            it.remove();
            long ref = nextRef++;
            inFlight.put(ref, p);
            inFlightPublishes++;
            send(p.command(ref));
        }
        if (wake) {
            schedulePump(wakeAt);
        }
    }

    private void schedulePump(long atNanos) {
        if (pumpTimerSet && pumpTimerAt - atNanos <= 0) {
            return;
        }
        pumpTimerSet = true;
        pumpTimerAt = atNanos;
        schedule(atNanos - System.nanoTime(), () -> {
            if (pumpTimerAt == atNanos) {
                pumpTimerSet = false;
            }
            pump();
        });
    }

    private void published(Pending.Publish p, ServerFrame.PublishedFrame f) {
        inFlightPublishes--;
        complete(p.future, new PublishedMessage(f.room(), f.seq(), f.id(), f.ts(), p.cid, f.duplicate()));
        pump();
        maybeFinishClose();
    }

    private void publishFailed(Pending.Publish p, ServerFrame.ErrorFrame e, long now) {
        inFlightPublishes--;
        switch (e.code()) {
            case RATE_LIMITED:
                if (pacer != null) {
                    pacer.limited(e.retryAfterMs(), now);
                }
                publishQueue.put(p.order, p);
                break;
            case UNAVAILABLE:
                p.retries++;
                p.hasNotBefore = true;
                p.notBeforeNanos = now + backoff.delay(Math.min(p.retries, 30), random.nextDouble()).toNanos();
                publishQueue.put(p.order, p);
                break;
            case NOT_IN_ROOM: {
                // Sent while a rejoin was under way: it goes again once the room is joined.
                RealRoomSubscription sub = subscriptions.get(p.room);
                if (sub != null && !sub.ended.get() && !sub.joinedOnCurrent) {
                    publishQueue.put(p.order, p);
                } else {
                    fail(p.future, new ChatException(e.code(), e.message()));
                }
                break;
            }
            default:
                fail(p.future, new ChatException(e.code(), e.message()));
        }
        pump();
    }

    // ==== requests =============================================================================

    private <T> CompletableFuture<T> request(Function<Ref, Command> command, Function<ServerFrame, T> reply,
            Class<? extends ServerFrame> replyType, boolean resend, @Nullable T valueIfLost, boolean notInRoomIsSuccess) {
        checkOpen();
        Pending.Request<T> r = new Pending.Request<>(orders.incrementAndGet(), command, f -> {
            if (!replyType.isInstance(f)) {
                throw new ClassCastException(f.getClass().getSimpleName());
            }
            return reply.apply(f);
        }, resend, valueIfLost, notInRoomIsSuccess);
        loop.execute(() -> {
            if (phase == Phase.CLOSED) {
                fail(r.future, closedException());
                return;
            }
            requestQueue.put(r.order, r);
            flushRequests();
        });
        return r.future;
    }

    private <T> void enqueueRequest(Pending.Request<T> r) {
        requestQueue.put(r.order, r);
        flushRequests();
    }

    private void flushRequests() {
        if (!welcomed || connection == null || requestQueue.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        long wakeAt = 0;
        boolean wake = false;
        Iterator<Pending.Request<?>> it = requestQueue.values().iterator();
        while (it.hasNext()) {
            Pending.Request<?> r = it.next();
            if (r.hasNotBefore && r.notBeforeNanos - now > 0) {
                if (!wake || r.notBeforeNanos - wakeAt < 0) {
                    wake = true;
                    wakeAt = r.notBeforeNanos;
                }
                continue;
            }
            it.remove();
            long ref = nextRef++;
            inFlight.put(ref, r);
            send(r.command.apply(ref(ref)));
        }
        if (wake && (!flushTimerSet || wakeAt - flushTimerAt < 0)) {
            flushTimerSet = true;
            flushTimerAt = wakeAt;
            long at = wakeAt;
            schedule(at - now, () -> {
                if (flushTimerAt == at) {
                    flushTimerSet = false;
                }
                flushRequests();
            });
        }
    }

    private <T> void requestFailed(Pending.Request<T> r, ServerFrame.ErrorFrame e, long now) {
        if (e.code() == ErrorCode.RATE_LIMITED || e.code() == ErrorCode.UNAVAILABLE) {
            r.retries++;
            r.hasNotBefore = true;
            r.notBeforeNanos = now + (e.code() == ErrorCode.RATE_LIMITED
                    ? TimeUnit.MILLISECONDS.toNanos(Math.max(1, e.retryAfterMs()))
                    : backoff.delay(Math.min(r.retries, 30), random.nextDouble()).toNanos());
            requestQueue.put(r.order, r);
            flushRequests();
        } else if (e.code() == ErrorCode.NOT_IN_ROOM && r.notInRoomIsSuccess) {
            complete(r.future, r.valueIfLost);
        } else {
            fail(r.future, new ChatException(e.code(), e.message()));
        }
    }

    // ==== closing ==============================================================================

    private void beginClose() {
        if (closeStarted) {
            return;
        }
        closeStarted = true;
        if (phase == Phase.CLOSED || phase == Phase.NEW || publishQueue.isEmpty() && inFlightPublishes == 0) {
            finishClose();
            return;
        }
        phase = Phase.CLOSING;
        schedule(closeTimeout.toNanos(), this::finishClose);
    }

    private void maybeFinishClose() {
        if (phase == Phase.CLOSING && publishQueue.isEmpty() && inFlightPublishes == 0) {
            finishClose();
        }
    }

    private void finishClose() {
        if (released) {
            return;
        }
        boolean alreadyClosed = phase == Phase.CLOSED;
        phase = Phase.CLOSED;
        generation++;
        ClientConnection c = connection;
        connection = null;
        welcomed = false;
        if (c != null) {
            c.close(1000, "client closed");
        }
        if (!alreadyClosed) {
            failEverything(closedException());
        }
        released = true;
        log.debug("{}: closed", name);
        closed.complete(null);
        if (ownedCallbacks != null) {
            // Lets the callbacks already queued run, then ends the threads.
            ownedCallbacks.shutdown();
        }
        if (ownsScheduler) {
            scheduler.shutdown();
        }
    }

    private void giveUp(ChatException cause) {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        generation++;
        ClientConnection c = connection;
        connection = null;
        welcomed = false;
        if (c != null) {
            c.close(1000, "giving up");
        }
        failEverything(cause);
        clientEvent(l -> l.onGaveUp(cause));
    }

    private void failEverything(ChatException cause) {
        fail(firstWelcome, cause);
        for (Pending p : inFlight.values()) {
            failPending(p, cause);
        }
        inFlight.clear();
        inFlightPublishes = 0;
        for (Pending.Publish p : publishQueue.values()) {
            fail(p.future, cause);
        }
        publishQueue.clear();
        for (Pending.Request<?> r : requestQueue.values()) {
            fail(r.future, cause);
        }
        requestQueue.clear();
        for (RealRoomSubscription sub : new ArrayList<>(subscriptions.values())) {
            endSubscription(sub, cause);
        }
    }

    private void failPending(Pending p, ChatException cause) {
        if (p instanceof Pending.Publish) {
            fail(((Pending.Publish) p).future, cause);
        } else if (p instanceof Pending.Request) {
            fail(((Pending.Request<?>) p).future, cause);
        }
    }

    private ChatException closedException() {
        return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
    }

    private void checkOpen() {
        Phase now = phase;
        if (now == Phase.CLOSING || now == Phase.CLOSED) {
            throw new IllegalStateException("the client is closed");
        }
    }

    // ==== plumbing =============================================================================

    private void send(Command command) {
        ClientConnection c = connection;
        if (c != null) {
            c.send(CommandEncoder.encode(command));
        }
    }

    private static Ref ref(long ref) {
        return new Ref(Long.toString(ref));
    }

    /** Runs {@code task} on the loop after {@code delayNanos}; nothing once the scheduler has stopped. */
    private void schedule(long delayNanos, Runnable task) {
        try {
            scheduler.schedule(() -> loop.execute(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{}: scheduler stopped; a timer was dropped", name);
        }
    }

    private <T> void complete(CompletableFuture<T> future, @Nullable T value) {
        onCallbacks(() -> future.complete(value));
    }

    private void fail(CompletableFuture<?> future, Throwable failure) {
        onCallbacks(() -> future.completeExceptionally(failure));
    }

    private void onCallbacks(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private void emit(RealRoomSubscription sub, Consumer<RoomListener> call) {
        sub.events.execute(() -> {
            if (!sub.ended.get()) {
                guarded(sub, call);
            }
        });
    }

    private void guarded(RealRoomSubscription sub, Consumer<RoomListener> call) {
        try {
            call.accept(sub.listener);
        } catch (RuntimeException e) {
            log.warn("{}: the listener of room {} failed", name, sub.room, e);
        }
    }

    private void clientEvent(Consumer<ClientListener> call) {
        clientEvents.execute(() -> {
            try {
                call.accept(clientListener);
            } catch (RuntimeException e) {
                log.warn("{}: the client listener failed", name, e);
            }
        });
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The listener of one connection attempt: hands its events to the loop, tagged with the attempt. */
    private final class ConnectionEvents implements ClientConnection.Listener {
        private final long gen;

        ConnectionEvents(long gen) {
            this.gen = gen;
        }

        @Override
        public void onText(String text) {
            loop.execute(() -> ParleyClient.this.onText(gen, text));
        }

        @Override
        public void onClosed(int code, String reason) {
            loop.execute(() -> connectionClosed(gen, code, reason));
        }
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
         * Where each {@code hello} gets its token, so a reconnect can present a fresh one. Called
         * on the client's I/O thread: it must return at once (a cached token), never block.
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
