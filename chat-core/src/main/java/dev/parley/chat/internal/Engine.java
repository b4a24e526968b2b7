package dev.parley.chat.internal;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.FoldedMessage;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Room;
import dev.parley.chat.RoomNames;
import dev.parley.chat.Scheduler;
import dev.parley.chat.StoreException;
import dev.parley.chat.Subscription;
import dev.parley.chat.internal.room.PublishesInFlight;
import dev.parley.chat.internal.room.RoomActor;
import dev.parley.chat.internal.room.RoomServices;
import dev.parley.chat.protocol.CommandDecoder;
import dev.parley.chat.protocol.RoomSummary;
import dev.parley.chat.protocol.UnicodeText;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.RoomInfo;
import dev.parley.chat.spi.Transport;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link dev.parley.chat.ChatServer}: accepts connections from transports,
 * keeps one {@link RoomActor} per room (its single writer) and one {@link UserState} per user,
 * and fires the clock-driven timers.
 */
public final class Engine implements ConnectionAcceptor {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /** How often idle room actors are looked for, in milliseconds of the engine's clock. */
    private static final long IDLE_SWEEP_MILLIS = 10_000;
    /** The most rooms a {@code rooms} reply lists. */
    private static final int MAX_ROOMS_LISTED = 1000;

    final EngineConfig config;
    /** The metrics hook, guarded: what it throws never reaches the engine. */
    final ChatMetrics metrics;
    final CommandDecoder decoder;
    private final Scheduler scheduler;
    private Scheduler.@Nullable Timer idleSweep; // guarded by lifecycle
    private final Map<String, RoomActor> rooms = new ConcurrentHashMap<>();
    private final Map<String, UserState> users = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final List<Transport> transports = new ArrayList<>();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final Object lifecycle = new Object();
    private final List<Consumer<Message>> serverSubscribers = new CopyOnWriteArrayList<>();
    /** Every publish being stored, across rooms: closing answers them before bye. */
    private final PublishesInFlight publishesInFlight = new PublishesInFlight();
    /** What every room is given; rooms never see the engine itself. */
    private final RoomServices roomServices;
    private boolean started;
    private volatile boolean closing;
    private boolean closed;

    /** An engine with the given configuration and no metrics; it does nothing until started. */
    public Engine(EngineConfig config) {
        this(config, ChatMetrics.NONE);
    }

    /** An engine with the given configuration that reports to {@code metrics}; it does nothing until started. */
    public Engine(EngineConfig config, ChatMetrics metrics) {
        this.config = config;
        this.metrics = GuardedMetrics.guard(metrics);
        this.decoder = new CommandDecoder(config.maxFrameBytes(), config.maxBodyBytes());
        this.scheduler = config.scheduler();
        this.roomServices = new RoomServices(config, this.metrics, new LiveUsers(), publishesInFlight,
                this::deliverToServerSubscribers);
        // The engine makes no thread of its own: its timers, this one included, run on the scheduler.
        synchronized (lifecycle) {
            idleSweep = scheduler.schedule(this::sweepIdleRoomsAndRenew, IDLE_SWEEP_MILLIS);
        }
    }

    /**
     * The default timer scheduler: one daemon thread, {@code parley-scheduler-N}, that fires timers
     * by {@code clock}; the engine built with it (and {@code ownsScheduler}) shuts it down on close.
     */
    public static Scheduler defaultScheduler(Clock clock) {
        return new SweepingScheduler(clock);
    }

    /** The default room executor: one daemon thread per core. */
    public static ExecutorService defaultExecutor() {
        return Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemonThreads("parley-room"));
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts every transport; closes those already started if one fails. */
    public void start(List<Transport> toStart) {
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "the server is closed" : "the server is already started");
            }
            started = true;
        }
        config.sequencer().watch((room, seq) -> post(room, actor -> actor.headAdvanced(seq)));
        for (Transport transport : toStart) {
            try {
                transport.start(this);
            } catch (RuntimeException e) {
                log.error("transport {} failed to start; closing the server", transport, e);
                close();
                throw e instanceof ChatException ? e : new ChatException(ErrorCode.INTERNAL, "transport failed to start", e);
            }
            synchronized (lifecycle) {
                transports.add(transport);
            }
        }
    }

    @Override
    public ConnectionHandler accept(Connection connection) {
        Session session = new Session(this, connection, "c" + connectionIds.incrementAndGet());
        metrics.onConnectionOpened();
        sessions.add(session);
        if (closing) {
            session.closeWithBye(1001, "SERVER_SHUTDOWN", "the server is shutting down");
        }
        return session;
    }

    @Override
    public int maxFrameBytes() {
        return config.maxFrameBytes();
    }

    @Override
    public java.time.Duration heartbeat() {
        return java.time.Duration.ofMillis(config.heartbeatMs());
    }

    /**
     * Runs {@code task} on the room's actor, making one if there is none. Posting and {@link
     * #evict eviction} are atomic for a room, so a task never lands on an actor that is going away.
     */
    void post(String room, Consumer<RoomActor> task) {
        rooms.compute(room, (id, actor) -> {
            RoomActor target = actor;
            if (target == null) {
                target = new RoomActor(roomServices, id, this::evict);
                metrics.onRoomOpened();
            }
            target.enqueue(task);
            return target;
        });
    }

    /** Forgets the room's actor if it is idle with nothing queued; called on the actor's mailbox. */
    void evict(RoomActor actor) {
        boolean[] evicted = new boolean[1];
        rooms.computeIfPresent(actor.id(), (id, current) -> {
            evicted[0] = current == actor && actor.idleAndEmpty();
            return evicted[0] ? null : current;
        });
        if (evicted[0]) {
            metrics.onRoomClosed();
            config.sequencer().release(actor.id());
        }
    }

    /** How many room actors are in memory; for tests of eviction. */
    int roomsInMemory() {
        return rooms.size();
    }

    /** Asks every room actor whether it is idle; runs every few seconds, and from tests. */
    void sweepIdleRooms() {
        for (String room : rooms.keySet()) {
            RoomActor actor = rooms.get(room);
            if (actor != null) {
                actor.checkIdle();
            }
        }
    }

    private void sweepIdleRoomsAndRenew() {
        try {
            sweepIdleRooms();
        } finally {
            synchronized (lifecycle) {
                if (!closed) {
                    idleSweep = scheduler.schedule(this::sweepIdleRoomsAndRenew, IDLE_SWEEP_MILLIS);
                }
            }
        }
    }

    /**
     * Runs {@code task} on the scheduler once the engine's clock reaches {@code deadlineMillis}
     * (at once if it has). Every engine timer goes through here.
     */
    Scheduler.Timer at(long deadlineMillis, Runnable task) {
        return scheduler.schedule(task, Math.max(0, deadlineMillis - now()));
    }

    /** Runs {@code task} on the scheduler {@code delayMillis} from now by the engine's clock. */
    Scheduler.Timer after(long delayMillis, Runnable task) {
        return scheduler.schedule(task, delayMillis);
    }

    boolean isClosing() {
        return closing;
    }

    long now() {
        return config.clock().millis();
    }

    /**
     * Attaches a session to its user, refusing it beyond the per-user connection limit.
     *
     * @return the user's state, or null when the user holds too many connections
     */
    UserState attach(Session session, String user) {
        UserState[] attached = new UserState[1];
        users.compute(user, (name, state) -> {
            UserState s = state != null ? state : new UserState(name, now());
            if (s.sessions.size() < config.maxConnectionsPerUser()) {
                s.sessions.add(session);
                if (s.expiry != null) {
                    s.expiry.cancel();
                    s.expiry = null;
                }
                attached[0] = s;
            }
            return s.sessions.isEmpty() && state == null ? null : s;
        });
        return attached[0];
    }

    void sessionClosed(Session session) {
        sessions.remove(session);
        String user = session.user();
        if (user == null) {
            return;
        }
        users.computeIfPresent(user, (name, state) -> {
            state.sessions.remove(session);
            if (state.sessions.isEmpty() && state.expiry == null) {
                // Status survives a reconnect within the grace period, then resets to online.
                state.expiry = after(config.presenceGraceMs(), () -> expireUser(name));
            }
            return state;
        });
    }

    private void expireUser(String user) {
        users.computeIfPresent(user, (name, state) -> state.sessions.isEmpty() ? null : state);
    }

    /** The member as this node knows it now: its live status and last command time. */
    Member liveMember(Member recorded) {
        UserState state = users.get(recorded.user());
        return state == null ? recorded : new Member(recorded.user(), state.status, state.lastSeen);
    }

    List<RoomSummary> roomsFor(String user) {
        List<RoomSummary> out = new ArrayList<>();
        for (RoomInfo info : config.store().rooms()) {
            if (out.size() == MAX_ROOMS_LISTED) {
                break;
            }
            if (!config.authorizer().mayRead(user, info.room())) {
                continue;
            }
            out.add(new RoomSummary(info.room(), info.topic(), config.presence().count(info.room()), info.lastSeq(),
                    config.store().readMarker(info.room(), user)));
        }
        return out;
    }

    /**
     * Calls {@code subscriber} with every message stored in any room from now on, on that room's
     * thread, so each room's messages come in seq order. What it throws is logged and ignored.
     */
    public Subscription subscribeAll(Consumer<Message> subscriber) {
        serverSubscribers.add(subscriber);
        return () -> serverSubscribers.remove(subscriber);
    }

    void deliverToServerSubscribers(Message message) {
        for (Consumer<Message> subscriber : serverSubscribers) {
            try {
                subscriber.accept(message);
            } catch (RuntimeException e) {
                log.error("room {}: a server subscriber failed on seq {}", message.room(), message.seq(), e);
            }
        }
    }

    /**
     * Lets every connection of {@code user} in {@code room} go at once; see {@link
     * dev.parley.chat.ChatServer#revoke}.
     *
     * @return completed with how many connections were let go, once they were
     */
    public CompletableFuture<Integer> revoke(String user, String room) {
        if (!RoomNames.isValidUser(user)) {
            throw new IllegalArgumentException("invalid user name: " + user);
        }
        if (!RoomNames.isValidRoom(room)) {
            throw new IllegalArgumentException("invalid room name: " + room);
        }
        CompletableFuture<Integer> done = new CompletableFuture<>();
        post(room, actor -> actor.revoke(user, done));
        return done;
    }

    /** The server-side handle of a room. */
    public Room roomHandle(String id) {
        if (!RoomNames.isValidRoom(id)) {
            throw new IllegalArgumentException("invalid room name: " + id);
        }
        return new Handle(id);
    }

    /** Graceful shutdown; see {@link dev.parley.chat.ChatServer#close()}. */
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
        }
        // Publishes being stored are answered before bye: what was acknowledged is durable.
        int unanswered = publishesInFlight.awaitNone(10, TimeUnit.SECONDS);
        if (unanswered > 0) {
            log.warn("closing with {} publishes still unanswered; their clients will retry by cid", unanswered);
        }
        for (Session session : List.copyOf(sessions)) {
            session.closeWithBye(1001, "SERVER_SHUTDOWN", "the server is shutting down");
        }
        List<Transport> started;
        synchronized (lifecycle) {
            started = List.copyOf(transports);
        }
        for (Transport transport : started) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                log.warn("transport {} failed to close", transport, e);
            }
        }
        synchronized (lifecycle) {
            if (idleSweep != null) {
                idleSweep.cancel();
            }
        }
        if (config.ownsScheduler() && scheduler instanceof SweepingScheduler) {
            ((SweepingScheduler) scheduler).shutdown();
        }
        try {
            config.store().close();
        } catch (RuntimeException e) {
            log.error("the store failed to close cleanly", e);
        }
        if (config.ownsExecutor() && config.executor() instanceof ExecutorService) {
            ((ExecutorService) config.executor()).shutdown();
        }
        log.info("chat server closed");
    }

    /** The users' live state for the rooms, from this engine's users map. */
    private final class LiveUsers implements RoomServices.Users {
        @Override
        public Member live(Member recorded) {
            return liveMember(recorded);
        }

        @Override
        public Member memberOf(String user, long nowMillis) {
            UserState state = users.get(user);
            return state == null ? new Member(user, PresenceStatus.ONLINE, nowMillis) : new Member(user, state.status, state.lastSeen);
        }

        @Override
        public PresenceStatus statusOf(String user) {
            UserState state = users.get(user);
            return state == null ? PresenceStatus.ONLINE : state.status;
        }
    }

    /** {@link Room} for server-side code; every call goes through the room's actor. */
    private final class Handle implements Room {
        private final String id;

        Handle(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public CompletableFuture<Message> publish(String user, String body) {
            return publish(user, body, null);
        }

        @Override
        public CompletableFuture<Message> publish(String user, String body, @Nullable String cid) {
            if (cid != null && !RoomNames.isValidCid(cid)) {
                throw new IllegalArgumentException("a cid must be 1 to 64 characters from '!' to '~'");
            }
            if (!RoomNames.isValidUser(user)) {
                throw new IllegalArgumentException("invalid user name: " + user);
            }
            if (body.isEmpty()) {
                throw new IllegalArgumentException("body must not be empty");
            }
            if (UnicodeText.hasUnpairedSurrogate(body)) {
                throw new IllegalArgumentException("body holds an unpaired surrogate: it is not Unicode text");
            }
            CompletableFuture<Message> result = new CompletableFuture<>();
            post(id, actor -> actor.publishFromServer(user, body, cid, result));
            return result;
        }

        @Override
        public List<Message> history(long beforeSeq, int limit) {
            try {
                return config.store().readBefore(id, beforeSeq, limit);
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                // Room.history promises StoreException for whatever the user's store throws.
                throw new StoreException("room " + id + ": the store failed to read history: " + e, e);
            }
        }

        @Override
        public List<FoldedMessage> view(long beforeSeq, int limit) {
            if (limit < 1 || limit > 1000) {
                throw new IllegalArgumentException("limit was " + limit + " but must be in [1, 1000]");
            }
            try {
                return RoomView.read(config.store(), id, beforeSeq, limit, VIEW_MAX_FOLDED);
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StoreException("room " + id + ": the store failed to read the view: " + e, e);
            }
        }

        @Override
        public List<Member> members() {
            List<Member> out = new ArrayList<>();
            for (Member m : config.presence().members(id)) {
                out.add(liveMember(m));
            }
            return out;
        }

        @Override
        public Subscription subscribe(Consumer<Message> listener) {
            CompletableFuture<Subscription> subscribed = new CompletableFuture<>();
            post(id, actor -> subscribed.complete(actor.subscribe(listener)));
            return subscribed.join();
        }
    }
}
