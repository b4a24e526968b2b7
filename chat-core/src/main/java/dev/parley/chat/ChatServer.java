package dev.parley.chat;

import dev.parley.chat.internal.Engine;
import dev.parley.chat.internal.EngineConfig;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Presence;
import dev.parley.chat.spi.Sequencer;
import dev.parley.chat.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A Parley chat server: the engine speaking PROTOCOL.md over the transports it is started with,
 * on the store it was built with.
 *
 * <pre>{@code
 * ChatServer server = ChatServer.builder()
 *         .store(MessageStore.inMemory())
 *         .authenticator(Authenticator.trustingUserNames())
 *         .build();
 * server.start(WebSocketTransport.listen(new InetSocketAddress(8081)));
 * // ...
 * server.close(); // bye to every client, store flushed, threads stopped
 * }</pre>
 *
 * <p><b>Thread safety.</b> Safe to use from any thread.
 *
 * <p><b>Lifecycle.</b> Build, {@link #start} once with every transport, {@link #close} once (more
 * calls do nothing). Closing says {@code bye} to every client after the acknowledged publishes are
 * durable, closes the transports, then closes the store.
 */
public final class ChatServer implements AutoCloseable {
    private final Engine engine;

    private ChatServer(Engine engine) {
        this.engine = engine;
    }

    /** A builder with the protocol's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the transports and begins to serve; returns when each is ready for clients.
     *
     * @throws ChatException if a transport cannot start (the ones already started are closed)
     * @throws IllegalStateException if the server was already started or closed
     */
    public void start(Transport... transports) {
        engine.start(List.of(transports));
    }

    /**
     * The handle of a room, whether or not it exists yet (publishing creates it).
     *
     * @throws IllegalArgumentException if {@code id} is not a valid room name
     */
    public Room room(String id) {
        return engine.roomHandle(id);
    }

    /**
     * Calls {@code listener} with every message stored from now on in any room whose id matches
     * {@code roomPattern} ({@code *} stands for any run of characters, so {@code "team-*"} or
     * {@code "*"}) and that {@code filter} accepts: a bot that answers commands, an audit log, an
     * indexer. Each room's messages come in seq order, once each, on that room's thread (so both
     * must be quick); different rooms may call concurrently. What they throw is logged and ignored.
     *
     * @return the subscription; closing it stops the calls
     */
    public Subscription subscribe(String roomPattern, Predicate<Message> filter, Consumer<Message> listener) {
        Objects.requireNonNull(roomPattern, "roomPattern");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(listener, "listener");
        return engine.subscribeAll(m -> {
            if (RoomPolicy.globMatches(roomPattern, m.room()) && filter.test(m)) {
                listener.accept(m);
            }
        });
    }

    /**
     * Takes {@code room} away from {@code user} while it is connected: each of the user's
     * connections in the room stops receiving at once (no message stored after the returned future
     * completes reaches it) and gets an {@code error} {@code FORBIDDEN} without {@code ref} and a
     * {@code left} push; the other members see the user leave. It does not change the {@link
     * dev.parley.chat.spi.Authorizer}: a later {@code join} is checked by it again, so to keep the
     * user out, change what the authorizer answers too (a policy that answers no on a later command
     * of a joined connection revokes that user by itself). Revoking a user who is not in the room
     * does nothing.
     *
     * @return completed, with how many connections were let go, once none of them receives any more
     * @throws IllegalArgumentException if {@code user} or {@code room} is not a valid name
     */
    public CompletableFuture<Integer> revoke(String user, String room) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(room, "room");
        return engine.revoke(user, room);
    }

    /**
     * Shuts down gracefully: stops taking commands, waits for publishes being stored, sends
     * {@code bye} and closes every connection with 1001, closes the transports and the store.
     * Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Builds a {@link ChatServer}. Each setter checks its value at once; {@link #build()} checks
     * combinations and reports every problem together.
     */
    public static final class Builder {
        private @Nullable MessageStore store;
        private @Nullable Function<MessageStore, Sequencer> sequencer;
        private Presence presence = Presence.inMemory();
        private @Nullable Authenticator authenticator;
        private Authorizer authorizer = Authorizer.directRoomsPrivate();
        private final List<ChatListener> listeners = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private @Nullable Executor executor;
        private @Nullable Scheduler scheduler;
        private int publishPerSecond = 10;
        private int publishBurst = 20;
        private int commandsPerSecond = 50;
        private int commandBurst = 100;
        private long maxOutboundBytes = 1 << 20;
        private int maxBodyBytes = 4096;
        private int maxFrameBytes = 65_536;
        private int historyLimit = 100;
        private int recentDefault = 50;
        private int recoverLimit = 1000;
        private int dedupeWindow = 10_000;
        private Duration typingTimeout = Duration.ofSeconds(6);
        private Duration presenceGrace = Duration.ofSeconds(5);
        private Duration helloTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(25);
        private int maxRoomsPerConnection = 100;
        private int maxConnectionsPerUser = 10;
        private int maxErrorsPerTenSeconds = 100;
        private boolean autoCreateRooms = true;
        private ChatMetrics metrics = ChatMetrics.NONE;

        private Builder() {}

        /** The store of rooms and logs; defaults to {@link MessageStore#inMemory()}. The server closes it. */
        public Builder store(MessageStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * How appends are sequenced, made from the store; defaults to {@link Sequencer#local} with
         * the {@link #dedupeWindow}.
         */
        public Builder sequencer(Function<MessageStore, Sequencer> sequencer) {
            this.sequencer = Objects.requireNonNull(sequencer, "sequencer");
            return this;
        }

        /** Where membership is recorded; defaults to {@link Presence#inMemory()}. */
        public Builder presence(Presence presence) {
            this.presence = Objects.requireNonNull(presence, "presence");
            return this;
        }

        /** Who a connection is; defaults to {@link Authenticator#trustingUserNames()}. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** The room policy; defaults to {@link Authorizer#directRoomsPrivate()}. */
        public Builder authorizer(Authorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** Adds a listener; listeners are called in the order they were added. */
        public Builder listener(ChatListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The clock of timestamps, rate limits and timers; defaults to the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The executor that runs the room mailboxes; defaults to a pool of one daemon thread per
         * core, owned and shut down by the server. One given here is not shut down.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The scheduler of the engine's timers (typing expiry, presence grace, hello timeout, token
         * expiry, the look for idle rooms), whose delays are in milliseconds of the {@link #clock}.
         * Defaults to one daemon thread named {@code parley-scheduler-N} that looks at the clock
         * every 20 ms of real time and fires what is due, so a clock that jumps fires timers too;
         * the server creates it in {@link #build()} and stops it in {@link ChatServer#close()}.
         * With a scheduler given here, and an {@link #executor}, the server starts no thread of
         * its own. One given here is not stopped.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Publishes per second per connection (default 10). */
        public Builder publishPerSecond(int perSecond) {
            this.publishPerSecond = inRange("publishPerSecond", perSecond, 1, 1_000_000);
            return this;
        }

        /** The publish burst per connection (default 20). */
        public Builder publishBurst(int burst) {
            this.publishBurst = inRange("publishBurst", burst, 1, 1_000_000);
            return this;
        }

        /** Other commands per second per connection (default 50). */
        public Builder commandsPerSecond(int perSecond) {
            this.commandsPerSecond = inRange("commandsPerSecond", perSecond, 1, 1_000_000);
            return this;
        }

        /** The burst of other commands per connection (default 100). */
        public Builder commandBurst(int burst) {
            this.commandBurst = inRange("commandBurst", burst, 1, 1_000_000);
            return this;
        }

        /** The bytes queued for a connection beyond which message pushes wait (default 1 MiB). */
        public Builder maxOutboundBytes(long bytes) {
            this.maxOutboundBytes = inRange("maxOutboundBytes", bytes, 1024, 1L << 34);
            return this;
        }

        /** The largest message body in UTF-8 bytes (default 4 096). */
        public Builder maxBodyBytes(int bytes) {
            this.maxBodyBytes = inRange("maxBodyBytes", bytes, 1, 1 << 20);
            return this;
        }

        /**
         * The largest inbound frame in bytes, advertised in {@code welcome} (default 65 536). The
         * one place to set it: a transport takes it from the engine when it starts ({@link
         * dev.parley.chat.spi.ConnectionAcceptor#maxFrameBytes()}) and closes a larger frame with 1009.
         */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = inRange("maxFrameBytes", bytes, 256, 16 << 20);
            return this;
        }

        /** The most messages one {@code history} returns (default 100). */
        public Builder historyLimit(int limit) {
            this.historyLimit = inRange("historyLimit", limit, 1, 10_000);
            return this;
        }

        /** How many latest messages {@code joined} carries when not recovering (default 50). */
        public Builder recentDefault(int recent) {
            this.recentDefault = inRange("recentDefault", recent, 0, 10_000);
            return this;
        }

        /** The most missing messages a resume returns (default 1 000). */
        public Builder recoverLimit(int limit) {
            this.recoverLimit = inRange("recoverLimit", limit, 0, 1_000_000);
            return this;
        }

        /** How many of a room's latest messages a cid is remembered for (default 10 000). */
        public Builder dedupeWindow(int messages) {
            this.dedupeWindow = inRange("dedupeWindow", messages, 0, 10_000_000);
            return this;
        }

        /** How long {@code typing: true} lasts unless renewed (default 6 s). */
        public Builder typingTimeout(Duration timeout) {
            this.typingTimeout = positive("typingTimeout", timeout);
            return this;
        }

        /** How long a lost user stays a member before its leave is sent (default 5 s). */
        public Builder presenceGrace(Duration grace) {
            this.presenceGrace = notNegative("presenceGrace", grace);
            return this;
        }

        /** How long a new connection has to send {@code hello} (default 10 s). */
        public Builder helloTimeout(Duration timeout) {
            this.helloTimeout = positive("helloTimeout", timeout);
            return this;
        }

        /**
         * The ping interval advertised in {@code welcome} (default 25 s). The one place to set it:
         * a transport takes it from the engine when it starts ({@link
         * dev.parley.chat.spi.ConnectionAcceptor#heartbeat()}) and pings at it (the WebSocket
         * transport in whole seconds, rounded up).
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positive("heartbeat", interval);
            return this;
        }

        /** How many rooms one connection may join (default 100). */
        public Builder maxRoomsPerConnection(int rooms) {
            this.maxRoomsPerConnection = inRange("maxRoomsPerConnection", rooms, 1, 100_000);
            return this;
        }

        /** How many connections one user may hold (default 10). */
        public Builder maxConnectionsPerUser(int connections) {
            this.maxConnectionsPerUser = inRange("maxConnectionsPerUser", connections, 1, 100_000);
            return this;
        }

        /** How many errors within 10 seconds close a connection with 1008 (default 100). */
        public Builder maxErrorsPerTenSeconds(int errors) {
            this.maxErrorsPerTenSeconds = inRange("maxErrorsPerTenSeconds", errors, 1, 1_000_000);
            return this;
        }

        /** Whether {@code join} of an unknown room creates it (default true). */
        public Builder autoCreateRooms(boolean autoCreate) {
            this.autoCreateRooms = autoCreate;
            return this;
        }

        /**
         * Where the engine reports what it does (connections, rooms, messages, deliveries, slow
         * readers, store latency, errors); defaults to {@link ChatMetrics#NONE}. What the hook
         * throws is logged and ignored.
         */
        public Builder metrics(ChatMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Builds the server.
         *
         * @throws IllegalArgumentException listing every inconsistent option
         */
        public ChatServer build() {
            List<String> problems = new ArrayList<>();
            if (recentDefault > historyLimit) {
                problems.add("recentDefault (" + recentDefault + ") must not exceed historyLimit (" + historyLimit + ")");
            }
            if (publishBurst < 1 || commandBurst < 1) {
                problems.add("bursts must be at least 1");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            MessageStore theStore = store != null ? store : MessageStore.inMemory();
            Sequencer theSequencer = sequencer != null
                    ? sequencer.apply(theStore)
                    : Sequencer.local(theStore, dedupeWindow);
            boolean ownsExecutor = executor == null;
            Executor theExecutor = ownsExecutor ? Engine.defaultExecutor() : executor;
            boolean ownsScheduler = scheduler == null;
            Scheduler theScheduler = ownsScheduler ? Engine.defaultScheduler(clock) : scheduler;
            EngineConfig config = new EngineConfig(
                    theStore,
                    theSequencer,
                    presence,
                    authenticator != null ? authenticator : Authenticator.trustingUserNames(),
                    authorizer,
                    List.copyOf(listeners),
                    clock,
                    theExecutor,
                    ownsExecutor,
                    theScheduler,
                    ownsScheduler,
                    publishPerSecond,
                    publishBurst,
                    commandsPerSecond,
                    commandBurst,
                    maxOutboundBytes,
                    maxBodyBytes,
                    maxFrameBytes,
                    historyLimit,
                    recentDefault,
                    recoverLimit,
                    typingTimeout.toMillis(),
                    presenceGrace.toMillis(),
                    helloTimeout.toMillis(),
                    heartbeat.toMillis(),
                    maxRoomsPerConnection,
                    maxConnectionsPerUser,
                    maxErrorsPerTenSeconds,
                    autoCreateRooms,
                    1024);
            return new ChatServer(new Engine(config, metrics));
        }

        private static int inRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(
                        name + " was " + value + " but must be in [" + min + ", " + max + "]");
            }
            return value;
        }

        private static long inRange(String name, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(
                        name + " was " + value + " but must be in [" + min + ", " + max + "]");
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " was " + value + " but must be positive");
            }
            return value;
        }

        private static Duration notNegative(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " was " + value + " but must not be negative");
            }
            return value;
        }
    }
}
