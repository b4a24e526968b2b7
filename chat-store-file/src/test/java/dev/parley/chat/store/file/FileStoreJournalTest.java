package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared journal: recovery from its torn, zero-filled, garbage and corrupt tails, and replay
 * into room segments that lag it (as a power loss leaves them: whatever the last checkpoint did not
 * fsync may be missing, torn or holed).
 *
 * <p>The state a crash leaves is made by copying the data directory while the store is open and
 * idle, every append acknowledged and written to its segment, and no checkpoint due: the copy holds what the page cache held,
 * which is what {@code kill -9} leaves.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreJournalTest {
    private static final List<String> ROOMS = List.of("north", "south");
    /** Records in the journal: room {@code i % 2}, each room's seqs 1, 2, 3, ... */
    private static final int COUNT = 10;

    @TempDir
    Path temp;

    /** Checkpoints only at close, so the journal holds every record until then. */
    private static final FileStoreOptions NO_CHECKPOINT = FileStoreOptions.builder()
            .checkpointBytes(1L << 30).checkpointInterval(Duration.ofHours(1)).build();

    static Message message(String room, long seq) {
        Message m = FileStoreRecoveryTest.message(seq);
        return new Message(room, seq, m.id(), m.user(), m.body(), m.ts(), m.kind(), m.cid(), m.target(), m.replyTo(),
                m.meta());
    }

    /** The i-th record written (0-based): its room and seq. */
    static String roomOf(int i) {
        return ROOMS.get(i % 2);
    }

    static long seqOf(int i) {
        return i / 2 + 1;
    }

    /** A directory in the state a crash leaves after {@link #COUNT} acknowledged appends, none checkpointed. */
    Path crashed(String name) throws IOException {
        Path live = temp.resolve(name + "-live");
        Path copy = temp.resolve(name);
        try (FileMessageStore store = FileMessageStore.open(live, NO_CHECKPOINT)) {
            for (String r : ROOMS) {
                store.create(r, "", 1L);
            }
            for (int i = 0; i < COUNT; i++) {
                store.append(message(roomOf(i), seqOf(i))).get(30, TimeUnit.SECONDS);
            }
            // The segments are written just behind the acks: the tests below damage them as a power loss would.
            store.awaitSegmentsWritten();
            FileStoreRecoveryTest.copyTree(live, copy);
        } catch (Exception e) {
            throw new IOException(e);
        }
        return copy;
    }

    static Path journalFile(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(Journal.DIRECTORY))) {
            return s.filter(p -> p.toString().endsWith(Journal.SUFFIX)).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    static List<Path> journalFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(Journal.DIRECTORY))) {
            return s.filter(p -> p.toString().endsWith(Journal.SUFFIX)).sorted().collect(Collectors.toList());
        }
    }

    static Path roomDir(Path dir, String room) {
        return dir.resolve("rooms").resolve(RoomDirectories.directoryName(room));
    }

    /** Offsets at which journal records 0..COUNT-1 start, and the end offset last. */
    static long[] journalOffsets() {
        long[] off = new long[COUNT + 1];
        off[0] = SmallFiles.FILE_HEADER_BYTES;
        for (int i = 0; i < COUNT; i++) {
            off[i + 1] = off[i] + Journal.HEADER_BYTES + 4 + roomOf(i).length()
                    + Records.encode(message(roomOf(i), seqOf(i))).length;
        }
        return off;
    }

    /** Cuts every room's segment back to its header and empties its index: all it had was past the checkpoint. */
    static void segmentsLostEverything(Path dir) throws IOException {
        for (String r : ROOMS) {
            try (Stream<Path> s = Files.list(roomDir(dir, r))) {
                for (Path p : s.filter(p -> p.toString().endsWith(".seg") || p.toString().endsWith(".idx"))
                        .collect(Collectors.toList())) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.truncate(SmallFiles.FILE_HEADER_BYTES);
                    }
                }
            }
        }
    }

    /** Expected records of each room when the first {@code whole} journal records survive. */
    static List<Message> expected(String room, int whole) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < whole; i++) {
            if (roomOf(i).equals(room)) {
                out.add(message(room, seqOf(i)));
            }
        }
        return out;
    }

    /** Reopens, checks each room holds exactly what the first {@code whole} records gave it, appends, reopens. */
    static void assertRecoversTo(Path dir, int whole) throws IOException {
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String r : ROOMS) {
                List<Message> want = expected(r, whole);
                assertThat(store.room(r).orElseThrow().lastSeq()).as("%s after %d records", r, whole).isEqualTo(want.size());
                assertThat(store.readAfter(r, 0, 100)).isEqualTo(want);
                store.append(message(r, want.size() + 1)).join();
            }
        }
        assertThat(journalFiles(dir)).as("a clean close leaves no journal").isEmpty();
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String r : ROOMS) {
                List<Message> want = new ArrayList<>(expected(r, whole));
                want.add(message(r, want.size() + 1));
                assertThat(store.readAfter(r, 0, 100)).isEqualTo(want);
            }
        }
    }

    @Test
    void crash_segmentsIntact_everyRecordIsThere_andTheJournalIsDeletedAfterRecovery() throws IOException {
        Path dir = crashed("d");
        assertThat(Files.size(journalFile(dir))).isEqualTo(journalOffsets()[COUNT]);

        assertRecoversTo(dir, COUNT);
    }

    @Test
    void journalCutAtEveryOffsetOfItsLastThreeRecords_recoversEveryWholeRecordBeforeTheCut() throws IOException {
        Path pristine = crashed("pristine");
        segmentsLostEverything(pristine);
        long[] off = journalOffsets();

        for (long cut = off[COUNT - 3]; cut < off[COUNT]; cut++) {
            Path dir = temp.resolve("cut-" + cut);
            FileStoreRecoveryTest.copyTree(pristine, dir);
            try (FileChannel ch = FileChannel.open(journalFile(dir), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            int whole = 0;
            while (whole < COUNT && off[whole + 1] <= cut) {
                whole++;
            }
            assertRecoversTo(dir, whole);
        }
    }

    @Test
    void zerosAfterTheJournalsLastRecord_areTruncated() throws IOException {
        Path dir = crashed("d");
        segmentsLostEverything(dir);
        Files.write(journalFile(dir), new byte[8192], StandardOpenOption.APPEND);

        assertRecoversTo(dir, COUNT);
    }

    @Test
    void garbageAfterTheJournalsLastRecord_isTruncated() throws IOException {
        Random random = new Random(42);
        Path pristine = crashed("pristine");
        segmentsLostEverything(pristine);
        for (int round = 0; round < 20; round++) {
            Path dir = temp.resolve("g" + round);
            FileStoreRecoveryTest.copyTree(pristine, dir);
            byte[] garbage = new byte[1 + random.nextInt(5000)];
            random.nextBytes(garbage);
            Files.write(journalFile(dir), garbage, StandardOpenOption.APPEND);

            assertRecoversTo(dir, COUNT);
        }
    }

    @Test
    void flippedByteMidJournal_isReportedWithFileAndOffset_notTruncated_andRoomsReadableUpToTheDamage()
            throws IOException {
        Path dir = crashed("d");
        segmentsLostEverything(dir);
        long[] off = journalOffsets();
        Path journal = journalFile(dir);
        long size = Files.size(journal);
        FileStoreRecoveryTest.flip(journal, off[4] + 30);

        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String r : ROOMS) {
                assertThat(store.readAfter(r, 0, 100)).isEqualTo(expected(r, 4));
            }
            Throwable failure = FileStoreRecoveryTest.failureOf(store, message(roomOf(4), seqOf(4)));
            assertThat(failure).isInstanceOf(StoreException.class)
                    .hasMessageContaining(journal.toString())
                    .hasMessageContaining("offset " + off[4]);
        }
        assertThat(Files.size(journal)).isEqualTo(size);
        assertThat(journalFiles(dir)).as("a corrupt journal is kept for repair").contains(journal);
    }

    @Test
    void segmentsThatLagTheJournal_inEveryWayAPowerLossLeavesThem_areReplayedIntoCorrectly() throws IOException {
        for (String damage : List.of("missing", "header-only", "torn", "holed", "index-garbage", "index-zeros")) {
            Path dir = crashed(damage);
            for (String r : ROOMS) {
                Path seg = roomDir(dir, r).resolve(String.format("%020d.seg", 1));
                Path idx = roomDir(dir, r).resolve(String.format("%020d.idx", 1));
                long size = Files.size(seg);
                switch (damage) {
                    case "missing":
                        Files.delete(seg);
                        Files.delete(idx);
                        break;
                    case "header-only":
                        segmentsLostEverything(dir);
                        break;
                    case "torn":
                        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
                            ch.truncate(size - 7);
                        }
                        break;
                    case "holed":
                        // A page written back after a later one that was not: zeros, then valid records.
                        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
                            ch.write(ByteBuffer.allocate(40), SmallFiles.FILE_HEADER_BYTES + 10);
                        }
                        break;
                    case "index-garbage":
                        byte[] junk = new byte[(int) Files.size(idx) - SmallFiles.FILE_HEADER_BYTES];
                        new Random(3).nextBytes(junk);
                        try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
                            ch.write(ByteBuffer.wrap(junk), SmallFiles.FILE_HEADER_BYTES);
                        }
                        break;
                    default:
                        try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
                            ch.write(ByteBuffer.allocate(8), SmallFiles.FILE_HEADER_BYTES + 4);
                        }
                }
            }
            assertRecoversTo(dir, COUNT);
        }
    }

    @Test
    void checkpointsCutTheJournal_andACrashAfterManyCheckpointsLosesNothing() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        FileStoreOptions options = FileStoreOptions.builder().checkpointBytes(4096).segmentBytes(8192)
                .checkpointInterval(Duration.ofHours(1)).build();
        int perRoom = 700;
        try (FileMessageStore store = FileMessageStore.open(live, options)) {
            for (String r : ROOMS) {
                store.create(r, "", 1L);
            }
            for (long s = 1; s <= perRoom; s++) {
                for (String r : ROOMS) {
                    store.append(message(r, s)).get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(Files.size(journalFile(live))).as("the journal was cut at checkpoints")
                    .isLessThan(2 * 4096 + 4096);
            FileStoreRecoveryTest.copyTree(live, copy);
        }
        try (FileMessageStore store = FileMessageStore.open(copy)) {
            for (String r : ROOMS) {
                List<Message> all = store.readAfter(r, 0, 10_000);
                assertThat(all).hasSize(perRoom);
                for (int i = 0; i < perRoom; i++) {
                    assertThat(all.get(i)).isEqualTo(message(r, i + 1));
                }
                assertThat(store.room(r).orElseThrow().firstSeq()).isEqualTo(1);
            }
        }
    }

    @Test
    void journalCutAfterACheckpoint_withTheTailSegmentCutBackToTheCheckpoint_recoversEverything() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        FileStoreOptions options = FileStoreOptions.builder().checkpointBytes(4096)
                .checkpointInterval(Duration.ofHours(1)).build();
        int perRoom = 300;
        try (FileMessageStore store = FileMessageStore.open(live, options)) {
            for (String r : ROOMS) {
                store.create(r, "", 1L);
            }
            for (long s = 1; s <= perRoom; s++) {
                for (String r : ROOMS) {
                    store.append(message(r, s)).get(30, TimeUnit.SECONDS);
                }
            }
            FileStoreRecoveryTest.copyTree(live, copy);
        }
        // Read which seqs the journal holds, then cut each room's segment just after the seq before its
        // first journal record: exactly what the last checkpoint made durable.
        Journal.Recovered j = Journal.recover(copy.resolve(Journal.DIRECTORY), Disk.REAL);
        assertThat(j.entries).isNotEmpty();
        for (String r : ROOMS) {
            long firstInJournal = j.entries.stream().filter(e -> e.room().equals(r)).mapToLong(Journal.Entry::seq)
                    .min().orElse(perRoom + 1);
            Path seg = roomDir(copy, r).resolve(String.format("%020d.seg", 1));
            long keep = SmallFiles.FILE_HEADER_BYTES;
            for (long s = 1; s < firstInJournal; s++) {
                keep += Records.encode(message(r, s)).length;
            }
            try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
                ch.truncate(keep);
            }
        }
        try (FileMessageStore store = FileMessageStore.open(copy)) {
            for (String r : ROOMS) {
                List<Message> all = store.readAfter(r, 0, 10_000);
                assertThat(all).hasSize(perRoom);
                assertThat(all.get(perRoom - 1)).isEqualTo(message(r, perRoom));
            }
        }
    }

    @Test
    void cleanClose_leavesNoJournal_andClearMarkers_soTheNextOpenScansNothing() throws IOException {
        Path dir = temp.resolve("d");
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String r : ROOMS) {
                store.create(r, "", 1L);
            }
            for (int i = 0; i < COUNT; i++) {
                store.append(message(roomOf(i), seqOf(i))).join();
            }
        }
        assertThat(journalFiles(dir)).isEmpty();
        for (String r : ROOMS) {
            assertThat(roomDir(dir, r).resolve(Recovery.CLEAN)).exists();
        }
        assertRecoversTo(dir, COUNT);
    }

    @Test
    void journalLeftBesideCleanMarkers_asACrashDuringCloseLeavesIt_isReplayedWithoutDuplicates() throws IOException {
        Path dir = crashed("d");
        Path saved = temp.resolve("saved.jnl");
        Files.copy(journalFile(dir), saved);
        Path name = journalFile(dir).getFileName();
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            store.rooms();
        }
        Files.copy(saved, dir.resolve(Journal.DIRECTORY).resolve(name));

        assertRecoversTo(dir, COUNT);
    }

    /** Holds every segment write (not the journal's) until {@link #release} is called. */
    static final class HeldSegments extends Disk {
        final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        void write(FileChannel channel, Path path, ByteBuffer buf, long position) throws IOException {
            if (path.toString().endsWith(".seg") && released.getCount() > 0) {
                held.incrementAndGet();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            super.write(channel, path, buf, position);
        }

        void release() {
            released.countDown();
        }
    }

    @Test
    void acknowledgedRecordsNotYetInTheirSegment_areReadFromMemory_andThenFromTheSegment() throws Exception {
        Path dir = temp.resolve("d");
        HeldSegments disk = new HeldSegments();
        List<Message> expected = new ArrayList<>();
        try (FileMessageStore store = FileMessageStore.open(dir, NO_CHECKPOINT, disk)) {
            store.create("r", "", 1L);
            for (long s = 1; s <= 50; s++) {
                store.append(message("r", s)).get(30, TimeUnit.SECONDS);
                expected.add(message("r", s));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> disk.held.get() > 0);
            Path seg = roomDir(dir, "r").resolve(String.format("%020d.seg", 1));
            assertThat(!Files.exists(seg) || Files.size(seg) <= SmallFiles.FILE_HEADER_BYTES)
                    .as("no record reached the segment yet").isTrue();

            assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(50);
            assertThat(store.room("r").orElseThrow().firstSeq()).isEqualTo(1);
            assertThat(store.readAfter("r", 0, 100)).isEqualTo(expected);
            assertThat(store.readAfter("r", 20, 5)).isEqualTo(expected.subList(20, 25));
            assertThat(store.readBefore("r", Long.MAX_VALUE, 10)).isEqualTo(expected.subList(40, 50));

            disk.release();
            for (long s = 51; s <= 60; s++) {
                store.append(message("r", s)).get(30, TimeUnit.SECONDS);
                expected.add(message("r", s));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.size(seg)
                    == SmallFiles.FILE_HEADER_BYTES + expected.stream().mapToLong(m -> Records.encode(m).length).sum());
            assertThat(store.readAfter("r", 0, 100)).isEqualTo(expected);
            assertThat(store.readBefore("r", 56, 10)).isEqualTo(expected.subList(45, 55));
        }
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.readAfter("r", 0, 100)).isEqualTo(expected);
        }
    }

    @Test
    void crashBetweenTheAckAndTheSegmentWrite_recoversEveryAcknowledgedRecordFromTheJournal() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        HeldSegments disk = new HeldSegments();
        FileMessageStore store = FileMessageStore.open(live, NO_CHECKPOINT, disk);
        try {
            for (String r : ROOMS) {
                store.create(r, "", 1L);
            }
            for (long s = 1; s <= 40; s++) {
                for (String r : ROOMS) {
                    store.append(message(r, s)).get(30, TimeUnit.SECONDS);
                }
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> disk.held.get() > 0);
            // The state kill -9 leaves now: every record acknowledged, in the journal, in no segment.
            FileStoreRecoveryTest.copyTree(live, copy);
        } finally {
            disk.release();
            store.close();
        }
        for (String r : ROOMS) {
            Path seg = roomDir(copy, r).resolve(String.format("%020d.seg", 1));
            assertThat(!Files.exists(seg) || Files.size(seg) <= SmallFiles.FILE_HEADER_BYTES)
                    .as("the crash left no record in the segment of " + r).isTrue();
        }
        try (FileMessageStore reopened = FileMessageStore.open(copy)) {
            for (String r : ROOMS) {
                List<Message> expected = new ArrayList<>();
                for (long s = 1; s <= 40; s++) {
                    expected.add(message(r, s));
                }
                assertThat(reopened.room(r).orElseThrow().lastSeq()).isEqualTo(40);
                assertThat(reopened.readAfter(r, 0, 100)).isEqualTo(expected);
                reopened.append(message(r, 41)).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(journalFiles(copy)).as("the replayed journal was deleted after a clean close").isEmpty();
    }
}
