package dev.parley.chat.internal;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.RoomNames;
import dev.parley.chat.Scheduler;
import dev.parley.chat.internal.room.MemberConnection;
import dev.parley.chat.internal.room.RoomActor;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ProtocolException;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.spi.OutboundFrame;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: authenticates it, checks and rate-limits its commands in the order they
 * arrive, and hands room commands to the room's actor. Commands of one connection are enqueued on
 * the transport's thread in arrival order, so each room sees them in that order.
 *
 * <p>It also holds the connection's side of backpressure: message pushes go out only while the
 * connection's queued bytes are under the budget, and the rooms that had to stop are told when it
 * drains.
 */
final class Session implements ConnectionHandler, MemberConnection {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static final long ERROR_WINDOW_MILLIS = 10_000;
    /**
     * The longest wait between two looks at a token's expiry. A cancelled timer stays queued until
     * it is due, holding its session: looking at least once a minute bounds how long a closed
     * session is held, whatever the token's life.
     */
    private static final long MAX_EXPIRY_CHECK_MILLIS = 60_000;

    private final Engine engine;
    private final EngineConfig config;
    private final Connection connection;
    private final String id;
    /** Rooms whose actor has made this connection a member; only room actors change it. */
    private final Set<String> joinedRooms = ConcurrentHashMap.newKeySet();
    /** Joins dispatched and not yet answered, so the room limit counts them too. */
    private final Set<String> joining = ConcurrentHashMap.newKeySet();
    private final Set<String> awaitingDrain = ConcurrentHashMap.newKeySet();
    private final Object sendLock = new Object();
    /**
     * Set when a push was refused for the budget and cleared by the drain notice: the budget is
     * the connection's, in every room it joined (PROTOCOL §9 "Slow readers and small pushes"), so
     * no room's push slips in while the socket has drained only part of its backlog.
     */
    private boolean overBudget; // guarded by sendLock
    private final TokenBucket publishBucket;
    private final TokenBucket commandBucket;
    private final ArrayDeque<Long> recentErrors = new ArrayDeque<>();
    private final Scheduler.Timer helloTimer;
    private volatile @Nullable String user;
    /** What the latest accepted {@code hello} proved; set before {@link #user}. */
    private volatile @Nullable Identity identity;
    private final Object expiryLock = new Object();
    /** Counts accepted hellos, so a check planned for earlier credentials does nothing. */
    private long expiryGeneration; // guarded by expiryLock
    /** When the latest accepted credentials expire, in the engine clock's milliseconds. */
    private long credentialsExpireAtMillis = Long.MAX_VALUE; // guarded by expiryLock
    private Scheduler.@Nullable Timer expiryTimer; // guarded by expiryLock
    private volatile @Nullable UserState userState;
    private volatile boolean closed;

    Session(Engine engine, Connection connection, String id) {
        this.engine = engine;
        this.config = engine.config;
        this.connection = connection;
        this.id = id;
        long now = engine.now();
        this.publishBucket = new TokenBucket(config.publishPerSecond(), config.publishBurst(), now);
        this.commandBucket = new TokenBucket(config.commandsPerSecond(), config.commandBurst(), now);
        this.helloTimer = engine.after(config.helloTimeoutMs(), this::helloTimedOut);
    }

    @Override
    public @Nullable String user() {
        return user;
    }

    String id() {
        return id;
    }

    Connection connection() {
        return connection;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void onText(String text) {
        if (closed || engine.isClosing()) {
            return;
        }
        engine.metrics.onFrameReceived();
        try {
            if (user == null) {
                onFirstFrame(text);
            } else {
                onCommandFrame(text);
            }
        } catch (RuntimeException e) {
            log.error("connection {}: failed to handle a frame", id, e);
            error(null, ErrorCode.INTERNAL, "internal error", 0);
        }
    }

    @Override
    public void onBinary() {
        if (closed) {
            return;
        }
        if (user == null) {
            refuse(null, ErrorCode.UNAUTHENTICATED, "the first frame must be a hello text frame");
        } else {
            error(null, ErrorCode.BAD_REQUEST, "binary frames are not part of the protocol", 0);
        }
    }

    @Override
    public void onDrained() {
        synchronized (sendLock) {
            overBudget = false;
        }
        for (String room : awaitingDrain) {
            awaitingDrain.remove(room);
            engine.post(room, actor -> actor.resume(this));
        }
    }

    @Override
    public void onClosed(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        engine.metrics.onConnectionClosed();
        helloTimer.cancel();
        synchronized (expiryLock) {
            if (expiryTimer != null) {
                expiryTimer.cancel();
            }
        }
        // The grace period counts from the loss itself, not from when each room gets to it.
        long lostAt = engine.now();
        for (String room : joinedRooms) {
            engine.post(room, actor -> actor.connectionLost(this, lostAt));
        }
        engine.sessionClosed(this);
        log.debug("connection {} ({}) closed: {} {}", id, user, code, reason);
    }

    private void onFirstFrame(String text) {
        Command command;
        try {
            command = engine.decoder.decode(text);
        } catch (ProtocolException e) {
            if (engine.decoder.isWellFormedHello(text)) {
                refuse(e.ref(), e.code(), e.getMessage());
            } else {
                refuse(null, ErrorCode.UNAUTHENTICATED, "the first frame must be a well-formed hello");
            }
            return;
        }
        if (!(command instanceof Command.Hello)) {
            refuse(command.ref(), ErrorCode.UNAUTHENTICATED, "the first frame must be hello");
            return;
        }
        hello((Command.Hello) command);
    }

    private void onCommandFrame(String text) {
        Command command;
        try {
            command = engine.decoder.decode(text);
        } catch (ProtocolException e) {
            if (engine.decoder.looksLikeHello(text)) {
                refuse(e.ref(), e.code(), e.getMessage()); // a bad hello ends the session at any time
            } else {
                error(e.ref(), e.code(), e.getMessage(), 0);
            }
            return;
        }
        long now = engine.now();
        UserState state = userState;
        if (state != null) {
            state.lastSeen = now;
        }
        TokenBucket bucket = command instanceof Command.Publish ? publishBucket : commandBucket;
        long retryAfter = bucket.tryTake(now);
        if (retryAfter > 0) {
            error(command.ref(), ErrorCode.RATE_LIMITED, "too many commands; retry later", retryAfter);
            return;
        }
        try {
            dispatch(command);
        } catch (ChatException e) {
            error(command.ref(), e.code(), e.getMessage(), 0);
        }
    }

    private void dispatch(Command command) {
        Identity me = identity;
        if (command instanceof Command.Hello) {
            hello((Command.Hello) command);
        } else if (command instanceof Command.Ping) {
            reply(ServerFrames.pong(command.ref()));
        } else if (command instanceof Command.Join) {
            Command.Join join = (Command.Join) command;
            String room = join.room();
            if (!joinedRooms.contains(room) && !joining.contains(room)
                    && joinedRooms.size() + joining.size() >= config.maxRoomsPerConnection()) {
                throw new ChatException(ErrorCode.LIMIT_EXCEEDED,
                        "a connection may join at most " + config.maxRoomsPerConnection() + " rooms");
            }
            checkPolicy(config.authorizer().mayJoin(me, room), me, room);
            joining.add(room);
            inRoom(room, false, command.ref(), actor -> actor.join(this, join));
        } else if (command instanceof Command.Leave) {
            Command.Leave leave = (Command.Leave) command;
            inRoom(leave.room(), false, command.ref(), actor -> actor.leave(this, leave.ref()));
        } else if (command instanceof Command.Publish) {
            Command.Publish publish = (Command.Publish) command;
            checkPolicy(config.authorizer().mayPublish(me, publish.room()), me, publish.room());
            // A publish that names no earlier message may overlap the ones still being stored.
            boolean independent = publish.target() == 0 && publish.replyTo() == 0;
            inRoom(publish.room(), independent, command.ref(), actor -> actor.publish(this, publish));
        } else if (command instanceof Command.Typing) {
            Command.Typing typing = (Command.Typing) command;
            checkPolicy(config.authorizer().mayPublish(me, typing.room()), me, typing.room());
            // Timers count from when the command arrived, not from when the room got to it.
            long receivedAt = engine.now();
            inRoom(typing.room(), true, command.ref(), actor -> actor.typing(this, typing, receivedAt));
        } else if (command instanceof Command.History) {
            Command.History history = (Command.History) command;
            checkPolicy(config.authorizer().mayRead(me, history.room()), me, history.room());
            inRoom(history.room(), false, command.ref(), actor -> actor.history(this, history));
        } else if (command instanceof Command.Members) {
            Command.Members members = (Command.Members) command;
            checkPolicy(config.authorizer().mayRead(me, members.room()), me, members.room());
            inRoom(members.room(), false, command.ref(), actor -> actor.members(this, members.ref()));
        } else if (command instanceof Command.Read) {
            Command.Read read = (Command.Read) command;
            checkPolicy(config.authorizer().mayRead(me, read.room()), me, read.room());
            inRoom(read.room(), false, command.ref(), actor -> actor.read(this, read));
        } else if (command instanceof Command.Create) {
            Command.Create create = (Command.Create) command;
            checkPolicy(config.authorizer().mayCreate(me, create.room()), me, create.room());
            inRoom(create.room(), false, command.ref(), actor -> actor.create(this, create));
        } else if (command instanceof Command.Status) {
            status((Command.Status) command);
        } else if (command instanceof Command.Rooms) {
            reply(ServerFrames.rooms(command.ref(), engine.roomsFor(me.user())));
        } else {
            throw new ChatException(ErrorCode.INTERNAL, "unhandled command " + command.getClass().getSimpleName());
        }
    }

    /** Runs a command of this connection on the room's actor, in this connection's order. */
    private void inRoom(String room, boolean independent, @Nullable Ref ref, java.util.function.Consumer<RoomActor> command) {
        engine.post(room, actor -> actor.submit(this, independent, () -> {
            try {
                command.accept(actor);
            } catch (RuntimeException e) {
                // Isolation: a bug in one command is answered on this connection only.
                log.error("connection {}: a command in room {} failed", id, room, e);
                error(ref, ErrorCode.INTERNAL, "internal error", 0);
            }
        }));
    }

    /**
     * Refuses a command the policy refuses. If this connection is in the room and the policy now
     * refuses the user the room itself ({@code mayJoin}), the policy has changed its answer: the
     * user's connections there are let go at once, as {@code ChatServer.revoke} does.
     */
    private void checkPolicy(boolean allowed, Identity me, String room) {
        if (allowed) {
            return;
        }
        if (joinedRooms.contains(room) && !config.authorizer().mayJoin(me, room)) {
            log.info("connection {} ({}): the policy no longer admits it to room {}; revoking", id, me.user(), room);
            engine.revoke(me.user(), room);
        }
        throw new ChatException(ErrorCode.FORBIDDEN, "not allowed in this room");
    }

    private void hello(Command.Hello hello) {
        Identity proved;
        try {
            proved = config.authenticator()
                    .identify(new Credentials(hello.user(), hello.token(), connection.handshake()));
        } catch (ChatException e) {
            refuse(hello.ref(), ErrorCode.UNAUTHENTICATED, e.getMessage());
            return;
        } catch (RuntimeException e) {
            log.error("connection {}: the authenticator failed", id, e);
            refuse(hello.ref(), ErrorCode.UNAUTHENTICATED, "authentication failed");
            return;
        }
        String authenticated = proved == null ? null : proved.user();
        if (authenticated == null || !RoomNames.isValidUser(authenticated)) {
            refuse(hello.ref(), ErrorCode.INVALID_USER, "invalid user name");
            return;
        }
        String current = user;
        if (current != null) {
            // A later hello refreshes credentials; it may not change who the session is.
            if (!current.equals(authenticated)) {
                refuse(hello.ref(), ErrorCode.UNAUTHENTICATED, "a session cannot change its user");
                return;
            }
            identity = proved;
            // New credentials may carry other rights: a room they no longer admit is revoked now.
            for (String room : joinedRooms) {
                if (!config.authorizer().mayJoin(proved, room)) {
                    log.info("connection {} ({}): its new credentials no longer admit it to room {}; revoking",
                            id, current, room);
                    engine.revoke(current, room);
                }
            }
        } else {
            UserState state = engine.attach(this, authenticated);
            if (state == null) {
                refuse(hello.ref(), ErrorCode.LIMIT_EXCEEDED,
                        "a user may hold at most " + config.maxConnectionsPerUser() + " connections");
                return;
            }
            helloTimer.cancel();
            userState = state;
            identity = proved;
            user = authenticated;
            if (closed) {
                // Closed while authenticating: undo the attach that onClosed could not see.
                engine.sessionClosed(this);
                return;
            }
        }
        long tokenExpiresInMs = watchExpiry(proved);
        reply(ServerFrames.welcome(hello.ref(), id, authenticated, config.heartbeatMs(), config.maxFrameBytes(),
                config.maxBodyBytes(), config.historyLimit(), config.publishPerSecond(), tokenExpiresInMs));
    }

    /**
     * Ends the connection when these credentials expire, replacing the watch of earlier ones: the
     * latest {@code hello} decides (PROTOCOL §9 "hello").
     *
     * @return milliseconds until they expire, or -1 if they do not
     */
    private long watchExpiry(Identity proved) {
        synchronized (expiryLock) {
            long generation = ++expiryGeneration;
            if (expiryTimer != null) {
                expiryTimer.cancel();
                expiryTimer = null;
            }
            if (proved.expiresAt() == null) {
                credentialsExpireAtMillis = Long.MAX_VALUE;
                return -1;
            }
            credentialsExpireAtMillis = proved.expiresAt().toEpochMilli();
            planExpiryCheck(generation);
            return Math.max(0, credentialsExpireAtMillis - engine.now());
        }
    }

    /** Looks at the expiry again when it is due, or in a minute if that is sooner. Holds expiryLock. */
    private void planExpiryCheck(long generation) {
        long at = Math.min(credentialsExpireAtMillis, engine.now() + MAX_EXPIRY_CHECK_MILLIS);
        expiryTimer = engine.at(at, () -> checkExpiry(generation));
    }

    private void checkExpiry(long generation) {
        synchronized (expiryLock) {
            // A later hello (a fresh token) may have raced this timer: what it set is what counts.
            if (closed || generation != expiryGeneration) {
                return;
            }
            if (engine.now() < credentialsExpireAtMillis) {
                planExpiryCheck(generation);
                return;
            }
        }
        log.info("connection {} ({}): its token expired; closing", id, user);
        closeWithBye(1008, "TOKEN_EXPIRED", "the token expired; a hello with a fresh one must come before it does");
    }

    private void status(Command.Status command) {
        UserState state = userState;
        PresenceStatus chosen = command.status();
        boolean changed = state.status != chosen;
        state.status = chosen;
        reply(ServerFrames.status(command.ref(), chosen.wireName()));
        if (changed) {
            Set<String> rooms = new HashSet<>();
            for (Session s : state.sessions) {
                rooms.addAll(s.joinedRooms);
            }
            for (String room : rooms) {
                engine.post(room, actor -> actor.statusChanged(state.user));
            }
        }
    }

    private void helloTimedOut() {
        if (user == null && !closed) {
            refuse(null, ErrorCode.UNAUTHENTICATED, "no hello within " + config.helloTimeoutMs() + " ms");
        }
    }

    /**
     * The room answered a join. Called on the room's mailbox.
     *
     * @return false if the connection closed meanwhile: the room must forget it again, because
     *     {@link #onClosed} may have looked at the joined rooms before this one was added
     */
    @Override
    public boolean joinAnswered(String room, boolean member) {
        if (member) {
            joinedRooms.add(room);
        }
        joining.remove(room);
        return !(member && closed);
    }

    /** The room has let this connection go. Called on the room's actor. */
    @Override
    public void left(String room) {
        joinedRooms.remove(room);
    }

    /** Sends a reply or error: always queued, whatever the budget (the rate limits bound them). */
    @Override
    public void reply(OutboundFrame frame) {
        sendGuarded(frame);
    }

    /**
     * Sends through the transport; a transport that throws (a bug, a frame it cannot prepare)
     * fails this connection with 1011, never the room or the thread that sends.
     */
    private boolean sendGuarded(OutboundFrame frame) {
        try {
            boolean sent = connection.send(frame);
            engine.metrics.onFrameSent();
            return sent;
        } catch (RuntimeException e) {
            log.error("connection {} ({}): the transport failed to send a frame; closing with 1011", id, user, e);
            closeAfterTransportFailure();
            return false;
        }
    }

    private void closeAfterTransportFailure() {
        try {
            connection.close(1011, "server failure on this connection");
        } catch (RuntimeException e) {
            log.error("connection {}: the transport failed to close", id, e);
        }
    }

    /** Sends an error and closes with 1008 once the connection has earned too many. */
    @Override
    public void error(@Nullable Ref ref, ErrorCode code, String message, long retryAfterMs) {
        engine.metrics.onError(code);
        reply(ServerFrames.error(ref, code, message, retryAfterMs));
        // Only errors the client causes count: one retrying a failing store must not be closed for it.
        boolean serverCaused = code == ErrorCode.UNAVAILABLE || code == ErrorCode.INTERNAL;
        if (!serverCaused && tooManyErrors()) {
            log.info("connection {} ({}): too many errors; closing", id, user);
            close(1008, "too many errors");
        }
    }

    private boolean tooManyErrors() {
        long now = engine.now();
        synchronized (recentErrors) {
            recentErrors.addLast(now);
            while (!recentErrors.isEmpty() && recentErrors.peekFirst() <= now - ERROR_WINDOW_MILLIS) {
                recentErrors.removeFirst();
            }
            return recentErrors.size() > config.maxErrorsPerTenSeconds();
        }
    }

    /** Answers with an error and closes with 1008: a failed or missing hello. */
    private void refuse(@Nullable Ref ref, ErrorCode code, String message) {
        engine.metrics.onError(code);
        reply(ServerFrames.error(ref, code, message, 0));
        close(1008, message);
    }

    /**
     * Sends a push if the connection is under its outbound budget. The check and the send are one
     * step, so concurrent rooms cannot together overshoot the budget by more than one frame.
     *
     * @return false if the push was not sent (over budget, or closed)
     */
    @Override
    public boolean trySendPush(OutboundFrame frame) {
        synchronized (sendLock) {
            if (!overBudget) {
                if (connection.queuedBytes() < config.maxOutboundBytes()) {
                    return sendGuarded(frame);
                }
                overBudget = true;
            }
        }
        connection.requestDrainNotice();
        return false;
    }

    /** Asks to call the room back when the connection has drained its backlog. */
    @Override
    public void awaitDrain(String room) {
        if (closed) {
            return;
        }
        awaitingDrain.add(room);
        connection.requestDrainNotice();
    }

    @Override
    public void close(int code, String reason) {
        connection.close(code, reason);
    }

    void closeWithBye(int code, String byeCode, String message) {
        sendGuarded(ServerFrames.bye(byeCode, message));
        connection.close(code, message);
    }

    @Override
    public String toString() {
        return id + "(" + user + ")";
    }
}
