package dev.parley.chat.testkit;

import static dev.parley.chat.testkit.ContractAssertions.assertSameList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link MessageStore} owes the engine. A store's test extends this class and
 * supplies {@link #newStore(Path)}; a store that keeps its data across a close also overrides
 * {@link #persists()} to return true, and the persistence tests then reopen it in the same
 * directory.
 *
 * <pre>{@code
 * class MyStoreContractTest extends MessageStoreContract {
 *     protected MessageStore newStore(Path directory) { return MyStore.open(directory); }
 *     protected boolean persists() { return true; }
 * }
 * }</pre>
 *
 * <p>Every test has a deadline; none depends on timing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class MessageStoreContract {
    private static final long FUTURE_TIMEOUT_SECONDS = 30;
    private static final String READ_AFTER =
            "readAfter(room, after, limit) must return the messages after `after`, ascending, at most `limit`";
    private static final String READ_BEFORE =
            "readBefore(room, before, limit) must return the latest messages below `before`, ascending, at most `limit`";

    /** A fresh directory for each test; {@link #newStore} may use it or ignore it. */
    @TempDir
    protected Path directory;

    /** The store under test, opened before each test and closed after it. */
    protected MessageStore store;

    /**
     * Opens the store under test over {@code directory}: empty on the first call of a test, holding
     * what the previous store of the same test left there on a later call (if it {@link #persists}).
     */
    protected abstract MessageStore newStore(Path directory);

    /** Whether the store keeps its rooms across a close and reopen; false by default. */
    protected boolean persists() {
        return false;
    }

    /**
     * Opens a store like {@link #newStore} that keeps only the latest {@code retainMessages} messages
     * of each room (its retention by count), or returns null (the default) if the store has no
     * such setting; the retention tests are then skipped.
     */
    protected MessageStore newStoreRetaining(Path directory, int retainMessages) {
        return null;
    }

    /** Closes the store and opens a new one over the same directory. */
    protected MessageStore reopen() {
        store.close();
        store = newStore(directory);
        return store;
    }

    @BeforeEach
    void openStore() {
        store = newStore(directory);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A message of {@code room} at {@code seq} whose fields all derive from the seq. */
    protected static Message message(String room, long seq) {
        return new Message(room, seq, "m-" + seq, "user" + (seq % 7), "body " + seq, 1_700_000_000_000L + seq,
                MessageKind.TEXT, null, 0, 0, null);
    }

    /** Appends and waits for the acknowledgement. */
    protected void appendAndWait(Message m) {
        store.append(m).orTimeout(FUTURE_TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
    }

    /** Appends seqs {@code from..to} of {@code room} and waits for all of them. */
    protected void appendRange(String room, long from, long to) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            all.add(store.append(message(room, s)));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0]))
                .orTimeout(FUTURE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .join();
    }

    private RoomInfo createRoom(String room) {
        return store.create(room, "", 1_000L).orElseThrow();
    }

    private static List<Long> seqs(List<Message> messages) {
        return messages.stream().map(Message::seq).collect(Collectors.toList());
    }

    private static List<Long> range(long from, long to) {
        return IntStream.rangeClosed((int) from, (int) to).mapToObj(i -> (long) i).collect(Collectors.toList());
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        Throwable t = catchThrowable(() -> f.orTimeout(FUTURE_TIMEOUT_SECONDS, TimeUnit.SECONDS).join());
        assertThat(t).as("the future must fail").isNotNull();
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    // ------------------------------------------------------------------ create, room, epoch

    @Test
    void create_newRoom_hasNewEpochNoMessagesAndGivenTopic() {
        RoomInfo info = store.create("lobby", "general chat", 1234L).orElseThrow();

        assertThat(info.room()).isEqualTo("lobby");
        assertThat(info.epoch()).isNotBlank();
        assertThat(info.topic()).isEqualTo("general chat");
        assertThat(info.createdAt()).isEqualTo(1234L);
        assertThat(info.firstSeq()).isZero();
        assertThat(info.lastSeq()).isZero();
        assertThat(store.room("lobby")).contains(info);
    }

    @Test
    void create_existingRoom_returnsEmptyAndLeavesRoomAsItWas() {
        RoomInfo first = store.create("lobby", "one", 1L).orElseThrow();
        appendAndWait(message("lobby", 1));

        assertThat(store.create("lobby", "two", 2L)).isEmpty();

        RoomInfo now = store.room("lobby").orElseThrow();
        assertThat(now.epoch()).isEqualTo(first.epoch());
        assertThat(now.topic()).isEqualTo("one");
        assertThat(now.createdAt()).isEqualTo(1L);
        assertThat(now.lastSeq()).isEqualTo(1);
    }

    @Test
    void create_twoRooms_getDifferentEpochs() {
        assertThat(createRoom("a").epoch()).isNotEqualTo(createRoom("b").epoch());
    }

    @Test
    void room_unknown_isEmpty() {
        assertThat(store.room("nowhere")).isEmpty();
    }

    // ------------------------------------------------------------------ append

    @Test
    void append_inOrder_advancesLastAndFirstSeq() {
        createRoom("r");
        appendRange("r", 1, 5);

        RoomInfo info = store.room("r").orElseThrow();
        assertThat(info.firstSeq()).isEqualTo(1);
        assertThat(info.lastSeq()).isEqualTo(5);
    }

    @Test
    void append_withGap_isRefusedAndAppendsNothing() {
        createRoom("r");
        appendRange("r", 1, 3);

        Throwable failure = failureOf(store.append(message("r", 5)));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(3);
        assertSameList("an append with a gap must store nothing", seqs(store.readAfter("r", 0, 100)), range(1, 3));
        appendAndWait(message("r", 4));
        assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(4);
    }

    @Test
    void append_repeatOfLastSeq_isRefusedAndAppendsNothing() {
        createRoom("r");
        appendRange("r", 1, 2);

        Throwable failure = failureOf(store.append(message("r", 2).withSeq(2)));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class);
        assertSameList("an append of a seq already stored must store nothing", seqs(store.readAfter("r", 0, 100)),
                range(1, 2));
        assertThat(store.readAfter("r", 0, 100).get(1)).isEqualTo(message("r", 2));
    }

    @Test
    void append_firstMessageNotSeqOne_isRefused() {
        createRoom("r");

        assertThat(failureOf(store.append(message("r", 2)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(failureOf(store.append(message("r", 0)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.room("r").orElseThrow().lastSeq()).isZero();
    }

    @Test
    void append_toUnknownRoom_isRefused() {
        assertThat(failureOf(store.append(message("ghost", 1)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.room("ghost")).isEmpty();
    }

    @Test
    void append_ofOneRoom_completesInSeqOrder() {
        createRoom("r");
        List<Long> completed = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (long s = 1; s <= 2_000; s++) {
            long seq = s;
            all.add(store.append(message("r", s)).thenRun(() -> completed.add(seq)));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).orTimeout(30, TimeUnit.SECONDS).join();

        assertSameList("appends must complete in seq order per room (the seqs in the order their futures completed)",
                completed, range(1, 2_000));
    }

    @Test
    void append_completed_isVisibleToReads() {
        createRoom("r");
        for (long s = 1; s <= 50; s++) {
            appendAndWait(message("r", s));
            assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(s);
            assertThat(store.readBefore("r", Long.MAX_VALUE, 1)).containsExactly(message("r", s));
        }
    }

    // ------------------------------------------------------------------ reads

    @Test
    void readAfter_returnsAscendingUpToLimit() {
        createRoom("r");
        appendRange("r", 1, 20);

        assertSameList(READ_AFTER,
                seqs(store.readAfter("r", 0, 5)), range(1, 5));
        assertSameList(READ_AFTER,
                seqs(store.readAfter("r", 7, 3)), range(8, 10));
        assertSameList(READ_AFTER,
                seqs(store.readAfter("r", 15, 100)), range(16, 20));
        assertThat(store.readAfter("r", 0, 20)).isEqualTo(
                range(1, 20).stream().map(s -> message("r", s)).collect(Collectors.toList()));
    }

    @Test
    void readAfter_beyondEndsOrWithoutLimit_isEmptyOrClamped() {
        createRoom("r");
        appendRange("r", 1, 10);

        assertThat(store.readAfter("r", 10, 5)).as("readAfter(room, lastSeq, limit) must be empty").isEmpty();
        assertThat(store.readAfter("r", 1_000, 5)).as("readAfter beyond the last seq must be empty").isEmpty();
        assertThat(store.readAfter("r", 0, 0)).as("readAfter with limit 0 must be empty").isEmpty();
        assertSameList("readAfter with a negative `after` must read from the first message",
                seqs(store.readAfter("r", -5, 3)), range(1, 3));
        assertSameList("readAfter with limit Integer.MAX_VALUE must return everything after `after`",
                seqs(store.readAfter("r", 0, Integer.MAX_VALUE)), range(1, 10));
    }

    @Test
    void readAfter_fromTheMiddleWithoutLimit_doesNotOverflow() {
        createRoom("r");
        appendRange("r", 1, 10);

        // after + limit overflows an int (and, near Long.MAX_VALUE, a long): a store must not compute it.
        assertSameList("readAfter(room, 5, Integer.MAX_VALUE) must return every message after 5 (no overflow)",
                seqs(store.readAfter("r", 5, Integer.MAX_VALUE)), range(6, 10));
        assertThat(store.readAfter("r", 10, Integer.MAX_VALUE))
                .as("readAfter(room, lastSeq, Integer.MAX_VALUE) must be empty").isEmpty();
        assertThat(store.readAfter("r", Long.MAX_VALUE - 1, Integer.MAX_VALUE))
                .as("readAfter(room, Long.MAX_VALUE - 1, Integer.MAX_VALUE) must be empty (no overflow)").isEmpty();
    }

    @Test
    void readBefore_returnsLatestBelowAscending() {
        createRoom("r");
        appendRange("r", 1, 20);

        assertSameList(READ_BEFORE,
                seqs(store.readBefore("r", 21, 5)), range(16, 20));
        assertSameList(READ_BEFORE,
                seqs(store.readBefore("r", 11, 3)), range(8, 10));
        assertSameList(READ_BEFORE,
                seqs(store.readBefore("r", 4, 100)), range(1, 3));
        assertSameList(READ_BEFORE,
                seqs(store.readBefore("r", Long.MAX_VALUE, 2)), range(19, 20));
    }

    @Test
    void readBefore_beyondEndsOrWithoutLimit_isEmptyOrClamped() {
        createRoom("r");
        appendRange("r", 1, 10);

        assertThat(store.readBefore("r", 1, 5)).isEmpty();
        assertThat(store.readBefore("r", 0, 5)).isEmpty();
        assertThat(store.readBefore("r", -3, 5)).isEmpty();
        assertThat(store.readBefore("r", 5, 0)).isEmpty();
        assertSameList("readBefore with limit Integer.MAX_VALUE must return everything below `before`",
                seqs(store.readBefore("r", 1_000, Integer.MAX_VALUE)), range(1, 10));
    }

    @Test
    void reads_ofEmptyOrUnknownRoom_areEmpty() {
        createRoom("empty");

        assertThat(store.readAfter("empty", 0, 10)).isEmpty();
        assertThat(store.readBefore("empty", Long.MAX_VALUE, 10)).isEmpty();
        assertThat(store.readAfter("unknown", 0, 10)).isEmpty();
        assertThat(store.readBefore("unknown", Long.MAX_VALUE, 10)).isEmpty();
    }

    @Test
    void readBefore_tenThousandLatest_returnsThemAllInOrder() {
        createRoom("r");
        appendRange("r", 1, 12_000);

        List<Message> window = store.readBefore("r", 12_001, 10_000);

        assertSameList("readBefore(room, MAX, 10000) must return the 10000 latest messages in order",
                seqs(window), range(2_001, 12_000));
        assertThat(window.get(0)).isEqualTo(message("r", 2_001));
    }

    // ------------------------------------------------------------------ fields

    @Test
    void message_allFieldsAndKinds_roundTrip() {
        createRoom("r");
        List<Message> written = new ArrayList<>();
        MessageKind[] kinds = MessageKind.values();
        for (int i = 0; i < kinds.length * 2; i++) {
            boolean withOptionals = i % 2 == 0;
            written.add(new Message("r", i + 1, "id-" + i, "user-" + i, "body-" + i, 1_000L * i + 7, kinds[i % kinds.length],
                    withOptionals ? "cid-" + i : null, kinds[i % kinds.length].needsTarget() ? 1 : 0,
                    withOptionals ? 1 : 0, withOptionals ? "{\"k\":" + i + ",\"s\":\"v\\u00e9\"}" : null));
        }
        for (Message m : written) {
            appendAndWait(m);
        }

        assertThat(store.readAfter("r", 0, 100)).isEqualTo(written);
        assertThat(store.readBefore("r", 100, 100)).isEqualTo(written);
    }

    @Test
    void message_unicodeBodies_roundTrip() {
        createRoom("r");
        List<String> bodies = List.of(
                "emoji 😀👍🏽👨‍👩‍👧", "中文 日本語 한국어", "𝄞 𠜎 surrogate pairs", "é ß ø ñ", "", "\u0000 nul", "a\nb\tc",
                "lone \ud800 surrogate");
        long seq = 0;
        for (String body : bodies) {
            seq++;
            appendAndWait(new Message("r", seq, "id" + seq, "ユーザー", body, seq, MessageKind.TEXT, "c😀" + seq, 0, 0,
                    "{\"emoji\":\"🎉\"}"));
        }

        List<Message> read = store.readAfter("r", 0, 100);
        assertThat(read).extracting(Message::body).containsExactlyElementsOf(bodies);
        assertThat(read).allSatisfy(m -> {
            assertThat(m.user()).isEqualTo("ユーザー");
            assertThat(m.meta()).isEqualTo("{\"emoji\":\"🎉\"}");
        });
    }

    @Test
    void message_largeBody_roundTrips() {
        createRoom("r");
        StringBuilder big = new StringBuilder();
        while (big.length() < 60_000) {
            big.append("0123456789abcdef😀中");
        }
        Message m = new Message("r", 1, "id", "u", big.toString(), 5, MessageKind.TEXT, "cid", 0, 0, "{\"big\":true}");
        appendAndWait(m);
        appendAndWait(message("r", 2));

        assertThat(store.readAfter("r", 0, 10)).containsExactly(m, message("r", 2));
    }

    // ------------------------------------------------------------------ many rooms, concurrency

    @Test
    void manyRooms_keepSeparateLogs() {
        for (int r = 0; r < 50; r++) {
            createRoom("room-" + r);
        }
        for (int r = 0; r < 50; r++) {
            appendRange("room-" + r, 1, r + 1);
        }

        for (int r = 0; r < 50; r++) {
            String room = "room-" + r;
            assertThat(store.room(room).orElseThrow().lastSeq()).isEqualTo(r + 1);
            assertThat(store.readAfter(room, 0, 1000)).allSatisfy(m -> assertThat(m.room()).isEqualTo(room));
            assertSameList("each room must keep its own gapless log",
                seqs(store.readAfter(room, 0, 1000)), range(1, r + 1));
        }
    }

    @Test
    void concurrentAppends_toDifferentRooms_fromManyThreads_areAllStoredGapless() throws Exception {
        int threads = 16;
        int perRoom = 300;
        for (int t = 0; t < threads; t++) {
            createRoom("c" + t);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String room = "c" + t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> acked = Collections.synchronizedList(new ArrayList<>());
                    List<CompletableFuture<Void>> fs = new ArrayList<>();
                    for (long s = 1; s <= perRoom; s++) {
                        long seq = s;
                        fs.add(store.append(message(room, s)).thenRun(() -> acked.add(seq)));
                        if (s % 10 == 0) {
                            fs.get(fs.size() - 1).orTimeout(30, TimeUnit.SECONDS).join();
                        }
                    }
                    CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).orTimeout(30, TimeUnit.SECONDS).join();
                    return acked;
                }));
            }
            start.countDown();
            for (Future<List<Long>> f : results) {
                assertSameList("appends of one room must complete in seq order, whatever other rooms do",
                        f.get(60, TimeUnit.SECONDS), range(1, perRoom));
            }
        } finally {
            pool.shutdownNow();
        }
        for (int t = 0; t < threads; t++) {
            String room = "c" + t;
            assertSameList("concurrent appends to different rooms must all be stored, gapless, per room",
                    store.readAfter(room, 0, 10_000),
                    range(1, perRoom).stream().map(s -> message(room, s)).collect(Collectors.toList()));
        }
    }

    @Test
    void create_concurrentlyForOneRoom_succeedsExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Optional<RoomInfo>>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return store.create("contested", "", 1L);
                }));
            }
            start.countDown();
            int created = 0;
            for (Future<Optional<RoomInfo>> f : results) {
                created += f.get(30, TimeUnit.SECONDS).isPresent() ? 1 : 0;
            }
            assertThat(created).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ read markers

    @Test
    void readMarker_unset_isZero() {
        createRoom("r");
        assertThat(store.readMarker("r", "alice")).isZero();
    }

    @Test
    void moveReadMarker_neverMovesBack() {
        createRoom("r");
        appendRange("r", 1, 10);

        assertThat(store.moveReadMarker("r", "alice", 5)).isEqualTo(5);
        assertThat(store.moveReadMarker("r", "alice", 3)).isEqualTo(5);
        assertThat(store.readMarker("r", "alice")).isEqualTo(5);
        assertThat(store.moveReadMarker("r", "alice", 9)).isEqualTo(9);
        assertThat(store.readMarker("r", "alice")).isEqualTo(9);
    }

    @Test
    void readMarkers_arePerUserAndPerRoom() {
        createRoom("r");
        createRoom("s");

        store.moveReadMarker("r", "alice", 4);
        store.moveReadMarker("r", "bob", 2);
        store.moveReadMarker("s", "alice", 7);

        assertThat(store.readMarker("r", "alice")).isEqualTo(4);
        assertThat(store.readMarker("r", "bob")).isEqualTo(2);
        assertThat(store.readMarker("s", "alice")).isEqualTo(7);
        assertThat(store.readMarker("s", "bob")).isZero();
    }

    // ------------------------------------------------------------------ rooms(), close

    @Test
    void rooms_areSortedById() {
        for (String r : List.of("delta", "alpha", "charlie", "bravo", "Zulu", "a-1", "a")) {
            createRoom(r);
        }

        assertThat(store.rooms()).extracting(RoomInfo::room)
                .containsExactly("Zulu", "a", "a-1", "alpha", "bravo", "charlie", "delta");
    }

    @Test
    void rooms_reportSeqs() {
        createRoom("a");
        createRoom("b");
        appendRange("b", 1, 3);

        List<RoomInfo> rooms = store.rooms();
        assertThat(rooms.get(0).lastSeq()).isZero();
        assertThat(rooms.get(1).firstSeq()).isEqualTo(1);
        assertThat(rooms.get(1).lastSeq()).isEqualTo(3);
    }

    @Test
    void close_isIdempotent() {
        createRoom("r");
        store.close();
        store.close();
    }

    @Test
    void close_thenUse_failsWithStoreException() {
        createRoom("r");
        store.close();

        assertThat(failureOf(store.append(message("r", 1)))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.room("r")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.readAfter("r", 0, 1)).isInstanceOf(StoreException.class);
    }

    @Test
    void close_afterAppends_acknowledgesEveryAppendOrFailsIt() {
        createRoom("r");
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (long s = 1; s <= 500; s++) {
            all.add(store.append(message("r", s)));
        }
        store.close();

        for (CompletableFuture<Void> f : all) {
            assertThat(f).succeedsWithin(java.time.Duration.ofSeconds(30));
        }
    }

    // ------------------------------------------------------------------ persistence

    @Test
    void reopen_keepsRoomsMessagesEpochsAndMarkers() {
        assumeTrue(persists(), "the store does not persist");
        RoomInfo a = store.create("a", "topic a", 11L).orElseThrow();
        RoomInfo b = store.create("b", "", 12L).orElseThrow();
        appendRange("a", 1, 100);
        store.moveReadMarker("a", "alice", 42);

        reopen();

        assertThat(store.room("a")).contains(new RoomInfo("a", a.epoch(), "topic a", 11L, 1, 100));
        assertThat(store.room("b")).contains(b);
        assertSameList("a reopened store must hold every message it acknowledged",
                store.readAfter("a", 0, 1000),
                range(1, 100).stream().map(s -> message("a", s)).collect(Collectors.toList()));
        assertThat(store.readMarker("a", "alice")).isEqualTo(42);
        assertThat(store.create("a", "x", 1L)).isEmpty();
    }

    @Test
    void reopen_thenAppend_continuesTheSequence() {
        assumeTrue(persists(), "the store does not persist");
        createRoom("r");
        appendRange("r", 1, 10);

        reopen();
        assertThat(failureOf(store.append(message("r", 12)))).isInstanceOf(IllegalArgumentException.class);
        appendAndWait(message("r", 11));
        reopen();

        assertSameList("a reopened store must continue the sequence where it stopped",
                seqs(store.readAfter("r", 0, 100)), range(1, 11));
    }

    @Test
    void reopen_manyTimes_keepsEverything() {
        assumeTrue(persists(), "the store does not persist");
        createRoom("r");
        long seq = 0;
        for (int round = 0; round < 5; round++) {
            appendRange("r", seq + 1, seq + 20);
            seq += 20;
            reopen();
        }
        assertSameList("a store reopened many times must keep every message",
                seqs(store.readAfter("r", 0, 1000)), range(1, seq));
    }

    // ------------------------------------------------------------------ retention by count

    /** Closes the store under test and makes one retaining {@code n} messages per room the store under test. */
    private boolean useRetaining(int n) {
        store.close();
        store = newStoreRetaining(directory, n);
        if (store == null) {
            store = newStore(directory);
            return false;
        }
        return true;
    }

    private void assertRetains(String room, long first, long last) {
        RoomInfo info = store.room(room).orElseThrow();
        assertThat(info.firstSeq()).as("first seq").isEqualTo(first);
        assertThat(info.lastSeq()).as("last seq").isEqualTo(last);
        assertThat(seqs(store.readAfter(room, 0, 10))).as("reads from the start").isEqualTo(range(first, first + 9));
        assertThat(seqs(store.readAfter(room, first - 2, 3))).isEqualTo(range(first, first + 2));
        assertThat(seqs(store.readBefore(room, Long.MAX_VALUE, 10_000))).as("everything").isEqualTo(range(first, last));
        assertThat(seqs(store.readBefore(room, first + 1, 10))).isEqualTo(List.of(first));
        assertThat(store.readBefore(room, first, 10)).as("reads before the start").isEmpty();
    }

    @Test
    void retentionByCount_holdsAtOnce_forFirstAndEveryRead() {
        assumeTrue(useRetaining(50), "the store has no retention by count");
        createRoom("r");
        appendRange("r", 1, 300);
        assertRetains("r", 251, 300);

        appendAndWait(message("r", 301));
        assertRetains("r", 252, 301);
    }

    @Test
    void retentionByCount_afterReopen_firstHasNotMovedBack() {
        assumeTrue(persists(), "the store does not persist");
        assumeTrue(useRetaining(50), "the store has no retention by count");
        createRoom("r");
        appendRange("r", 1, 300);
        store.close();
        store = newStoreRetaining(directory, 50);

        assertRetains("r", 251, 300);
        appendAndWait(message("r", 301));
        assertRetains("r", 252, 301);
    }
}
