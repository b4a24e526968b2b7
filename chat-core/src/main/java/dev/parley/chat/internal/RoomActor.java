package dev.parley.chat.internal;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Scheduler;
import dev.parley.chat.RoomNames;
import dev.parley.chat.StoreException;
import dev.parley.chat.Subscription;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.protocol.UnicodeText;
import dev.parley.chat.spi.Ids;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.RoomInfo;
import dev.parley.chat.spi.Sequenced;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's single writer. Every command that reads or changes the room runs on its mailbox, so
 * the fields below need no lock.
 *
 * <p>A member is a cursor on the room log: the last seq its connection was sent. When a message is
 * appended, members whose cursor is just behind it and whose connection has room get the shared
 * frame; a member that is behind (its connection filled its budget, or the head moved by appends it
 * did not see) is fed from the tail cache or the store as its connection drains. Live delivery,
 * resume and slow readers are therefore one mechanism, and nobody sees a gap.
 */
final class RoomActor {
    private static final Logger log = LoggerFactory.getLogger(RoomActor.class);

    private final Engine engine;
    private final EngineConfig config;
    private final String id;
    private final SerialExecutor mailbox;
    private final List<Consumer<Message>> subscribers = new CopyOnWriteArrayList<>();

    /** How long a room stays in memory with nobody in it, by the engine's clock. */
    private static final long IDLE_MILLIS = 60_000;

    private long lastActive;
    /** Appends handed to the sequencer and not answered yet. */
    private int inFlight;
    private boolean loaded;
    private boolean exists;
    private String epoch = "";
    private volatile long head;
    private final RoomLogView roomLog;
    private final Map<Session, Cursor> cursors = new LinkedHashMap<>();
    private final Map<String, Integer> connectionsByUser = new HashMap<>();
    // Who joined since the room opened here, for ChatListener's offline members; bounded, oldest dropped.
    private static final int MAX_KNOWN_MEMBERS = 10_000;
    private final Set<String> knownMembers = new LinkedHashSet<>();
    private final Map<String, Scheduler.Timer> graceTimers = new HashMap<>();
    private final Map<String, Scheduler.Timer> typingTimers = new HashMap<>();
    private final ConnectionBacklogs backlogs;

    RoomActor(Engine engine, String id) {
        this.engine = engine;
        this.config = engine.config;
        this.id = id;
        this.mailbox = new SerialExecutor(config.executor(), id);
        this.roomLog = new RoomLogView(id, config.store(), config.tailCacheMessages());
        this.backlogs = new ConnectionBacklogs(id);
        this.lastActive = engine.now();
    }

    /** Queues a task on this room's mailbox; use {@link Engine#post} from outside the actor. */
    void enqueue(Consumer<RoomActor> task) {
        mailbox.execute(() -> {
            lastActive = engine.now();
            task.accept(this);
        });
    }

    /** Runs a continuation of the actor's own work (a completed append, a timer) on its mailbox. */
    private void execute(Runnable task) {
        mailbox.execute(task);
    }

    String id() {
        return id;
    }

    /** Queues an idleness check; unlike a command, it does not count as activity. */
    void checkIdle() {
        mailbox.execute(this::evictIfIdle);
    }

    /** Evicts this actor when nothing needs it: its state is all in the store and presence. */
    private void evictIfIdle() {
        if (engine.now() - lastActive >= IDLE_MILLIS || !loaded) {
            engine.evict(this);
        }
    }

    /** Whether nothing refers to this actor's memory and no work is queued for it. */
    boolean idleAndEmpty() {
        return cursors.isEmpty() && graceTimers.isEmpty() && typingTimers.isEmpty() && subscribers.isEmpty()
                && inFlight == 0 && backlogs.isEmpty() && mailbox.isEmpty();
    }

    // ---- commands -------------------------------------------------------------------------

    /** Runs one command of a connection in that connection's order (see {@link ConnectionBacklogs}). */
    void submit(Session session, boolean independent, Runnable command) {
        backlogs.submit(session, independent, command);
    }

    void join(Session session, Command.Join join) {
        Ref ref = join.ref();
        String user = session.user();
        if (session.isClosed()) {
            session.joinAnswered(id, false);
            return;
        }
        try {
            load();
            if (!exists) {
                if (!config.autoCreateRooms()) {
                    session.joinAnswered(id, cursors.containsKey(session));
                    session.error(ref, ErrorCode.NOT_FOUND, "no such room", 0);
                    return;
                }
                createInStore("");
            }
            long first = storeFirst();
            int recent = Math.min(join.recent() == null ? config.recentDefault() : join.recent(), config.historyLimit());
            List<Message> messages = null;
            boolean recovered = false;
            Long since = join.since();
            if (since != null && (join.epoch() == null || join.epoch().equals(epoch)) && since <= head) {
                long missing = head - since;
                if (missing == 0) {
                    messages = List.of();
                    recovered = true;
                } else if (missing <= config.recoverLimit() && (first == 0 || since + 1 >= first)) {
                    messages = roomLog.range(since + 1, head);
                    recovered = messages != null && messages.size() == missing;
                }
            }
            if (!recovered) {
                messages = roomLog.latest(recent, first, head);
            }
            boolean already = cursors.containsKey(session);
            boolean newMember = false;
            if (!already) {
                int before = connectionsByUser.getOrDefault(user, 0);
                connectionsByUser.put(user, before + 1);
                Scheduler.Timer grace = graceTimers.remove(user);
                if (grace != null) {
                    grace.cancel();
                } else if (before == 0) {
                    newMember = true;
                    config.presence().put(id, memberOf(user));
                }
            }
            rememberMember(user);
            Cursor cursor = cursors.computeIfAbsent(session, Cursor::new);
            cursor.sent = head;
            cursor.waiting = false;
            cursor.membersStale = false;
            long read = config.store().readMarker(id, user);
            // Recorded before the reply, so the client's next command already sees the room joined.
            boolean stillOpen = session.joinAnswered(id, true);
            session.reply(ServerFrames.joined(
                    ref, id, epoch, head, first, read, members(), messages, recovered));
            if (newMember) {
                broadcastSmall(ServerFrames.presence(id, user, statusOf(user).wireName(), "join"), user, null, true);
                notifyListeners(l -> l.onJoin(id, user));
            }
            if (!stillOpen) {
                connectionLost(session, engine.now()); // closed while joining: let it go as usual
            }
        } catch (ChatException e) {
            session.joinAnswered(id, cursors.containsKey(session));
            answer(session, ref, e);
        }
    }

    void leave(Session session, @Nullable Ref ref) {
        Cursor cursor = cursors.remove(session);
        if (cursor == null) {
            session.error(ref, ErrorCode.NOT_IN_ROOM, "not in this room", 0);
            return;
        }
        session.left(id);
        String user = session.user();
        int remaining = connectionsByUser.merge(user, -1, Integer::sum);
        if (remaining <= 0) {
            connectionsByUser.remove(user);
            knownMembers.remove(user); // left on purpose: not a member to notify any more
            stopTyping(user);
            memberGone(user);
        }
        session.reply(ServerFrames.left(ref, id));
    }

    void connectionLost(Session session, long lostAt) {
        backlogs.forget(session);
        if (cursors.remove(session) == null) {
            return;
        }
        String user = session.user();
        stopTyping(user);
        int remaining = connectionsByUser.merge(user, -1, Integer::sum);
        if (remaining > 0) {
            return;
        }
        connectionsByUser.remove(user);
        if (config.presenceGraceMs() == 0) {
            memberGone(user);
            return;
        }
        Scheduler.Timer[] timer = new Scheduler.Timer[1];
        timer[0] = engine.at(
                lostAt + config.presenceGraceMs(), () -> execute(() -> graceEnded(user, timer[0])));
        Scheduler.Timer old = graceTimers.put(user, timer[0]);
        if (old != null) {
            old.cancel();
        }
    }

    private void graceEnded(String user, Scheduler.Timer timer) {
        if (graceTimers.get(user) != timer) {
            return;
        }
        graceTimers.remove(user);
        if (connectionsByUser.getOrDefault(user, 0) == 0) {
            memberGone(user);
        }
    }

    private void memberGone(String user) {
        config.presence().remove(id, user);
        broadcastSmall(ServerFrames.presence(id, user, PresenceStatus.OFFLINE.wireName(), "leave"), user, null, true);
        notifyListeners(l -> l.onLeave(id, user));
    }

    void publish(Session session, Command.Publish publish) {
        Ref ref = publish.ref();
        if (!cursors.containsKey(session)) {
            session.error(ref, ErrorCode.NOT_IN_ROOM, "join the room before publishing", 0);
            return;
        }
        Message draft;
        try {
            draft = checkedDraft(session.user(), publish);
        } catch (ChatException e) {
            answer(session, ref, e);
            return;
        }
        engine.publishStarted();
        inFlight++;
        backlogs.publishStarted(session);
        long appendStarted = System.nanoTime();
        config.sequencer().append(draft).whenComplete((result, failure) -> execute(() -> {
            appendCompleted(appendStarted, failure);
            try {
                inFlight--;
                sequenced(result, failure, session, ref, null);
            } finally {
                backlogs.publishAnswered(session);
                engine.publishFinished();
            }
        }));
    }

    void publishFromServer(String user, String body, @Nullable String cid, CompletableFuture<Message> outcome) {
        Message draft;
        try {
            load();
            if (!exists) {
                createInStore("");
            }
            draft = checkedDraft(user, new Command.Publish(null, id, body, cid, MessageKind.TEXT, 0, 0, null));
        } catch (ChatException e) {
            outcome.completeExceptionally(e);
            return;
        }
        engine.publishStarted();
        inFlight++;
        long appendStarted = System.nanoTime();
        config.sequencer().append(draft).whenComplete((result, failure) -> execute(() -> {
            appendCompleted(appendStarted, failure);
            try {
                inFlight--;
                sequenced(result, failure, null, null, outcome);
            } finally {
                engine.publishFinished();
            }
        }));
    }

    /** Latency by the monotonic clock: the engine's clock may be a test's, standing still. */
    private void appendCompleted(long startedNanos, @Nullable Throwable failure) {
        engine.metrics.onStoreAppend(java.time.Duration.ofNanos(System.nanoTime() - startedNanos), failure != null);
    }

    /** Steps 5 and 6 of the order of checks, then the listeners; returns the draft to sequence. */
    private Message checkedDraft(String user, Command.Publish publish) {
        if (publish.target() > 0) {
            Message target = roomLog.find(publish.target(), head);
            if (target == null || target.kind() != MessageKind.TEXT) {
                throw new ChatException(ErrorCode.NOT_FOUND, "target names no text message of this room");
            }
            boolean authorOnly = publish.kind() == MessageKind.EDIT || publish.kind() == MessageKind.DELETE;
            if (authorOnly && !target.user().equals(user)) {
                throw new ChatException(ErrorCode.FORBIDDEN, "only the author may edit or delete a message");
            }
        }
        if (publish.replyTo() > 0 && roomLog.find(publish.replyTo(), head) == null) {
            throw new ChatException(ErrorCode.NOT_FOUND, "replyTo names no message of this room");
        }
        long now = engine.now();
        Message draft = new Message(id, 0, Ids.newMessageId(now), user, publish.body(), now, publish.kind(),
                publish.cid(), publish.target(), publish.replyTo(), publish.meta());
        for (ChatListener listener : config.listeners()) {
            Message rewritten;
            try {
                rewritten = listener.onPublish(draft);
            } catch (ChatException e) {
                throw e;
            } catch (RuntimeException e) {
                log.error("room {}: listener {} failed in onPublish", id, listener, e);
                throw new ChatException(ErrorCode.INTERNAL, "a server listener failed", e);
            }
            if (rewritten != null && rewritten != draft) {
                if (!isUnicode(rewritten.body()) || (rewritten.meta() != null && !isUnicode(rewritten.meta()))) {
                    log.error("room {}: listener {} rewrote a message into text that is not Unicode", id, listener);
                    throw new ChatException(ErrorCode.INTERNAL, "a server listener rewrote the message into invalid text");
                }
                draft = new Message(id, 0, draft.id(), user, rewritten.body(), draft.ts(), draft.kind(), draft.cid(),
                        draft.target(), draft.replyTo(), rewritten.meta());
            }
        }
        return draft;
    }

    private void sequenced(
            @Nullable Sequenced result, @Nullable Throwable failure, @Nullable Session session, @Nullable Ref ref,
            @Nullable CompletableFuture<Message> outcome) {
        if (failure != null) {
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            log.warn("room {}: append failed: {}", id, cause.toString());
            ChatException error = cause instanceof ChatException
                    ? (ChatException) cause
                    : new StoreException("the store failed", cause);
            if (session != null) {
                session.error(ref, ErrorCode.UNAVAILABLE, "the store failed; retry with the same cid", 0);
            }
            if (outcome != null) {
                outcome.completeExceptionally(error);
            }
            return;
        }
        if (!result.duplicate()) {
            engine.metrics.onMessageStored(id);
            try {
                appended(result.message());
            } catch (RuntimeException e) {
                // Isolation: whatever failed in the fan-out, the message is stored and is acknowledged.
                log.error("room {}: delivering seq {} failed", id, result.message().seq(), e);
            }
        }
        if (session != null) {
            session.reply(ServerFrames.published(ref, result.message(), result.duplicate()));
        }
        if (outcome != null) {
            outcome.complete(result.message());
        }
    }

    void typing(Session session, Command.Typing typing, long receivedAt) {
        if (!cursors.containsKey(session)) {
            session.error(typing.ref(), ErrorCode.NOT_IN_ROOM, "join the room before typing", 0);
            return;
        }
        String user = session.user();
        Scheduler.Timer current = typingTimers.get(user);
        if (typing.typing()) {
            if (current != null) {
                current.cancel(); // a renewal restarts the timer and sends nothing
            }
            Scheduler.Timer[] timer = new Scheduler.Timer[1];
            timer[0] = engine.at(
                    receivedAt + config.typingTimeoutMs(), () -> execute(() -> typingExpired(user, timer[0])));
            typingTimers.put(user, timer[0]);
            if (current == null) {
                broadcastSmall(ServerFrames.typing(id, user, true), user, null, false);
            }
        } else {
            stopTyping(user);
        }
    }

    private void typingExpired(String user, Scheduler.Timer timer) {
        if (typingTimers.get(user) == timer) {
            stopTyping(user);
        }
    }

    private void stopTyping(String user) {
        Scheduler.Timer timer = typingTimers.remove(user);
        if (timer != null) {
            timer.cancel();
            broadcastSmall(ServerFrames.typing(id, user, false), user, null, false);
        }
    }

    void history(Session session, Command.History history) {
        try {
            load();
            int limit = Math.min(history.limit() == null ? 50 : history.limit(), config.historyLimit());
            List<Message> messages = List.of();
            boolean hasMore = false;
            if (exists) {
                // One more than asked tells whether more exist in that direction.
                List<Message> read;
                if (history.after() != null) {
                    read = config.store().readAfter(id, history.after(), limit + 1);
                    hasMore = read.size() > limit;
                    messages = hasMore ? read.subList(0, limit) : read;
                } else {
                    long before = history.before() != null ? history.before() : Long.MAX_VALUE;
                    read = config.store().readBefore(id, before, limit + 1);
                    hasMore = read.size() > limit;
                    messages = hasMore ? read.subList(1, read.size()) : read;
                }
            }
            session.reply(ServerFrames.history(history.ref(), id, messages, hasMore));
        } catch (ChatException e) {
            answer(session, history.ref(), e);
        }
    }

    void members(Session session, @Nullable Ref ref) {
        session.reply(ServerFrames.members(ref, id, members()));
    }

    void read(Session session, Command.Read read) {
        try {
            load();
            String user = session.user();
            long marker = 0;
            long before = 0;
            if (exists) {
                before = config.store().readMarker(id, user);
                marker = config.store().moveReadMarker(id, user, Math.min(read.seq(), head));
            }
            session.reply(ServerFrames.read(read.ref(), id, marker));
            if (marker > before) {
                OutboundFrame receipt = ServerFrames.receipt(id, user, marker);
                for (Cursor cursor : cursors.values()) {
                    if (cursor.session != session) {
                        sendSmall(cursor, receipt, false);
                    }
                }
            }
        } catch (ChatException e) {
            answer(session, read.ref(), e);
        }
    }

    void create(Session session, Command.Create create) {
        try {
            load();
            if (exists) {
                session.error(create.ref(), ErrorCode.ROOM_EXISTS, "the room exists", 0);
                return;
            }
            if (!createInStore(create.topic())) {
                session.error(create.ref(), ErrorCode.ROOM_EXISTS, "the room exists", 0);
                return;
            }
            session.reply(ServerFrames.created(create.ref(), id, create.topic()));
        } catch (ChatException e) {
            answer(session, create.ref(), e);
        }
    }

    void statusChanged(String user) {
        if (!connectionsByUser.containsKey(user) && !graceTimers.containsKey(user)) {
            return;
        }
        Member member = memberOf(user);
        config.presence().put(id, member);
        broadcastSmall(ServerFrames.presence(id, user, member.status().wireName(), "status"), user, null, true);
        notifyListeners(l -> l.onPresence(id, user, member.status()));
    }

    private void rememberMember(String user) {
        knownMembers.remove(user);
        knownMembers.add(user);
        if (knownMembers.size() > MAX_KNOWN_MEMBERS) {
            knownMembers.remove(knownMembers.iterator().next());
        }
    }

    /** The users known as members of this room who have no connection in it, the author excluded. */
    private List<String> offlineMembers(String author) {
        TreeSet<String> offline = new TreeSet<>(knownMembers);
        if (RoomNames.isDirect(id)) {
            offline.addAll(RoomNames.directRoomUsers(id));
        }
        offline.removeAll(connectionsByUser.keySet());
        offline.remove(author);
        return List.copyOf(offline);
    }

    Subscription subscribe(Consumer<Message> listener) {
        subscribers.add(listener);
        return () -> subscribers.remove(listener);
    }

    // ---- the log and the cursors ------------------------------------------------------------

    /** A stored message: advance the head and feed every cursor that is just behind it. */
    private void appended(Message message) {
        long seq = message.seq();
        if (seq <= head) {
            return; // already seen: a notice that came twice is harmless
        }
        if (seq != head + 1) {
            roomLog.gap(); // appends this node did not see; cursors read the gap from the store
        }
        head = seq;
        OutboundFrame frame = ServerFrames.message(message);
        roomLog.appended(new Delivery(message, frame));
        for (Cursor cursor : List.copyOf(cursors.values())) {
            if (cursor.waiting) {
                continue;
            }
            if (cursor.sent == seq - 1) {
                if (trySend(cursor, frame, seq)) {
                    cursor.sent = seq;
                } else if (cursors.get(cursor.session) == cursor) {
                    await(cursor);
                }
            } else if (cursor.sent < seq - 1) {
                pump(cursor);
            }
        }
        if (!config.listeners().isEmpty()) {
            List<String> offline = offlineMembers(message.user());
            notifyListeners(l -> l.onMessage(message, offline));
        }
        for (Consumer<Message> subscriber : subscribers) {
            try {
                subscriber.accept(message);
            } catch (RuntimeException e) {
                log.error("room {}: a subscriber failed", id, e);
            }
        }
        engine.deliverToServerSubscribers(message);
    }

    /**
     * The log grew by appends this node did not make (a cluster's other nodes): deliver them from
     * the store as if they were our own. Stale or repeated notices change nothing.
     */
    void headAdvanced(long seq) {
        try {
            if (!loaded) {
                load(); // the head comes from the store; nobody here has seen anything yet
                return;
            }
            while (head < seq) {
                List<Message> page = config.store().readAfter(id, head, RoomLogView.PAGE);
                if (page.isEmpty()) {
                    return; // the store has not got it yet; a later notice will
                }
                for (Message m : page) {
                    appended(m);
                }
            }
        } catch (ChatException e) {
            log.warn("room {}: cannot read appends made elsewhere: {}", id, e.toString());
        }
    }

    /** The connection drained: go on feeding its cursor from where it stopped. */
    void resume(Session session) {
        Cursor cursor = cursors.get(session);
        if (cursor == null) {
            return;
        }
        if (cursor.waiting) {
            engine.metrics.onSlowReaderCatchUp();
        }
        cursor.waiting = false;
        pump(cursor);
    }

    private void pump(Cursor cursor) {
        try {
            while (cursor.sent < head) {
                long from = cursor.sent + 1;
                // Null also when the tail cache still holds what the store's retention has dropped.
                List<Delivery> page = roomLog.deliveries(from, Math.min(head, cursor.sent + RoomLogView.PAGE));
                if (page == null) {
                    log.info("room {}: connection {} fell behind what the log retains; closing with 4000", id, cursor.session);
                    cursors.remove(cursor.session);
                    engine.metrics.onSlowConsumerClosed();
                    cursor.session.close(4000, "slow consumer: resume with since");
                    return;
                }
                for (Delivery d : page) {
                    if (!trySend(cursor, d.frame(), d.message().seq())) {
                        if (cursors.get(cursor.session) == cursor) {
                            await(cursor);
                        }
                        return;
                    }
                    cursor.sent = d.message().seq();
                }
            }
        } catch (ChatException e) {
            log.warn("room {}: cannot feed connection {} from the store: {}", id, cursor.session, e.toString());
            await(cursor);
            return;
        }
        if (cursor.membersStale) {
            cursor.membersStale = false;
            cursor.session.reply(ServerFrames.members(null, id, members()));
        }
    }

    /**
     * Sends one message push to a member. A failure of the transport for this member fails this
     * member only: it is logged with the room and seq and the member is let go (its connection is
     * closed with 1011 and it resumes with {@code since}); the room and its other members go on.
     */
    private boolean trySend(Cursor cursor, OutboundFrame frame, long seq) {
        try {
            boolean sent = cursor.session.trySendPush(frame);
            if (sent) {
                engine.metrics.onMessageDelivered();
            }
            return sent;
        } catch (RuntimeException e) {
            log.error("room {}: sending seq {} to connection {} failed; closing it with 1011", id, seq, cursor.session, e);
            cursors.remove(cursor.session);
            cursor.session.close(1011, "server failure on this connection");
            return false;
        }
    }

    private void await(Cursor cursor) {
        cursor.waiting = true;
        cursor.session.awaitDrain(id);
    }

    /** Sends a small push (presence, typing, receipt) to every member but the subject's connections. */
    private void broadcastSmall(OutboundFrame frame, @Nullable String aboutUser, @Nullable Session except, boolean presence) {
        for (Cursor cursor : cursors.values()) {
            if (cursor.session == except || (aboutUser != null && aboutUser.equals(cursor.session.user()))) {
                continue;
            }
            sendSmall(cursor, frame, presence);
        }
    }

    /** Small pushes to a connection over its budget are dropped; a dropped presence change is made good with a members frame. */
    private void sendSmall(Cursor cursor, OutboundFrame frame, boolean presence) {
        if (!cursor.waiting && cursor.session.trySendPush(frame)) {
            return;
        }
        if (presence) {
            cursor.membersStale = true;
            if (!cursor.waiting) {
                await(cursor);
            }
        }
    }

    // ---- room state ------------------------------------------------------------------------

    private void load() {
        if (loaded) {
            return;
        }
        Optional<RoomInfo> info = config.store().room(id);
        if (info.isPresent()) {
            adopt(info.get());
        }
        loaded = true;
    }

    private void adopt(RoomInfo info) {
        exists = true;
        epoch = info.epoch();
        if (info.lastSeq() > head) {
            head = info.lastSeq();
        }
    }

    /** Creates the room in the store; false if it already existed there. */
    private boolean createInStore(String topic) {
        Optional<RoomInfo> created = config.store().create(id, topic, engine.now());
        if (created.isPresent()) {
            adopt(created.get());
            return true;
        }
        config.store().room(id).ifPresent(this::adopt);
        return false;
    }

    private long storeFirst() {
        return config.store().room(id).map(RoomInfo::firstSeq).orElse(0L);
    }

    private List<Member> members() {
        List<Member> out = new ArrayList<>();
        for (Member m : config.presence().members(id)) {
            out.add(engine.liveMember(m));
        }
        return out;
    }

    private Member memberOf(String user) {
        UserState state = engine.userState(user);
        return state == null
                ? new Member(user, PresenceStatus.ONLINE, engine.now())
                : new Member(user, state.status, state.lastSeen);
    }

    private PresenceStatus statusOf(String user) {
        UserState state = engine.userState(user);
        return state == null ? PresenceStatus.ONLINE : state.status;
    }

    private static boolean isUnicode(String text) {
        return !UnicodeText.hasUnpairedSurrogate(text);
    }

    private void answer(Session session, @Nullable Ref ref, ChatException e) {
        if (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INTERNAL) {
            log.warn("room {}: {}", id, e.toString());
        }
        session.error(ref, e.code(), e.getMessage(), 0);
    }

    private void notifyListeners(Consumer<ChatListener> call) {
        for (ChatListener listener : config.listeners()) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.error("room {}: listener {} failed", id, listener, e);
            }
        }
    }

    /** A joined connection and the last seq it was sent. */
    private static final class Cursor {
        final Session session;
        long sent;
        /** Stopped at the budget; fed again when the connection drains. */
        boolean waiting;
        /** A presence change was dropped while over budget; send members when caught up. */
        boolean membersStale;

        Cursor(Session session) {
            this.session = session;
        }
    }
}
