package dev.parley.chat.internal.room;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Scheduler;
import dev.parley.chat.internal.EngineConfig;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.CommandDecoder;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Presence;
import dev.parley.chat.spi.Sequenced;
import dev.parley.chat.spi.Sequencer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A room driven through its seams alone, with neither an engine nor a session: fake member
 * connections, a mailbox that runs inline, a scheduler and a clock the test moves, and a sequencer
 * whose appends complete when the test says so.
 */
@Timeout(10)
class RoomPartsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CommandDecoder DECODER = new CommandDecoder(65_536, 4096);
    private static final long GRACE_MILLIS = 5000;

    private final AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    private final ManualScheduler scheduler = new ManualScheduler();
    private final MessageStore store = MessageStore.inMemory(1000);
    private final HeldSequencer sequencer = new HeldSequencer(Sequencer.local(store, 100));
    private final PublishesInFlight inFlight = new PublishesInFlight();
    private final RoomActor room = new RoomActor(services(), "general", actor -> {});

    @Test
    void publish_isAcknowledgedOnlyAfterItsAppendCompletes_andMembersHaveItFirst() throws Exception {
        FakeMember alice = join("alice", "{\"type\":\"join\",\"room\":\"general\"}");
        FakeMember bob = join("bob", "{\"type\":\"join\",\"room\":\"general\"}");
        sequencer.hold = true;

        room.publish(alice, publish("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"hi\",\"ref\":7}"));

        assertThat(alice.types()).doesNotContain("published", "message");
        assertThat(bob.types()).doesNotContain("message");
        assertThat(inFlight.awaitNone(0, TimeUnit.MILLISECONDS)).isEqualTo(1);

        sequencer.completeAll();

        assertThat(bob.seqsOf("message")).containsExactly(1L);
        List<String> aliceTypes = alice.types();
        assertThat(aliceTypes.indexOf("message")).isLessThan(aliceTypes.indexOf("published"));
        assertThat(inFlight.awaitNone(0, TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void serverPublish_takesTheSamePath_andIsCountedInFlightUntilStored() throws Exception {
        FakeMember bob = join("bob", "{\"type\":\"join\",\"room\":\"general\"}");
        sequencer.hold = true;
        CompletableFuture<Message> outcome = new CompletableFuture<>();

        room.publishFromServer("bot", "hello", "cid-1", outcome);

        assertThat(outcome).isNotDone();
        assertThat(room.idleAndEmpty()).isFalse();
        assertThat(inFlight.awaitNone(0, TimeUnit.MILLISECONDS)).isEqualTo(1);
        sequencer.completeAll();
        assertThat(outcome.get().seq()).isEqualTo(1);
        assertThat(bob.seqsOf("message")).containsExactly(1L);
        assertThat(inFlight.awaitNone(0, TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void slowMember_isFedFromWhereItStopped_whenItDrains() throws Exception {
        FakeMember bob = join("bob", "{\"type\":\"join\",\"room\":\"general\"}");
        bob.pushesAllowed = 2;
        for (int i = 1; i <= 5; i++) {
            serverPublish("m" + i);
        }
        assertThat(bob.seqsOf("message")).containsExactly(1L, 2L);
        assertThat(bob.drainsAwaited).isEqualTo(1);

        bob.pushesAllowed = Integer.MAX_VALUE;
        room.resume(bob);

        assertThat(bob.seqsOf("message")).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void join_withSince_catchesUpFromTheSeqAfterIt() throws Exception {
        for (int i = 1; i <= 3; i++) {
            serverPublish("m" + i);
        }
        String epoch = store.room("general").orElseThrow().epoch();

        FakeMember carol = join("carol",
                "{\"type\":\"join\",\"room\":\"general\",\"since\":1,\"epoch\":\"" + epoch + "\"}");

        JsonNode joined = carol.first("joined");
        assertThat(joined.get("recovered").asBoolean()).isTrue();
        List<Long> seqs = new ArrayList<>();
        joined.get("messages").forEach(m -> seqs.add(m.get("seq").asLong()));
        assertThat(seqs).containsExactly(2L, 3L);
    }

    @Test
    void lostConnection_leavesOnlyAfterTheGracePeriod() throws Exception {
        FakeMember alice = join("alice", "{\"type\":\"join\",\"room\":\"general\"}");
        FakeMember bob = join("bob", "{\"type\":\"join\",\"room\":\"general\"}");

        room.connectionLost(bob, now.get());
        now.addAndGet(GRACE_MILLIS - 1);
        scheduler.runDue(now.get());
        assertThat(alice.presenceEvents()).doesNotContain("bob:leave");

        now.addAndGet(1);
        scheduler.runDue(now.get());
        assertThat(alice.presenceEvents()).contains("bob:leave");
    }

    @Test
    void publish_beforeJoining_isRefusedAndAppendsNothing() throws Exception {
        FakeMember dave = new FakeMember("dave");
        room.publish(dave, publish("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"hi\",\"ref\":1}"));
        assertThat(dave.errors).containsExactly(ErrorCode.NOT_IN_ROOM);
        assertThat(sequencer.appends).isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private FakeMember join(String user, String joinJson) {
        FakeMember member = new FakeMember(user);
        room.join(member, (Command.Join) DECODER.decode(joinJson));
        assertThat(member.types()).contains("joined");
        return member;
    }

    private static Command.Publish publish(String json) {
        return (Command.Publish) DECODER.decode(json);
    }

    private void serverPublish(String body) throws Exception {
        CompletableFuture<Message> outcome = new CompletableFuture<>();
        room.publishFromServer("bot", body, null, outcome);
        outcome.get(5, TimeUnit.SECONDS);
    }

    private RoomServices services() {
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        EngineConfig config = new EngineConfig(store, sequencer, Presence.inMemory(), c -> c.user(),
                Authorizer.directRoomsPrivate(), List.of(), clock, Runnable::run, false, scheduler, false,
                10, 20, 1000, 1000, 1 << 20, 4096, 65_536, 100, 50, 1000,
                6000, GRACE_MILLIS, 10_000, 25_000, 100, 10, 100, true, 1024);
        RoomServices.Users users = new RoomServices.Users() {
            @Override
            public Member live(Member recorded) {
                return recorded;
            }

            @Override
            public Member memberOf(String user, long nowMillis) {
                return new Member(user, PresenceStatus.ONLINE, nowMillis);
            }

            @Override
            public PresenceStatus statusOf(String user) {
                return PresenceStatus.ONLINE;
            }
        };
        return new RoomServices(config, ChatMetrics.NONE, users, inFlight, m -> {});
    }

    /** A member's connection that keeps what it is sent and refuses pushes past a budget the test sets. */
    private static final class FakeMember implements MemberConnection {
        private final String user;
        final List<JsonNode> frames = new ArrayList<>();
        final List<ErrorCode> errors = new ArrayList<>();
        int pushesAllowed = Integer.MAX_VALUE;
        int pushesSent;
        int drainsAwaited;

        FakeMember(String user) {
            this.user = user;
        }

        @Override
        public String user() {
            return user;
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public boolean trySendPush(OutboundFrame frame) {
            if (pushesSent >= pushesAllowed) {
                return false;
            }
            pushesSent++;
            frames.add(parse(frame));
            return true;
        }

        @Override
        public void reply(OutboundFrame frame) {
            frames.add(parse(frame));
        }

        @Override
        public void error(@Nullable Ref ref, ErrorCode code, String message, long retryAfterMs) {
            errors.add(code);
        }

        @Override
        public void awaitDrain(String room) {
            drainsAwaited++;
        }

        @Override
        public void close(int code, String reason) {
            throw new AssertionError("closed with " + code + ": " + reason);
        }

        @Override
        public boolean joinAnswered(String room, boolean member) {
            return true;
        }

        @Override
        public void left(String room) {}

        List<String> types() {
            List<String> out = new ArrayList<>();
            frames.forEach(f -> out.add(f.get("type").asText()));
            return out;
        }

        List<Long> seqsOf(String type) {
            List<Long> out = new ArrayList<>();
            for (JsonNode f : frames) {
                if (f.get("type").asText().equals(type)) {
                    out.add(f.get("message") != null ? f.get("message").get("seq").asLong() : f.get("seq").asLong());
                }
            }
            return out;
        }

        JsonNode first(String type) {
            return frames.stream().filter(f -> f.get("type").asText().equals(type)).findFirst().orElseThrow();
        }

        List<String> presenceEvents() {
            List<String> out = new ArrayList<>();
            for (JsonNode f : frames) {
                if (f.get("type").asText().equals("presence")) {
                    out.add(f.get("user").asText() + ":" + f.get("event").asText());
                }
            }
            return out;
        }

        private static JsonNode parse(OutboundFrame frame) {
            try {
                return JSON.readTree(frame.text());
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + frame.text(), e);
            }
        }
    }

    /** The local sequencer, whose completions the test may hold back and release. */
    private static final class HeldSequencer implements Sequencer {
        private final Sequencer delegate;
        boolean hold;
        int appends;
        private final List<Runnable> held = new ArrayList<>();

        HeldSequencer(Sequencer delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableFuture<Sequenced> append(Message draft) {
            appends++;
            CompletableFuture<Sequenced> inner = delegate.append(draft);
            if (!hold) {
                return inner;
            }
            CompletableFuture<Sequenced> outer = new CompletableFuture<>();
            held.add(() -> inner.whenComplete((r, f) -> {
                if (f != null) {
                    outer.completeExceptionally(f);
                } else {
                    outer.complete(r);
                }
            }));
            return outer;
        }

        void completeAll() {
            List<Runnable> now = List.copyOf(held);
            held.clear();
            now.forEach(Runnable::run);
        }
    }

    /** Timers the test fires by moving the clock. */
    private final class ManualScheduler implements Scheduler {
        private final List<Entry> entries = new ArrayList<>();

        @Override
        public Timer schedule(Runnable task, long delayMillis) {
            Entry entry = new Entry(now.get() + delayMillis, task);
            entries.add(entry);
            return () -> entry.cancelled = true;
        }

        void runDue(long at) {
            for (Entry e : List.copyOf(entries)) {
                if (!e.cancelled && e.dueAt <= at) {
                    entries.remove(e);
                    e.task.run();
                }
            }
        }
    }

    private static final class Entry {
        final long dueAt;
        final Runnable task;
        boolean cancelled;

        Entry(long dueAt, Runnable task) {
            this.dueAt = dueAt;
            this.task = task;
        }
    }
}
