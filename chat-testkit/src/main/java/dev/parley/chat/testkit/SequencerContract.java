package dev.parley.chat.testkit;

import static dev.parley.chat.testkit.ContractAssertions.assertSameList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequenced;
import dev.parley.chat.spi.Sequencer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link Sequencer} owes the engine, for two sequencers on one shared log (two
 * nodes of a cluster): gapless seqs under concurrent appends from both, a cid deduplicated across
 * them, and futures of one room completing in seq order. A sequencer's test extends this class and
 * supplies {@link #openSharedLog()}; a single-node sequencer, which cannot share its log, returns
 * the same sequencer as both (then the tests still check it under concurrent callers).
 *
 * <pre>{@code
 * class MySequencerContractTest extends SequencerContract {
 *     protected SharedLog openSharedLog() {
 *         MessageStore store = MessageStore.inMemory();
 *         Sequencer one = Sequencer.local(store, 10_000);
 *         return new SharedLog(store, one, one, store::close);
 *     }
 * }
 * }</pre>
 *
 * <p>The dedupe window must be at least 10 000 messages. Every test has a deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class SequencerContract {
    private static final long FUTURE_TIMEOUT_SECONDS = 30;

    /**
     * A log shared by two sequencers: the store they both append to (read by the tests), the two
     * sequencers, and what closes them all.
     *
     * @param store the store both sequencers append to
     * @param first one sequencer (node A)
     * @param second the other (node B); the same object for a single-node sequencer
     * @param closer closes sequencers and store after the test
     */
    public record SharedLog(MessageStore store, Sequencer first, Sequencer second, AutoCloseable closer) {}

    /** The log under test, opened before each test. */
    protected SharedLog log;

    /** Opens an empty shared log with two sequencers (or one, twice) and a dedupe window of at least 10 000. */
    protected abstract SharedLog openSharedLog();

    @BeforeEach
    void open() {
        log = openSharedLog();
    }

    @AfterEach
    void close() throws Exception {
        if (log != null) {
            log.closer().close();
        }
    }

    /** A draft of {@code room} by {@code user} with the given cid (or none). */
    protected static Message draft(String room, String user, String id, String cid) {
        return new Message(room, 0, id, user, "body of " + id, 1_700_000_000_000L, MessageKind.TEXT, cid, 0, 0, null);
    }

    private static <T> T await(CompletableFuture<T> f) {
        return f.orTimeout(FUTURE_TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
    }

    private void createRoom(String room) {
        assertThat(log.store().create(room, "", 1L)).as("creating room " + room).isPresent();
    }

    @Test
    void append_concurrentlyThroughBoth_givesGaplessSeqsEachStoredOnce() throws Exception {
        createRoom("r");
        int perSide = 400;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<Long>>> sides = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Sequencer s = k == 0 ? log.first() : log.second();
                String side = k == 0 ? "a" : "b";
                sides.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Sequenced>> fs = new ArrayList<>();
                    for (int i = 0; i < perSide; i++) {
                        fs.add(s.append(draft("r", "user-" + side, side + i, side + "-cid-" + i)));
                    }
                    List<Long> seqs = new ArrayList<>();
                    for (CompletableFuture<Sequenced> f : fs) {
                        Sequenced done = await(f);
                        assertThat(done.duplicate()).as("a new cid is no duplicate").isFalse();
                        seqs.add(done.message().seq());
                    }
                    return seqs;
                }));
            }
            start.countDown();
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> side : sides) {
                List<Long> seqs = side.get(FUTURE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertThat(seqs).as("one caller's appends get increasing seqs").isSorted();
                all.addAll(seqs);
            }
            all.sort(null);
            assertSameList("the two sequencers together must hand out every seq once, without gaps", all,
                    LongStream.rangeClosed(1, 2L * perSide).boxed().collect(Collectors.toList()));
        } finally {
            pool.shutdownNow();
        }
        List<Message> stored = log.store().readAfter("r", 0, Integer.MAX_VALUE);
        assertSameList("the shared log must hold every appended message once, in seq order",
                stored.stream().map(Message::seq).collect(Collectors.toList()),
                LongStream.rangeClosed(1, 2L * perSide).boxed().collect(Collectors.toList()));
        Set<String> ids = new HashSet<>();
        for (Message m : stored) {
            assertThat(ids.add(m.id())).as("message " + m.id() + " stored once").isTrue();
        }
    }

    @Test
    void append_sameCidThroughTheOther_isADuplicateOfTheOriginal() {
        createRoom("r");
        Sequenced original = await(log.first().append(draft("r", "alice", "m-1", "c1")));
        await(log.first().append(draft("r", "bob", "m-2", null)));

        Sequenced again = await(log.second().append(draft("r", "alice", "m-retry", "c1")));

        assertThat(again.duplicate()).as("the same user's cid through the other sequencer is a duplicate").isTrue();
        assertThat(again.message().seq()).isEqualTo(original.message().seq());
        assertThat(again.message().id()).isEqualTo("m-1");
        assertThat(again.message().ts()).isEqualTo(original.message().ts());
        assertThat(log.store().readAfter("r", 0, 100)).extracting(Message::id).containsExactly("m-1", "m-2");
    }

    @Test
    void append_sameCidOfAnotherUserOrRoom_isNew() {
        createRoom("r");
        createRoom("s");
        await(log.first().append(draft("r", "alice", "m-1", "c1")));

        Sequenced otherUser = await(log.second().append(draft("r", "bob", "m-2", "c1")));
        Sequenced otherRoom = await(log.second().append(draft("s", "alice", "m-3", "c1")));

        assertThat(otherUser.duplicate()).isFalse();
        assertThat(otherUser.message().seq()).isEqualTo(2);
        assertThat(otherRoom.duplicate()).isFalse();
        assertThat(otherRoom.message().seq()).isEqualTo(1);
    }

    @Test
    void append_sameCidRacingThroughBoth_isStoredOnce() throws Exception {
        createRoom("r");
        for (int round = 0; round < 50; round++) {
            String cid = "race-" + round;
            CompletableFuture<Sequenced> a = log.first().append(draft("r", "alice", "a" + round, cid));
            CompletableFuture<Sequenced> b = log.second().append(draft("r", "alice", "b" + round, cid));
            Sequenced ra = await(a);
            Sequenced rb = await(b);
            assertThat(ra.duplicate() ^ rb.duplicate()).as("exactly one of two racing appends of " + cid + " is new")
                    .isTrue();
            assertThat(ra.message().seq()).isEqualTo(rb.message().seq());
        }
        assertThat(log.store().room("r").orElseThrow().lastSeq()).isEqualTo(50);
    }

    @Test
    void append_ofOneRoom_completesInSeqOrder() {
        createRoom("r");
        List<Long> completed = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Sequenced>> all = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            all.add(log.first().append(draft("r", "alice", "m" + i, i % 2 == 0 ? "c" + i : null))
                    .whenComplete((s, e) -> {
                        if (s != null) {
                            completed.add(s.message().seq());
                        }
                    }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).orTimeout(30, TimeUnit.SECONDS).join();

        assertSameList("appends of one room must complete in seq order (the seqs in the order their futures completed)",
                completed, LongStream.rangeClosed(1, 2_000).boxed().collect(Collectors.toList()));
    }

    @Test
    void append_toUnknownRoom_failsAndCreatesNothing() {
        Throwable t = catchThrowable(() -> await(log.first().append(draft("ghost", "alice", "m", "c"))));
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;

        assertThat(cause).isInstanceOf(IllegalArgumentException.class);
        assertThat(log.store().room("ghost")).isEmpty();
    }
}
