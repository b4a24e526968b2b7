package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A write or fsync that fails: nothing is acknowledged that is not durable, the room (or, for the
 * shared journal, the store) is unavailable, a reopen recovers. "per-room" runs fsync each room's segment ({@code
 * journal(false)}); "journal" runs go through the shared journal (the default).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileStoreFaultTest {
    @TempDir
    Path dir;

    /** Fails writes or fsyncs of files ending in {@link #suffix} (segments by default) while switched on. */
    static final class FaultyDisk extends Disk {
        volatile boolean failWrites;
        volatile boolean failForces;
        volatile String suffix = ".seg";
        volatile String onlyPathContaining = "";
        final AtomicInteger failedForces = new AtomicInteger();

        private boolean matches(Path path) {
            return path.toString().endsWith(suffix) && path.toString().contains(onlyPathContaining);
        }

        @Override
        void write(FileChannel channel, Path path, ByteBuffer buf, long position) throws IOException {
            if (failWrites && matches(path)) {
                // A partial write first, as a full disk would leave.
                ByteBuffer half = buf.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                super.write(channel, path, half, position);
                throw new IOException("injected write failure");
            }
            super.write(channel, path, buf, position);
        }

        @Override
        void force(FileChannel channel, Path path) throws IOException {
            if (failForces && matches(path)) {
                failedForces.incrementAndGet();
                throw new IOException("injected fsync failure");
            }
            super.force(channel, path);
        }
    }

    /** Whether the append completes normally within the deadline. */
    static boolean succeeds(CompletableFuture<Void> append) {
        try {
            append.get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Message message(String room, long seq) {
        return Message.text(room, "m" + seq, "u", "body " + seq, seq).withSeq(seq);
    }

    private static FileStoreOptions options(String layout) {
        return FileStoreOptions.builder().journal(layout.equals("journal")).build();
    }

    private static Message retry(String room, long seq) {
        return new Message(room, seq, "retried-" + seq, "u", "retried " + seq, seq, dev.parley.chat.MessageKind.TEXT,
                null, 0, 0, null);
    }

    /**
     * Without the journal, in every durability mode: the failed append stays failed, the room refuses
     * appends while its disk fails, and once the disk works a probe reopens the room's files from
     * what is on disk (cut after the last acknowledged seq; the fsync that failed is never retried)
     * and the room takes appends again, with no restart.
     */
    @ParameterizedTest
    @CsvSource({"FSYNC, write", "FSYNC, fsync", "INTERVAL, write", "INTERVAL, fsync", "NONE, write"})
    void segmentFailure_failsTheAppendsInFlight_thenAProbeReopensTheRoom_andItGoesOnWithoutARestart(String mode,
            String what) {
        FaultyDisk disk = new FaultyDisk();
        Durability durability = switch (mode) {
            case "FSYNC" -> Durability.FSYNC;
            case "INTERVAL" -> Durability.interval(Duration.ofMillis(5));
            default -> Durability.NONE;
        };
        FileMessageStore store = FileMessageStore.open(dir,
                FileStoreOptions.builder().journal(false).durability(durability).build(), disk);
        store.create("bad", "", 1L);
        store.create("good", "", 1L);
        disk.onlyPathContaining = RoomDirectories.directoryName("bad");
        for (long s = 1; s <= 5; s++) {
            store.append(message("bad", s)).join();
            store.append(message("good", s)).join();
        }

        if (what.equals("write")) {
            disk.failWrites = true;
        } else {
            disk.failForces = true;
        }
        long acked = 5;
        boolean failed = false;
        // In INTERVAL mode an append completes before its fsync: the fsync of a later interval fails.
        for (long s = 6; s <= 1_000 && !failed; s++) {
            if (succeeds(store.append(message("bad", s)))) {
                acked = s;
            } else {
                failed = true;
            }
        }
        assertThat(failed).as("an append failed").isTrue();
        long ackedBeforeFailure = acked;
        assertThat(store.room("bad").orElseThrow().lastSeq()).isEqualTo(ackedBeforeFailure);
        assertThat(store.readAfter("bad", 0, 10_000)).hasSize((int) ackedBeforeFailure);
        assertThat(store.append(message("bad", ackedBeforeFailure + 1))).as("refused while the disk fails")
                .failsWithin(30, TimeUnit.SECONDS);
        store.append(message("good", 6)).join();

        disk.failWrites = false;
        disk.failForces = false;
        long next = ackedBeforeFailure + 1;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> succeeds(store.append(retry("bad", next))));
        store.append(message("bad", next + 1)).join();
        List<Message> expected = new ArrayList<>();
        for (long s = 1; s <= ackedBeforeFailure; s++) {
            expected.add(message("bad", s));
        }
        expected.add(retry("bad", next));
        expected.add(message("bad", next + 1));
        assertThat(store.readAfter("bad", 0, 10_000)).as("every acknowledged message, no failed one").isEqualTo(expected);
        store.close();

        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertThat(reopened.readAfter("bad", 0, 10_000)).isEqualTo(expected);
            assertThat(reopened.readAfter("good", 0, 100)).hasSize(6);
            reopened.append(message("bad", next + 2)).join();
        }
    }

    /**
     * Through the journal a segment is written after the acknowledgement (the journal already holds the
     * record durably): a failed segment write cannot fail an append that is already acknowledged, so
     * it makes the room unavailable for the appends that follow, keeps the acknowledged records
     * readable (from memory), keeps the journal, and a reopen replays every acknowledged record.
     */
    @Test
    void segmentWriteFailure_behindTheAck_marksTheRoomUnavailable_keepsItsAcknowledgedRecords_andReopenRecovers()
            throws Exception {
        FaultyDisk disk = new FaultyDisk();
        FileMessageStore store = FileMessageStore.open(dir, options("journal"), disk);
        store.create("bad", "", 1L);
        store.create("good", "", 1L);
        disk.onlyPathContaining = RoomDirectories.directoryName("bad");
        for (long s = 1; s <= 5; s++) {
            store.append(message("bad", s)).join();
            store.append(message("good", s)).join();
        }

        // Records 1..5 must be in their segment before the disk starts failing, or their own
        // (asynchronous) segment write would be the one that fails.
        store.awaitSegmentsWritten();
        disk.failWrites = true;
        long acked = 5;
        Throwable failure = null;
        for (long s = 6; s <= 10_000 && failure == null; s++) {
            try {
                store.append(message("bad", s)).get(30, TimeUnit.SECONDS);
                acked = s;
            } catch (ExecutionException e) {
                failure = e.getCause();
            } catch (StoreException e) {
                failure = e;
            }
        }
        assertThat(failure).as("the room became unavailable").isInstanceOf(StoreException.class)
                .hasMessageContaining("segment write");
        assertThat(acked).as("the append whose segment write failed was acknowledged").isGreaterThanOrEqualTo(6);
        assertThat(store.room("bad").orElseThrow().lastSeq()).isEqualTo(acked);
        List<Message> expected = new ArrayList<>();
        for (long s = 1; s <= acked; s++) {
            expected.add(message("bad", s));
        }
        assertThat(store.readAfter("bad", 0, 100_000)).as("acknowledged records stay readable").isEqualTo(expected);

        store.append(message("good", 6)).join();

        // Once the disk works again the room writes its segment again by itself and takes appends.
        disk.failWrites = false;
        long next = acked + 1;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> succeeds(store.append(message("bad", next))));
        expected.add(message("bad", next));
        assertThat(store.readAfter("bad", 0, 100_000)).isEqualTo(expected);
        store.close();
        try (Stream<Path> journal = Files.list(dir.resolve(Journal.DIRECTORY))) {
            assertThat(journal.filter(p -> p.toString().endsWith(Journal.SUFFIX)))
                    .as("the journal is released once the room's segment holds its records").isEmpty();
        }

        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertThat(reopened.room("bad").orElseThrow().lastSeq()).isEqualTo(next);
            assertThat(reopened.readAfter("bad", 0, 100_000)).isEqualTo(expected);
            reopened.append(message("bad", next + 1)).join();
            assertThat(reopened.readAfter("good", 0, 100)).hasSize(6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".seg per-room", ".jnl journal"})
    void unavailableRoom_answersTheSequencersReload_withItsLastAcknowledgedSeq(String fileAndLayout) {
        FaultyDisk disk = new FaultyDisk();
        String[] parts = fileAndLayout.split(" ");
        disk.suffix = parts[0];
        try (FileMessageStore store = FileMessageStore.open(dir, options(parts[1]), disk)) {
            store.create("r", "", 1L);
            store.append(message("r", 1)).join();
            disk.failForces = true;
            assertThat(store.append(message("r", 2))).failsWithin(30, TimeUnit.SECONDS);
            assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(1);
            assertThat(store.readBefore("r", 100, 10)).extracting(Message::seq).containsExactly(1L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"write", "fsync"})
    void journalFailure_failsTheGroup_makesTheWholeStoreUnavailable_andReopenRecovers(String what) {
        FaultyDisk disk = new FaultyDisk();
        disk.suffix = Journal.SUFFIX;
        FileMessageStore store = FileMessageStore.open(dir, FileStoreOptions.defaults(), disk);
        store.create("a", "", 1L);
        store.create("b", "", 1L);
        for (long s = 1; s <= 5; s++) {
            store.append(message("a", s)).join();
            store.append(message("b", s)).join();
        }

        if (what.equals("write")) {
            disk.failWrites = true;
        } else {
            disk.failForces = true;
        }
        assertThat(store.append(message("a", 6))).failsWithin(30, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(StoreException.class);
        // One fsync covers every room, so after it failed no room acknowledges anything until the disk works.
        assertThat(store.append(message("b", 6))).failsWithin(30, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(StoreException.class);
        assertThat(store.room("a").orElseThrow().lastSeq()).isEqualTo(5);
        assertThat(store.readAfter("a", 0, 100)).hasSize(5);
        assertThat(store.readAfter("b", 0, 100)).hasSize(5);
        disk.failWrites = false;
        disk.failForces = false;
        // A probe finds the disk working: appends resume without a restart, and the failed one stays failed.
        Message retried = new Message("a", 6, "retried", "u", "retried", 6, dev.parley.chat.MessageKind.TEXT, null, 0,
                0, null);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> succeeds(store.append(retried)));
        store.append(message("b", 6)).join();
        assertThat(store.readAfter("a", 5, 100)).containsExactly(retried);
        store.close();

        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertThat(reopened.readAfter("a", 5, 100)).as("the failed append was cut, not replayed")
                    .containsExactly(retried);
            reopened.append(message("a", 7)).join();
            reopened.append(message("b", 7)).join();
        }
        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertThat(reopened.readAfter("b", 0, 100)).extracting(Message::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        }
    }

    /**
     * Through the journal, a checkpoint's fsync that fails is never retried (fsyncgate): the room
     * refuses appends, the journal keeps its records, and once the disk works a probe reopens the
     * room's files from the disk and writes the records after its last checkpoint again from the
     * journal's durable copy; the room then goes on, and the journal is released.
     */
    @Test
    void checkpointFsyncFailure_failsTheRoom_keepsTheJournal_thenAProbeReopensTheRoomFromTheJournal()
            throws Exception {
        FaultyDisk disk = new FaultyDisk();
        FileStoreOptions options = FileStoreOptions.builder().checkpointBytes(4096).build();
        FileMessageStore store = FileMessageStore.open(dir, options, disk);
        store.create("bad", "", 1L);
        store.create("good", "", 1L);
        store.append(message("bad", 1)).join();
        store.append(message("good", 1)).join();
        disk.onlyPathContaining = RoomDirectories.directoryName("bad");
        // Segments are fsynced only at checkpoints now: appends go on until the next checkpoint fails.
        disk.failForces = true;
        long acked = 1;
        Throwable failure = null;
        for (long s = 2; s <= 2_000 && failure == null; s++) {
            try {
                store.append(message("bad", s)).get(30, TimeUnit.SECONDS);
                acked = s;
            } catch (Exception e) {
                failure = e instanceof ExecutionException ? e.getCause() : e;
            }
        }
        assertThat(disk.failedForces.get()).as("a checkpoint fsync was attempted and failed").isPositive();
        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("checkpoint");
        assertThat(store.room("bad").orElseThrow().lastSeq()).isEqualTo(acked);
        for (long s = 2; s <= 100; s++) {
            store.append(message("good", s)).join();
        }
        try (Stream<Path> journal = Files.list(dir.resolve(Journal.DIRECTORY))) {
            assertThat(journal.filter(p -> p.toString().endsWith(Journal.SUFFIX)))
                    .as("the journal is kept: it may hold records the failed segment lost").isNotEmpty();
        }

        disk.failForces = false;
        long next = acked + 1;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> succeeds(store.append(retry("bad", next))));
        List<Message> expected = new ArrayList<>();
        for (long s = 1; s <= acked; s++) {
            expected.add(message("bad", s));
        }
        expected.add(retry("bad", next));
        assertThat(store.readAfter("bad", 0, 10_000)).as("every acknowledged message, no failed one").isEqualTo(expected);
        store.close();
        try (Stream<Path> journal = Files.list(dir.resolve(Journal.DIRECTORY))) {
            assertThat(journal.filter(p -> p.toString().endsWith(Journal.SUFFIX)))
                    .as("a clean close after the room reopened leaves no journal").isEmpty();
        }

        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertThat(reopened.readAfter("bad", 0, 10_000)).isEqualTo(expected);
            assertThat(reopened.readAfter("good", 0, 1000)).hasSize(100);
            reopened.append(message("bad", next + 1)).join();
        }
    }
}
