package dev.parley.chat.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.Scheduler;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Presence;
import dev.parley.chat.spi.RoomInfo;
import dev.parley.chat.testkit.DeterministicScheduler;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * One seeded world: the real server (engine, codec, sequencer) on the {@link
 * DeterministicScheduler}, the in-memory store behind a {@link FaultyStore}, and client slots that
 * speak raw JSON frames over the {@link InMemoryTransport}. {@link #apply} runs one step; after it,
 * every frame that arrived is checked, and so is the store: any broken promise of PROTOCOL §5
 * throws {@link InvariantViolation}.
 *
 * <p>Everything runs on the calling thread. The server's random ids (sessions, epochs, message
 * ids) never reach the trace: epochs are named {@code E1, E2, …} in order of first sight.
 */
final class World {
    static final String[] STATUSES = {"online", "away", "dnd"};
    private static final long GRACE_MS = 5_000;
    private static final long TYPING_MS = 6_000;
    /** Longer than a room's idle time (60 s) plus the sweep interval (10 s) of the engine. */
    private static final long IDLE_AND_SWEEP_MS = 75_000;

    final long seed;
    private final SimulationOptions options;
    private final @Nullable StringBuilder trace;
    private final DeterministicScheduler scheduler;
    private final MessageStore raw;
    private final FaultyStore faulty;
    private final MessageStore engineStore;
    final Config config;
    private final Slot[] slots;
    private final String[] rooms;
    private final Map<String, RoomTruth> truth = new TreeMap<>();
    private final Map<String, String> epochNames = new HashMap<>();
    /**
     * Room, then user: until when (virtual clock) a user whose connection the world dropped or closed
     * must still be present, the grace period not having run out. Only users certainly joined and
     * with no leave under way are held; a restart forgets all (a new server, a new presence).
     */
    private final Map<String, Map<String, Long>> graceHolds = new TreeMap<>();
    private Server server;
    private int generation;
    private int stepNo;

    /** The server options a seed picks: small budgets and windows so that their edges are reached. */
    record Config(long maxOutboundBytes, int retain, int recoverLimit, int dedupeWindow, int recent) {
        static Config pick(Random random) {
            long[] budgets = {1024, 2048, 8192, 1 << 20};
            int retain = random.nextInt(3) == 0 ? 30 + random.nextInt(40) : 10_000;
            int recover = random.nextInt(3) == 0 ? 5 + random.nextInt(20) : 1000;
            return new Config(budgets[random.nextInt(budgets.length)], retain, recover,
                    Math.min(retain, 10_000), 1 + random.nextInt(50));
        }

        @Override
        public String toString() {
            return "maxOutboundBytes=" + maxOutboundBytes + " retain=" + retain + " recoverLimit=" + recoverLimit
                    + " dedupeWindow=" + dedupeWindow + " recent=" + recent;
        }
    }

    World(long seed, SimulationOptions options, boolean tracing) {
        this.seed = seed;
        this.options = options;
        this.trace = tracing ? new StringBuilder() : null;
        Random random = new Random(seed ^ 0x5DEECE66DL);
        this.config = Config.pick(random);
        this.scheduler = new DeterministicScheduler(seed);
        this.raw = MessageStore.inMemory(config.retain());
        this.faulty = new FaultyStore(raw);
        this.engineStore = options.storeWrapper().apply(faulty);
        this.slots = new Slot[options.clients()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, "u" + (i / 2));
        }
        this.rooms = new String[options.rooms()];
        for (int i = 0; i < rooms.length; i++) {
            rooms[i] = "r" + i;
            truth.put(rooms[i], new RoomTruth());
        }
        line("world seed=" + seed + " clients=" + slots.length + " rooms=" + rooms.length + " " + config);
        this.server = startServer();
    }

    String trace() {
        return trace == null ? "" : trace.toString();
    }

    // ---- the server and its generations -------------------------------------------------------

    /** The tasks of one server: once it is gone (crash or close), what it left queued does not run. */
    private final class Gate implements Executor, Scheduler {
        boolean alive = true;
        int liveTimers;

        @Override
        public void execute(Runnable task) {
            scheduler.execute(() -> {
                if (alive) {
                    task.run();
                }
            });
        }

        @Override
        public Timer schedule(Runnable task, long delayMillis) {
            liveTimers++;
            boolean[] done = new boolean[1];
            Timer timer = scheduler.schedule(() -> {
                if (!done[0]) {
                    done[0] = true;
                    liveTimers--;
                }
                if (alive) {
                    task.run();
                }
            }, delayMillis);
            return () -> {
                if (!done[0]) {
                    done[0] = true;
                    liveTimers--;
                }
                timer.cancel();
            };
        }
    }

    /** Counts what the engine reports opening and closing: the one view of its memory it offers. */
    private static final class Counts implements ChatMetrics {
        int connections;
        int rooms;

        @Override
        public void onConnectionOpened() {
            connections++;
        }

        @Override
        public void onConnectionClosed() {
            connections--;
        }

        @Override
        public void onRoomOpened() {
            rooms++;
        }

        @Override
        public void onRoomClosed() {
            rooms--;
        }
    }

    private record Server(ChatServer chat, InMemoryTransport transport, Gate gate, Counts counts, Presence presence) {}

    private Server startServer() {
        generation++;
        Gate gate = new Gate();
        Counts counts = new Counts();
        Presence presence = Presence.inMemory();
        ChatServer.Builder builder = ChatServer.builder()
                .store(engineStore)
                .clock(scheduler.clock())
                .executor(gate)
                .scheduler(gate)
                .presence(presence)
                .metrics(counts)
                .presenceGrace(Duration.ofMillis(GRACE_MS))
                .typingTimeout(Duration.ofMillis(TYPING_MS))
                .maxOutboundBytes(config.maxOutboundBytes())
                .recoverLimit(config.recoverLimit())
                .dedupeWindow(config.dedupeWindow())
                .recentDefault(config.recent());
        ChatServer chat = options.serverCustomizer().apply(builder).build();
        InMemoryTransport transport = new InMemoryTransport();
        chat.start(transport);
        return new Server(chat, transport, gate, counts, presence);
    }

    // ---- the model ------------------------------------------------------------------------------

    /** What the world knows of a room's log: every message it ever saw, by seq, for ever. */
    private static final class RoomTruth {
        @Nullable String epoch;
        long first;
        long last;
        long verified;
        final Map<Long, Message> seen = new HashMap<>();
        final Map<Long, String> acked = new TreeMap<>();
        final Map<String, Long> ackedCids = new HashMap<>();
        final Map<String, Long> storedCids = new HashMap<>();
        final List<Long> texts = new ArrayList<>();
        long maxAcked;
    }

    private record Request(String type, @Nullable String room, @Nullable String cid, @Nullable Long since,
            @Nullable String epoch, long ackedAtSend, @Nullable String body, long before, long after, int limit) {}

    /** A room as one connection sees it. */
    private static final class Joined {
        long next;
        final TreeSet<String> view = new TreeSet<>();
    }

    /** What a device remembers of a room across connections: where to resume. */
    private record Cache(String epoch, long last) {}

    private final class Slot {
        final int index;
        final String user;
        @Nullable RecordingClient client;
        boolean open;
        int seen;
        boolean paused;
        int pausedAt;
        long refs;
        int cids;
        final Map<Long, Request> pending = new HashMap<>();
        final Map<String, Joined> joined = new TreeMap<>();
        final Map<String, Cache> cache = new TreeMap<>();
        final Map<String, List<String>> unacked = new TreeMap<>();
        final Map<String, List<String>> ackedCids = new TreeMap<>();

        Slot(int index, String user) {
            this.index = index;
            this.user = user;
        }

        String name() {
            return "c" + index;
        }

        long send(String frameWithoutRef, Request request) {
            long ref = ++refs;
            pending.put(ref, request);
            client.send(frameWithoutRef.substring(0, frameWithoutRef.length() - 1) + ",\"ref\":" + ref + "}");
            return ref;
        }
    }

    // ---- steps ----------------------------------------------------------------------------------

    /** Runs one step, then checks every frame that arrived and the store. */
    void apply(Step step) {
        stepNo++;
        line("#" + stepNo + " " + step.describe());
        run(step);
        afterStep();
    }

    private void afterStep() {
        checkStore();
        for (Slot slot : slots) {
            drainFrames(slot);
        }
        checkGrace();
    }

    /** The world is about to drop or close this connection: its user stays in its rooms through the grace. */
    private void holdThroughGrace(Slot slot) {
        long until = scheduler.clock().millis() + GRACE_MS;
        for (String room : slot.joined.keySet()) {
            // A leave not yet answered (on any device of the user) may end the membership at once.
            boolean leaving = false;
            for (Slot other : slots) {
                for (Request r : other.pending.values()) {
                    leaving |= other.user.equals(slot.user) && r.type().equals("leave") && room.equals(r.room());
                }
            }
            if (!leaving) {
                graceHolds.computeIfAbsent(room, r -> new TreeMap<>()).merge(slot.user, until, Math::max);
            }
        }
    }

    /** PROTOCOL §5: a lost connection is no leave until the grace period has passed. */
    private void checkGrace() {
        long now = scheduler.clock().millis();
        for (Map.Entry<String, Map<String, Long>> byRoom : graceHolds.entrySet()) {
            String room = byRoom.getKey();
            byRoom.getValue().values().removeIf(until -> now >= until);
            if (byRoom.getValue().isEmpty()) {
                continue;
            }
            TreeSet<String> served = new TreeSet<>();
            for (Member m : server.presence().members(room)) {
                served.add(m.user());
            }
            for (String user : byRoom.getValue().keySet()) {
                if (!served.contains(user)) {
                    violation("room " + room + " let " + user + " go within the grace period of its lost connection");
                }
            }
        }
    }

    private void run(Step step) {
        if (step instanceof Step.Connect s) {
            Slot slot = slots[s.client()];
            if (slot.open) {
                skip();
                return;
            }
            connect(slot);
        } else if (step instanceof Step.Join s) {
            Slot slot = openSlot(s.client());
            if (slot == null) {
                return;
            }
            join(slot, rooms[s.room()], s);
        } else if (step instanceof Step.Leave s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                String room = rooms[s.room()];
                graceHolds.getOrDefault(room, new TreeMap<>()).remove(slot.user); // a leave on purpose ends at once
                slot.send("{\"type\":\"leave\",\"room\":\"" + room + "\"}", request("leave", room));
            }
        } else if (step instanceof Step.Send s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                publish(slot, rooms[s.room()], s);
            }
        } else if (step instanceof Step.Typing s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                slot.client.send("{\"type\":\"typing\",\"room\":\"" + rooms[s.room()] + "\",\"typing\":" + s.typing() + "}");
            }
        } else if (step instanceof Step.Status s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                slot.send("{\"type\":\"status\",\"status\":\"" + s.status() + "\"}", request("status", null));
            }
        } else if (step instanceof Step.Read s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                String room = rooms[s.room()];
                long seq = Math.max(0, truth.get(room).last - s.back());
                slot.send("{\"type\":\"read\",\"room\":\"" + room + "\",\"seq\":" + seq + "}", request("read", room));
            }
        } else if (step instanceof Step.HistoryOf s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                history(slot, rooms[s.room()], s);
            }
        } else if (step instanceof Step.Rooms s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                slot.send("{\"type\":\"rooms\"}", request("rooms", null));
            }
        } else if (step instanceof Step.Members s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                String room = rooms[s.room()];
                slot.send("{\"type\":\"members\",\"room\":\"" + room + "\"}", request("members", room));
            }
        } else if (step instanceof Step.Drop s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                holdThroughGrace(slot);
                slot.client.drop();
            }
        } else if (step instanceof Step.Close s) {
            Slot slot = openSlot(s.client());
            if (slot != null) {
                holdThroughGrace(slot);
                slot.client.close();
            }
        } else if (step instanceof Step.Pause s) {
            Slot slot = openSlot(s.client());
            if (slot != null && !slot.paused) {
                drainFrames(slot);
                slot.client.pause();
                slot.paused = true;
                slot.pausedAt = slot.seen;
            } else if (slot != null) {
                skip();
            }
        } else if (step instanceof Step.Resume s) {
            Slot slot = openSlot(s.client());
            if (slot != null && slot.paused) {
                resume(slot);
            } else if (slot != null) {
                skip();
            }
        } else if (step instanceof Step.Run) {
            scheduler.runUntilIdle();
        } else if (step instanceof Step.Tick s) {
            scheduler.advance(Duration.ofMillis(s.millis()));
        } else if (step instanceof Step.Jump s) {
            // The clock leaps: every timer due on the way is overdue at once, in the seed's order.
            scheduler.clock().advance(Duration.ofMillis(s.millis()));
            scheduler.runUntilIdle();
        } else if (step instanceof Step.FailAppend) {
            faulty.failNextAppend();
        } else if (step instanceof Step.HoldAppend) {
            faulty.holdNextAppend();
        } else if (step instanceof Step.ReleaseAppend s) {
            List<String> held = faulty.roomsHeld();
            if (held.isEmpty()) {
                skip();
            } else {
                faulty.releaseOne(held.get(s.pick() % held.size()));
            }
        } else if (step instanceof Step.FailReads s) {
            faulty.failReads(s.count());
        } else if (step instanceof Step.RestartServer s) {
            restart(s.how());
        } else if (step instanceof Step.Settle) {
            settle();
        } else {
            throw new IllegalArgumentException("unknown step " + step);
        }
    }

    private void skip() {
        line("  (does not apply)");
    }

    private @Nullable Slot openSlot(int index) {
        Slot slot = slots[index];
        if (!slot.open) {
            skip();
            return null;
        }
        return slot;
    }

    private Request request(String type, @Nullable String room) {
        return new Request(type, room, null, null, null, room == null ? 0 : truth.get(room).maxAcked, null, 0, 0, 0);
    }

    private void connect(Slot slot) {
        slot.client = server.transport().connect();
        slot.open = true;
        slot.seen = 0;
        slot.paused = false;
        slot.refs = 0;
        slot.pending.clear();
        slot.joined.clear();
        slot.send("{\"type\":\"hello\",\"v\":1,\"user\":\"" + slot.user + "\"}", request("hello", null));
    }

    private void join(Slot slot, String room, Step.Join s) {
        RoomTruth t = truth.get(room);
        Cache cache = slot.cache.get(room);
        Long since = null;
        String epoch = null;
        switch (s.since()) {
            case NONE -> { }
            case RESUME -> {
                if (cache != null) {
                    since = cache.last();
                    epoch = cache.epoch();
                }
            }
            case ZERO -> since = 0L;
            case NUMBER -> {
                since = s.number() % (t.last + 2);
                epoch = t.epoch;
            }
            case ABOVE_HEAD -> {
                since = t.last + 1 + s.number() % 5;
                epoch = t.epoch;
            }
            case WRONG_EPOCH -> {
                since = cache != null ? cache.last() : 0L;
                epoch = "e-wrong";
            }
        }
        StringBuilder frame = new StringBuilder("{\"type\":\"join\",\"room\":\"").append(room).append('"');
        if (since != null) {
            frame.append(",\"since\":").append(since);
        }
        if (epoch != null) {
            frame.append(",\"epoch\":\"").append(epoch).append('"');
        }
        if (s.recent() > 0) {
            frame.append(",\"recent\":").append(s.recent());
        }
        frame.append('}');
        slot.send(frame.toString(), new Request("join", room, null, since, epoch, t.maxAcked, null, 0, 0, 0));
    }

    private void publish(Slot slot, String room, Step.Send s) {
        RoomTruth t = truth.get(room);
        String body = "b" + stepNo + "-" + "x".repeat(Math.max(0, s.bodyBytes() - 8));
        boolean fresh = s.kind() != Step.Publish.RETRY && s.kind() != Step.Publish.TEXT_NO_CID;
        String cid = null;
        if (fresh) {
            slot.cids++;
            cid = "c" + slot.index + "-" + slot.cids;
        }
        String kind = "text";
        long target = 0;
        long replyTo = 0;
        switch (s.kind()) {
            case TEXT -> { }
            case TEXT_NO_CID -> { }
            case RETRY -> {
                List<String> unacked = slot.unacked.getOrDefault(room, List.of());
                List<String> acked = slot.ackedCids.getOrDefault(room, List.of());
                if (!unacked.isEmpty()) {
                    cid = unacked.get(s.pick() % unacked.size());
                } else if (!acked.isEmpty()) {
                    cid = acked.get(s.pick() % acked.size());
                } else {
                    skip();
                    return;
                }
            }
            case REPLY -> replyTo = t.last == 0 ? 1 : 1 + s.pick() % t.last;
            case EDIT, DELETE -> {
                kind = s.kind() == Step.Publish.EDIT ? "edit" : "delete";
                List<Long> own = new ArrayList<>();
                for (long seq : t.texts) {
                    if (t.seen.get(seq).user().equals(slot.user)) {
                        own.add(seq);
                    }
                }
                target = !own.isEmpty() ? own.get(s.pick() % own.size()) : t.last == 0 ? 1 : 1 + s.pick() % t.last;
            }
            case REACT, UNREACT -> {
                kind = s.kind() == Step.Publish.REACT ? "react" : "unreact";
                body = ":+1:";
                target = !t.texts.isEmpty() ? t.texts.get(s.pick() % t.texts.size()) : 1;
            }
        }
        if (fresh) {
            slot.unacked.computeIfAbsent(room, r -> new ArrayList<>()).add(cid);
        }
        StringBuilder frame = new StringBuilder("{\"type\":\"publish\",\"room\":\"").append(room)
                .append("\",\"body\":\"").append(body).append('"');
        if (!kind.equals("text")) {
            frame.append(",\"kind\":\"").append(kind).append("\",\"target\":").append(target);
        }
        if (replyTo > 0) {
            frame.append(",\"replyTo\":").append(replyTo);
        }
        if (cid != null) {
            frame.append(",\"cid\":\"").append(cid).append('"');
        }
        frame.append('}');
        slot.send(frame.toString(), new Request("publish", room, cid, null, null, t.maxAcked, body, 0, 0, 0));
    }

    private void history(Slot slot, String room, Step.HistoryOf s) {
        long last = truth.get(room).last;
        StringBuilder frame = new StringBuilder("{\"type\":\"history\",\"room\":\"").append(room).append('"');
        long before = 0;
        long after = 0;
        switch (s.direction()) {
            case LATEST -> { }
            case BEFORE -> {
                before = Math.max(1, last + 1 - s.offset());
                frame.append(",\"before\":").append(before);
            }
            case AFTER -> {
                after = Math.max(0, last - s.offset());
                frame.append(",\"after\":").append(after);
            }
        }
        frame.append(",\"limit\":").append(s.limit()).append('}');
        slot.send(frame.toString(), new Request("history", room, null, null, null, 0, null, before, after, s.limit()));
    }

    private void resume(Slot slot) {
        drainFrames(slot);
        slot.client.resume();
        slot.paused = false;
        checkBudget(slot, slot.pausedAt);
    }

    private void restart(Step.Restart how) {
        Server old = server;
        if (how == Step.Restart.GRACEFUL) {
            // Graceful: what is in flight completes, then every client is told bye and closed. (The
            // engine's close waits for unanswered publishes in real time, so none may be held.)
            faulty.disarmHold();
            scheduler.runUntilIdle();
            while (!faulty.roomsHeld().isEmpty()) {
                faulty.releaseAll();
                scheduler.runUntilIdle();
            }
            old.chat().close();
            old.gate().alive = false;
        } else {
            // A crash: the old server's queued tasks never run, its fsyncs in flight are forgotten,
            // and each client sees its connection vanish.
            old.gate().alive = false;
            faulty.crash();
            for (Slot slot : slots) {
                if (slot.open) {
                    drainFrames(slot);
                    slot.client.drop();
                }
            }
        }
        for (Slot slot : slots) {
            drainFrames(slot);
        }
        graceHolds.clear();
        server = startServer();
        line("  server generation " + generation);
    }

    /** Readers resume, the store heals and time passes the grace: presence must have converged. */
    private void settle() {
        for (Slot slot : slots) {
            if (slot.open && slot.paused) {
                resume(slot);
            }
        }
        faulty.disarm();
        scheduler.runUntilIdle();
        while (!faulty.roomsHeld().isEmpty()) {
            faulty.releaseAll();
            scheduler.runUntilIdle();
        }
        afterStepQuietly();
        scheduler.advance(Duration.ofMillis(GRACE_MS + TYPING_MS + 1000));
        afterStepQuietly();
        checkPresence();
        int open = 0;
        for (Slot slot : slots) {
            open += slot.open ? 1 : 0;
        }
        if (server.counts().connections != open) {
            violation("the engine counts " + server.counts().connections + " open connections but " + open + " are open");
        }
        rescanStore();
    }

    private void afterStepQuietly() {
        afterStep();
    }

    /** The end of every run: everyone leaves, the engine must forget them all. */
    void teardown() {
        stepNo++;
        line("#" + stepNo + " teardown (settle, everyone goes, rooms go idle)");
        settle();
        for (Slot slot : slots) {
            if (slot.open) {
                if (slot.index % 2 == 0) {
                    slot.client.close();
                } else {
                    slot.client.drop();
                }
            }
        }
        scheduler.runUntilIdle();
        afterStep();
        scheduler.advance(Duration.ofMillis(IDLE_AND_SWEEP_MS));
        afterStep();
        checkPresence();
        if (server.counts().connections != 0) {
            violation("every connection is gone but the engine counts " + server.counts().connections + " open");
        }
        if (server.counts().rooms != 0) {
            violation("every room is idle past its idle time but the engine keeps " + server.counts().rooms + " in memory");
        }
        for (String room : rooms) {
            if (server.presence().count(room) != 0) {
                violation("room " + room + " has no one left but presence holds " + server.presence().members(room));
            }
        }
        if (server.gate().liveTimers != 1) {
            violation("with no connection and no room the engine keeps " + server.gate().liveTimers
                    + " timers (expected only the idle sweep)");
        }
        line("end " + faulty.counters());
    }

    // ---- frames -----------------------------------------------------------------------------------

    private void drainFrames(Slot slot) {
        RecordingClient client = slot.client;
        if (client == null || !slot.open) {
            return;
        }
        List<JsonNode> all = client.all();
        if (slot.seen < all.size()) {
            checkStore(); // frames may name messages appended within this step
        }
        while (slot.seen < all.size()) {
            JsonNode frame = all.get(slot.seen++);
            onFrame(slot, frame);
        }
        int code = client.closeCode();
        if (code != -1) {
            if (slot.paused) {
                // A close flushes what was queued: that too was queued under the budget.
                checkBudget(slot, slot.pausedAt);
            }
            line("  " + slot.name() + " closed " + code);
            slot.open = false;
            slot.paused = false;
            slot.joined.clear();
            slot.pending.clear();
        }
    }

    private void onFrame(Slot slot, JsonNode frame) {
        String type = frame.path("type").asText();
        line("  " + slot.name() + " <- " + summary(frame));
        Request request = null;
        if (frame.has("ref")) {
            request = slot.pending.remove(frame.get("ref").asLong());
            if (request == null) {
                violation(slot.name() + " got a reply to no command of this connection: " + summary(frame));
            }
        }
        switch (type) {
            case "joined" -> onJoined(slot, frame, request);
            case "left" -> slot.joined.remove(request.room());
            case "message" -> onMessage(slot, frame);
            case "published" -> onPublished(slot, frame, request);
            case "history" -> onHistory(slot, frame, request);
            case "error" -> onError(slot, frame, request);
            case "presence" -> {
                Joined j = slot.joined.get(frame.path("room").asText());
                String user = frame.path("user").asText();
                if (user.equals(slot.user)) {
                    violation(slot.name() + " got a presence push about its own user: " + summary(frame));
                }
                if (j != null) {
                    switch (frame.path("event").asText()) {
                        case "join" -> j.view.add(user);
                        case "leave" -> j.view.remove(user);
                        default -> { }
                    }
                }
            }
            case "members" -> {
                Joined j = slot.joined.get(frame.path("room").asText());
                if (j != null) {
                    j.view.clear();
                    for (JsonNode m : frame.path("members")) {
                        if (!m.path("user").asText().equals(slot.user)) {
                            j.view.add(m.path("user").asText());
                        }
                    }
                }
            }
            case "rooms" -> onRooms(slot, frame);
            case "read" -> {
                if (frame.path("seq").asLong() > truth.get(request.room()).last) {
                    violation(slot.name() + " read marker above the head: " + summary(frame));
                }
            }
            default -> { }
        }
    }

    private void onJoined(Slot slot, JsonNode frame, Request request) {
        String room = request.room();
        RoomTruth t = truth.get(room);
        long head = frame.path("seq").asLong();
        String epoch = frame.path("epoch").asText();
        if (t.epoch != null && !t.epoch.equals(epoch)) {
            violation(slot.name() + " joined " + room + " in epoch " + name(epoch) + " but the log's is " + name(t.epoch));
        }
        if (head > t.last) {
            violation(slot.name() + " joined " + room + " at head " + head + " beyond the log's " + t.last);
        }
        if (head < request.ackedAtSend()) {
            violation(slot.name() + " joined " + room + " at head " + head + " below seq " + request.ackedAtSend()
                    + ", acknowledged before the join was sent");
        }
        List<Long> seqs = new ArrayList<>();
        for (JsonNode m : frame.path("messages")) {
            long seq = m.path("seq").asLong();
            checkAgainstLog(slot, room, m, "joined");
            if (!seqs.isEmpty() && seq != seqs.get(seqs.size() - 1) + 1) {
                violation(slot.name() + " joined " + room + " with messages not gapless: " + seqs + " then " + seq);
            }
            seqs.add(seq);
        }
        if (!seqs.isEmpty() && seqs.get(seqs.size() - 1) != head) {
            violation(slot.name() + " joined " + room + " at head " + head + " but its messages end at " + seqs.get(seqs.size() - 1));
        }
        boolean recovered = frame.path("recovered").asBoolean();
        if (recovered) {
            Long since = request.since();
            if (since == null) {
                violation(slot.name() + " joined " + room + " with recovered:true without since");
            }
            if (request.epoch() != null && !request.epoch().equals(epoch)) {
                violation(slot.name() + " joined " + room + " with recovered:true across epochs");
            }
            if (since > head) {
                violation(slot.name() + " joined " + room + " with recovered:true for since " + since + " above head " + head);
            }
            long expected = head - since;
            if (seqs.size() != expected || (!seqs.isEmpty() && seqs.get(0) != since + 1)) {
                violation(slot.name() + " joined " + room + " with recovered:true since " + since + " at head " + head
                        + " but messages " + range(seqs));
            }
        }
        Joined j = new Joined();
        j.next = head + 1;
        for (JsonNode m : frame.path("members")) {
            if (!m.path("user").asText().equals(slot.user)) {
                j.view.add(m.path("user").asText());
            }
        }
        slot.joined.put(room, j);
        slot.cache.put(room, new Cache(epoch, head));
    }

    private void onMessage(Slot slot, JsonNode frame) {
        String room = frame.path("room").asText();
        long seq = frame.path("seq").asLong();
        Joined j = slot.joined.get(room);
        if (j == null) {
            violation(slot.name() + " got message " + room + "#" + seq + " on a connection not joined to the room");
        }
        if (seq != j.next) {
            violation(slot.name() + " got " + room + "#" + seq + " but its next was " + j.next
                    + (seq > j.next ? " (a gap)" : " (a repeat or reorder)"));
        }
        checkAgainstLog(slot, room, frame, "message push");
        j.next = seq + 1;
        Cache cache = slot.cache.get(room);
        slot.cache.put(room, new Cache(cache.epoch(), seq));
    }

    private void onPublished(Slot slot, JsonNode frame, Request request) {
        String room = request.room();
        RoomTruth t = truth.get(room);
        long seq = frame.path("seq").asLong();
        String id = frame.path("id").asText();
        boolean duplicate = frame.path("duplicate").asBoolean();
        Message stored = t.seen.get(seq);
        if (stored == null || seq > t.last) {
            violation(slot.name() + " was acknowledged " + room + "#" + seq + " that the store does not hold (head " + t.last + ")");
        }
        if (!stored.id().equals(id)) {
            violation(slot.name() + " was acknowledged " + room + "#" + seq + " with another id than the log's");
        }
        if (!stored.user().equals(slot.user)) {
            violation(slot.name() + " was acknowledged " + room + "#" + seq + ", a message of " + stored.user());
        }
        String cid = request.cid();
        if (cid != null) {
            if (!cid.equals(stored.cid())) {
                violation(slot.name() + " was acknowledged " + room + "#" + seq + " for cid " + cid + " but it holds cid " + stored.cid());
            }
            String key = slot.user + "\n" + cid;
            Long first = t.ackedCids.get(key);
            if (first != null && first != seq) {
                violation(slot.name() + " cid " + cid + " acknowledged as " + room + "#" + seq + " after #" + first);
            }
            t.ackedCids.put(key, seq);
            slot.unacked.getOrDefault(room, new ArrayList<>()).remove(cid);
            List<String> acked = slot.ackedCids.computeIfAbsent(room, r -> new ArrayList<>());
            if (!acked.contains(cid)) {
                acked.add(cid);
            }
        } else if (duplicate) {
            violation(slot.name() + " publish without cid answered duplicate:true");
        }
        if (!duplicate && !stored.body().equals(request.body())) {
            violation(slot.name() + " was acknowledged " + room + "#" + seq + " holding another body than it sent");
        }
        t.acked.put(seq, id);
        t.maxAcked = Math.max(t.maxAcked, seq);
    }

    private void onHistory(Slot slot, JsonNode frame, Request request) {
        String room = request.room();
        List<Long> seqs = new ArrayList<>();
        for (JsonNode m : frame.path("messages")) {
            long seq = m.path("seq").asLong();
            checkAgainstLog(slot, room, m, "history");
            if (!seqs.isEmpty() && seq != seqs.get(seqs.size() - 1) + 1) {
                violation(slot.name() + " history of " + room + " not gapless ascending: " + seqs + " then " + seq);
            }
            if (request.before() > 0 && seq >= request.before() || request.after() > 0 && seq <= request.after()) {
                violation(slot.name() + " history of " + room + " returned #" + seq + " outside before/after");
            }
            seqs.add(seq);
        }
        if (seqs.size() > Math.min(request.limit(), 100)) {
            violation(slot.name() + " history of " + room + " returned " + seqs.size() + " messages for limit " + request.limit());
        }
    }

    private void onRooms(Slot slot, JsonNode frame) {
        String previous = null;
        for (JsonNode r : frame.path("rooms")) {
            String room = r.path("room").asText();
            if (previous != null && previous.compareTo(room) >= 0) {
                violation(slot.name() + " rooms not sorted: " + previous + " before " + room);
            }
            previous = room;
            RoomTruth t = truth.get(room);
            if (t != null && r.path("seq").asLong() > t.last) {
                violation(slot.name() + " rooms lists " + room + " at seq " + r.path("seq").asLong() + " beyond the log's " + t.last);
            }
        }
    }

    private void onError(Slot slot, JsonNode frame, @Nullable Request request) {
        if (request == null) {
            return;
        }
        String code = frame.path("code").asText();
        if (request.type().equals("publish") && request.cid() != null
                && !code.equals("UNAVAILABLE") && !code.equals("RATE_LIMITED")) {
            // Refused for good: a retry would be refused again.
            slot.unacked.getOrDefault(request.room(), new ArrayList<>()).remove(request.cid());
        }
    }

    /** A message as a client saw it must be the log's message of that seq, for ever. */
    private void checkAgainstLog(Slot slot, String room, JsonNode m, String where) {
        RoomTruth t = truth.get(room);
        long seq = m.path("seq").asLong();
        Message stored = t.seen.get(seq);
        if (stored == null) {
            violation(slot.name() + " got " + room + "#" + seq + " in " + where + " but the store never held it");
        }
        if (!stored.id().equals(m.path("id").asText()) || !stored.body().equals(m.path("body").asText())
                || !stored.user().equals(m.path("user").asText())) {
            violation(slot.name() + " got " + room + "#" + seq + " in " + where + " unlike the log's message of that seq");
        }
    }

    /**
     * While a reader was paused, every frame for it queued: before the last push was queued the
     * queue must have been within {@code maxOutboundBytes} (the budget plus one frame).
     */
    private void checkBudget(Slot slot, int from) {
        List<JsonNode> now = slot.client.all();
        long before = 0;
        long total = 0;
        for (int i = from; i < now.size(); i++) {
            JsonNode f = now.get(i);
            String type = f.path("type").asText();
            long bytes = f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            boolean push = !f.has("ref") && (type.equals("message") || type.equals("presence")
                    || type.equals("typing") || type.equals("receipt"));
            if (push) {
                before = total;
            }
            total += bytes;
        }
        if (before > config.maxOutboundBytes()) {
            violation(slot.name() + " had " + before + " bytes queued before its last push, over maxOutboundBytes "
                    + config.maxOutboundBytes());
        }
    }

    // ---- the store and presence -------------------------------------------------------------------

    private void checkStore() {
        for (String room : rooms) {
            RoomTruth t = truth.get(room);
            Optional<RoomInfo> found = raw.room(room);
            if (found.isEmpty()) {
                if (t.epoch != null) {
                    violation("room " + room + " vanished from the store");
                }
                continue;
            }
            RoomInfo info = found.get();
            if (t.epoch == null) {
                t.epoch = info.epoch();
                name(t.epoch);
            } else if (!t.epoch.equals(info.epoch())) {
                violation("room " + room + " changed epoch on the same store");
            }
            long first = info.firstSeq();
            long last = info.lastSeq();
            if (last < t.last) {
                violation("room " + room + " head moved back from " + t.last + " to " + last);
            }
            if (first < t.first) {
                violation("room " + room + " first moved back from " + t.first + " to " + first);
            }
            if (last > 0 && first < last - config.retain() + 1) {
                violation("room " + room + " holds from #" + first + " at head " + last + ", more than retain " + config.retain());
            }
            if (last > t.verified) {
                long from = Math.max(t.verified, first - 1);
                List<Message> fresh = raw.readAfter(room, from, (int) (last - from));
                long expected = from + 1;
                for (Message m : fresh) {
                    if (m.seq() != expected) {
                        violation("room " + room + " log not gapless: #" + expected + " expected, #" + m.seq() + " found");
                    }
                    expected++;
                    Message earlier = t.seen.putIfAbsent(m.seq(), m);
                    if (earlier != null && !earlier.id().equals(m.id())) {
                        violation("room " + room + " #" + m.seq() + " renumbered: another message holds it now");
                    }
                    if (m.kind() == MessageKind.TEXT) {
                        t.texts.add(m.seq());
                    }
                    if (m.cid() != null) {
                        String key = m.user() + "\n" + m.cid();
                        Long before = t.storedCids.put(key, m.seq());
                        if (before != null && m.seq() - before < config.dedupeWindow()) {
                            violation("room " + room + " cid " + m.cid() + " of " + m.user() + " appended twice: #"
                                    + before + " and #" + m.seq());
                        }
                    }
                }
                if (expected != last + 1) {
                    violation("room " + room + " log ends at #" + (expected - 1) + " but its head is " + last);
                }
                t.verified = last;
            }
            t.first = first;
            t.last = last;
        }
    }

    /** Every acknowledged message the store still retains is there, unchanged. */
    private void rescanStore() {
        for (String room : rooms) {
            RoomTruth t = truth.get(room);
            if (t.acked.isEmpty()) {
                continue;
            }
            for (Map.Entry<Long, String> e : t.acked.entrySet()) {
                long seq = e.getKey();
                if (seq < t.first) {
                    continue;
                }
                List<Message> read = raw.readAfter(room, seq - 1, 1);
                if (read.isEmpty() || read.get(0).seq() != seq || !read.get(0).id().equals(e.getValue())) {
                    violation("acknowledged " + room + "#" + seq + " is missing or changed in the store");
                }
            }
        }
    }

    private void checkPresence() {
        for (String room : rooms) {
            TreeSet<String> members = new TreeSet<>();
            for (Slot slot : slots) {
                if (slot.open && slot.joined.containsKey(room)) {
                    members.add(slot.user);
                }
            }
            TreeSet<String> served = new TreeSet<>();
            for (Member m : server.presence().members(room)) {
                served.add(m.user());
            }
            if (!served.equals(members)) {
                violation("after the grace period room " + room + " presence holds " + served + " but the members are " + members);
            }
            for (Slot slot : slots) {
                Joined j = slot.open ? slot.joined.get(room) : null;
                if (j == null) {
                    continue;
                }
                TreeSet<String> expected = new TreeSet<>(members);
                expected.remove(slot.user);
                if (!j.view.equals(expected)) {
                    violation("after the grace period " + slot.name() + " sees " + room + " members " + j.view
                            + " but they are " + expected);
                }
            }
        }
    }

    // ---- the generator's view -----------------------------------------------------------------------

    boolean isOpen(int client) {
        return slots[client].open;
    }

    boolean isPaused(int client) {
        return slots[client].paused;
    }

    // ---- trace ----------------------------------------------------------------------------------------

    private void line(String text) {
        if (trace != null) {
            trace.append(text).append('\n');
        }
    }

    private String name(String epoch) {
        return epochNames.computeIfAbsent(epoch, e -> "E" + (epochNames.size() + 1));
    }

    private String summary(JsonNode f) {
        StringBuilder out = new StringBuilder(f.path("type").asText());
        for (String field : List.of("ref", "room", "seq", "first", "read", "user", "event", "status", "typing", "code",
                "recovered", "duplicate", "hasMore", "kind", "cid", "target")) {
            JsonNode v = f.get(field);
            if (v != null && !v.isContainerNode()) {
                out.append(' ').append(field).append('=').append(v.asText());
            }
        }
        if (f.has("epoch")) {
            out.append(" epoch=").append(name(f.get("epoch").asText()));
        }
        JsonNode messages = f.get("messages");
        if (messages != null) {
            List<Long> seqs = new ArrayList<>();
            messages.forEach(m -> seqs.add(m.path("seq").asLong()));
            out.append(" messages=").append(range(seqs));
        }
        JsonNode members = f.get("members");
        if (members != null && members.isArray()) {
            List<String> users = new ArrayList<>();
            members.forEach(m -> users.add(m.path("user").asText() + ":" + m.path("status").asText()));
            out.append(" members=").append(users);
        }
        if (f.has("rooms")) {
            List<String> listed = new ArrayList<>();
            f.get("rooms").forEach(r -> listed.add(r.path("room").asText() + "@" + r.path("seq").asLong()));
            out.append(" rooms=").append(listed);
        }
        return out.toString();
    }

    private static String range(List<Long> seqs) {
        if (seqs.isEmpty()) {
            return "[]";
        }
        return "[" + seqs.get(0) + ".." + seqs.get(seqs.size() - 1) + " (" + seqs.size() + ")]";
    }

    private void violation(String what) {
        throw new InvariantViolation(what);
    }

    /** A broken promise of PROTOCOL.md: the message says which, and where. */
    static final class InvariantViolation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvariantViolation(String message) {
            super(message);
        }
    }
}
