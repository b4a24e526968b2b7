package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reopening after torn, zero-filled, garbage and corrupt logs. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreRecoveryTest {
    static final String ROOM_NAME = "lobby";
    private static final String ROOM = ROOM_NAME;
    private static final int COUNT = 10;

    @TempDir
    Path temp;

    static Message message(long seq) {
        return new Message(ROOM, seq, "m-" + seq, "u" + seq % 3, "body of message " + seq + " ✓", 1000 + seq,
                seq % 2 == 0 ? MessageKind.TEXT : MessageKind.REACT, seq % 3 == 0 ? "c" + seq : null, seq % 2 == 0 ? 0 : 1,
                0, seq % 4 == 0 ? "{\"n\":" + seq + "}" : null);
    }

    static List<Message> messages(long from, long to) {
        List<Message> out = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            out.add(message(s));
        }
        return out;
    }

    /** A store in {@code dir} with {@link #COUNT} messages in {@link #ROOM}, closed cleanly. */
    static void writeRoom(Path dir) {
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            store.create(ROOM, "t", 1L);
            for (Message m : messages(1, COUNT)) {
                store.append(m).join();
            }
        }
    }

    static Path roomDir(Path dir) {
        return dir.resolve("rooms").resolve(RoomDirectories.directoryName(ROOM));
    }

    static Path segment(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(roomDir(dir))) {
            return s.filter(p -> p.toString().endsWith(".seg")).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /** Byte offsets at which each record 1..COUNT starts, and the end offset last. */
    static long[] recordOffsets() {
        long[] off = new long[COUNT + 1];
        off[0] = SmallFiles.FILE_HEADER_BYTES;
        for (int i = 1; i <= COUNT; i++) {
            off[i] = off[i - 1] + Records.encode(message(i)).length;
        }
        return off;
    }

    /**
     * Copies a store's directory, as a crash would leave it, also while the store is open. The journal
     * is copied first: the segment writer may still be writing records the journal holds (and a
     * checkpoint may then delete journal files), so the rooms, copied after, hold at least what the
     * copied journal lacks. (A crash freezes both at once; a copy cannot.)
     */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            Path journal = from.resolve(Journal.DIRECTORY);
            List<Path> all = walk.collect(Collectors.toList());
            List<Path> ordered = new ArrayList<>();
            ordered.add(from);
            all.stream().filter(p -> p.startsWith(journal)).forEach(ordered::add);
            all.stream().filter(p -> !p.equals(from) && !p.startsWith(journal)).forEach(ordered::add);
            for (Path p : ordered) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    try {
                        Files.copy(p, q);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // A journal file a checkpoint deleted meanwhile: its records are in the rooms' segments.
                    }
                }
            }
        }
    }

    /** Reopens, checks the room holds exactly seqs 1..expected, appends the next one, and reopens again. */
    static void assertRecoversTo(Path dir, long expected) {
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.room(ROOM).orElseThrow().lastSeq()).isEqualTo(expected);
            assertThat(store.readAfter(ROOM, 0, 100)).isEqualTo(messages(1, expected));
            store.append(message(expected + 1)).join();
        }
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.readAfter(ROOM, 0, 100)).isEqualTo(messages(1, expected + 1));
        }
    }

    private static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    @Test
    void tornTail_cutAtEveryOffsetOfTheLastThreeRecords_recoversEveryWholeRecordBeforeTheCut() throws IOException {
        Path pristine = temp.resolve("pristine");
        writeRoom(pristine);
        long[] off = recordOffsets();
        assertThat(Files.size(segment(pristine))).isEqualTo(off[COUNT]);

        for (long cut = off[COUNT - 3]; cut < off[COUNT]; cut++) {
            Path dir = temp.resolve("cut-" + cut);
            copyTree(pristine, dir);
            try (FileChannel ch = FileChannel.open(segment(dir), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            long whole = 0;
            while (whole < COUNT && off[(int) whole + 1] <= cut) {
                whole++;
            }
            assertRecoversTo(dir, whole);
        }
    }

    @Test
    void zerosAfterTheLastRecord_areTruncated() throws IOException {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        long size = Files.size(segment(dir));
        append(segment(dir), new byte[8192]);

        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.room(ROOM).orElseThrow().lastSeq()).isEqualTo(COUNT);
        }
        assertThat(Files.size(segment(dir))).isEqualTo(size);
        assertRecoversTo(dir, COUNT);
    }

    @Test
    void randomGarbageAfterTheLastRecord_isTruncated() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            Path dir = temp.resolve("g" + round);
            writeRoom(dir);
            byte[] garbage = new byte[1 + random.nextInt(5000)];
            random.nextBytes(garbage);
            append(segment(dir), garbage);

            assertRecoversTo(dir, COUNT);
        }
    }

    @Test
    void flippedByteInAMiddleRecord_afterCleanClose_isReportedOnReadWithFileAndOffset_andNotTruncated()
            throws IOException {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        long[] off = recordOffsets();
        Path seg = segment(dir);
        long size = Files.size(seg);
        flip(seg, off[4] + 30);

        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.readAfter(ROOM, 0, 4)).isEqualTo(messages(1, 4));
            assertThat(store.readAfter(ROOM, 5, 100)).isEqualTo(messages(6, COUNT));
            assertThatThrownBy(() -> store.readAfter(ROOM, 0, 100))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(seg.getFileName().toString())
                    .hasMessageContaining("offset " + off[4]);
        }
        assertThat(Files.size(seg)).isEqualTo(size);
    }

    @Test
    void flippedByteInAMiddleRecord_afterCrash_isReported_isolated_andNotTruncated_andTheRoomStaysWritable()
            throws IOException {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        long[] off = recordOffsets();
        Path seg = segment(dir);
        long size = Files.size(seg);
        flip(seg, off[4] + 30);
        Files.delete(roomDir(dir).resolve(Recovery.CLEAN));
        // Without its index the whole segment is scanned, as after a power loss.
        try (FileChannel idx = FileChannel.open(seg.resolveSibling(seg.getFileName().toString().replace(".seg", ".idx")),
                StandardOpenOption.WRITE)) {
            idx.truncate(SmallFiles.FILE_HEADER_BYTES);
        }

        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThat(store.room(ROOM).orElseThrow().lastSeq()).isEqualTo(COUNT);
            assertThat(store.readAfter(ROOM, 0, 4)).isEqualTo(messages(1, 4));
            assertThat(store.readAfter(ROOM, 5, 100)).isEqualTo(messages(6, COUNT));
            assertThatThrownBy(() -> store.readAfter(ROOM, 0, 100))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(seg.getFileName().toString())
                    .hasMessageContaining("offset " + off[4]);
            assertThat(store.damage()).isEqualTo(java.util.Map.of(ROOM, List.of(new DamagedRange(5, 5))));
            assertThat(failureOf(store, message(COUNT + 1))).isNull();
        }
        assertThat(Files.size(seg)).isGreaterThan(size);
    }

    @Test
    void indexLostOrTorn_isRebuiltFromTheSegment() throws IOException {
        for (String damage : List.of("empty", "header-only", "zeros", "garbage")) {
            Path dir = temp.resolve(damage);
            writeRoom(dir);
            Files.delete(roomDir(dir).resolve(Recovery.CLEAN));
            Path seg = segment(dir);
            Path idx = seg.resolveSibling(seg.getFileName().toString().replace(".seg", ".idx"));
            switch (damage) {
                case "empty":
                    Files.write(idx, new byte[0]);
                    break;
                case "header-only":
                    try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
                        ch.truncate(SmallFiles.FILE_HEADER_BYTES);
                    }
                    break;
                case "zeros":
                    try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.allocate(24), Segment.indexPosition(COUNT - 6));
                        ch.write(ByteBuffer.allocate(400), Segment.indexPosition(COUNT));
                    }
                    break;
                default:
                    byte[] junk = new byte[64];
                    new Random(7).nextBytes(junk);
                    append(idx, junk);
            }
            assertRecoversTo(dir, COUNT);
        }
    }

    @Test
    void tailSegmentWhoseCreationWasInterrupted_isDeleted() throws IOException {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        Files.delete(roomDir(dir).resolve(Recovery.CLEAN));
        Files.write(roomDir(dir).resolve(String.format("%020d.seg", COUNT + 1)), new byte[7]);

        assertRecoversTo(dir, COUNT);
    }

    @Test
    void uncleanStop_withoutAnyDamage_keepsEverything() throws IOException {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        Files.delete(roomDir(dir).resolve(Recovery.CLEAN));

        assertRecoversTo(dir, COUNT);
    }

    @Test
    void cleanClose_leavesAMarker_thatTheNextOpenConsumes() {
        Path dir = temp.resolve("d");
        writeRoom(dir);
        assertThat(roomDir(dir).resolve(Recovery.CLEAN)).exists();

        try (FileMessageStore store = FileMessageStore.open(dir)) {
            store.room(ROOM);
            assertThat(roomDir(dir).resolve(Recovery.CLEAN)).doesNotExist();
        }
    }

    @Test
    void segmentsRollAndRetentionByMessages_dropsOnlyWholeOldSegments() {
        Path dir = temp.resolve("d");
        FileStoreOptions options = FileStoreOptions.builder().segmentBytes(4096).retainMessages(50).build();
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            store.create(ROOM, "", 1L);
            for (long s = 1; s < 1000; s++) {
                store.append(message(s));
            }
            store.append(message(1000)).join();
            // Through the journal, segments are written (and retention applied) just behind the acks.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(store.room(ROOM).orElseThrow().firstSeq()).isGreaterThan(1).isLessThanOrEqualTo(951));
            long first = store.room(ROOM).orElseThrow().firstSeq();
            assertThat(first).isGreaterThan(1).isLessThanOrEqualTo(951);
            assertThat(store.readAfter(ROOM, 0, 2000)).isEqualTo(messages(first, 1000));
        }
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            long first = store.room(ROOM).orElseThrow().firstSeq();
            assertThat(store.readBefore(ROOM, 2000, 2000)).isEqualTo(messages(first, 1000));
        }
    }

    @Test
    void retentionByAge_dropsSegmentsWhoseNewestMessageIsOld() throws InterruptedException {
        Path dir = temp.resolve("d");
        FileStoreOptions options = FileStoreOptions.builder().segmentBytes(4096).retainAge(Duration.ofDays(1)).build();
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            store.create(ROOM, "", 1L);
            // message(s) has ts 1000 + s: decades old, so every sealed segment goes.
            for (long s = 1; s <= 300; s++) {
                store.append(message(s)).join();
            }
            // Retention runs as segments are sealed, which is behind the acknowledgement through the journal.
            store.awaitSegmentsWritten();
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isGreaterThan(250);
            assertThat(store.room(ROOM).orElseThrow().lastSeq()).isEqualTo(300);
        }
    }

    @Test
    void manyRooms_withASmallCapOnOpenFiles_workAndStayUnderTheCap() {
        Path dir = temp.resolve("d");
        FileStoreOptions options = FileStoreOptions.builder().maxOpenFiles(6).segmentBytes(4096).build();
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            for (int r = 0; r < 40; r++) {
                store.create("room" + r, "", 1L);
            }
            for (int s = 1; s <= 30; s++) {
                for (int r = 0; r < 40; r++) {
                    Message m = message(s);
                    store.append(new Message("room" + r, s, m.id(), m.user(), m.body(), m.ts(), m.kind(), m.cid(),
                            m.target(), m.replyTo(), m.meta()));
                }
            }
            for (int r = 0; r < 40; r++) {
                Message m = message(30);
                store.append(new Message("room" + r, 31, m.id(), m.user(), m.body(), m.ts(), m.kind(), null, 0, 0, null))
                        .join();
                assertThat(store.readAfter("room" + r, 0, 100)).hasSize(31);
            }
            assertThat(store.openFileCount()).isLessThanOrEqualTo(6);
        }
    }

    @Test
    void hostileRoomIds_neverCreateAnythingOutsideTheDataDirectory() throws IOException {
        Path root = temp.resolve("root");
        Path dir = root.resolve("data");
        List<String> ids = List.of("../x", "a/b", "CON", "con", "NUL", "..", ".", "", "/etc/passwd", "a\\b", "COM1",
                "x".repeat(64), "中".repeat(64), "😀".repeat(64), "dm:alice:bob", "a\u0000b", "lone\ud800", " ", "..\\..\\y");
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String id : ids) {
                assertThat(store.create(id, "", 1L)).as(id).isPresent();
                store.append(new Message(id, 1, "m", "u", "b", 1, MessageKind.TEXT, null, 0, 0, null)).join();
            }
        }
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("data");
        }
        try (Stream<Path> s = Files.list(dir.resolve("rooms"))) {
            assertThat(s.map(p -> p.getFileName().toString()).collect(Collectors.toList()))
                    .hasSize(ids.size())
                    .allSatisfy(name -> assertThat(name).matches("[rh]-[0-9a-f]*").hasSizeLessThanOrEqualTo(202));
        }
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            for (String id : ids) {
                assertThat(store.room(id).orElseThrow().lastSeq()).as(id).isEqualTo(1);
                assertThat(store.readAfter(id, 0, 10).get(0).room()).isEqualTo(id);
            }
        }
    }

    @Test
    void secondStoreOnTheSameDirectory_isRefused() {
        Path dir = temp.resolve("d");
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            assertThatThrownBy(() -> FileMessageStore.open(dir)).isInstanceOf(StoreException.class);
        }
    }

    static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x40));
            b.rewind();
            ch.write(b, offset);
        }
    }

    static Throwable failureOf(FileMessageStore store, Message m) {
        try {
            store.append(m).get(30, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
