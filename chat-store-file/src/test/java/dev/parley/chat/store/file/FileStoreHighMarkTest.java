package dev.parley.chat.store.file;

import static dev.parley.chat.store.file.FileStoreRecoveryTest.ROOM_NAME;
import static dev.parley.chat.store.file.FileStoreRecoveryTest.message;
import static dev.parley.chat.store.file.FileStoreRecoveryTest.messages;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.RoomInfo;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.RecordingClient;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable high mark (issue 12, item 1): when a disk loses records that were acknowledged, the
 * room keeps what is intact and begins a new epoch, so no seq is handed out twice in one epoch; when
 * one copy of a record survives (the journal's or the segment's), nothing is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreHighMarkTest {
    private static final int COUNT = 10;

    @TempDir
    Path temp;

    private static Path roomDir(Path dir) {
        return dir.resolve("rooms").resolve(RoomDirectories.directoryName(ROOM_NAME));
    }

    private static Path firstSegment(Path dir) {
        return roomDir(dir).resolve(String.format("%020d.seg", 1));
    }

    /** The room's epoch from its {@code room.meta}, without opening the store (which would consume the clean marker). */
    private static String epochOf(Path dir) throws IOException {
        return RoomDirectories.readMeta(roomDir(dir)).epoch();
    }

    /** Reopens: the room holds 1..kept in a new epoch, takes kept + 1 there, and the epoch then stays. */
    private static void assertNewEpochAt(Path dir, String oldEpoch, long kept) {
        String fresh;
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            RoomInfo info = store.room(ROOM_NAME).orElseThrow();
            assertThat(info.lastSeq()).isEqualTo(kept);
            assertThat(info.epoch()).as("a new epoch, since acknowledged records are gone").isNotEqualTo(oldEpoch);
            fresh = info.epoch();
            assertThat(store.readAfter(ROOM_NAME, 0, 100)).isEqualTo(messages(1, kept));
            store.append(message(kept + 1)).join();
        }
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            RoomInfo info = store.room(ROOM_NAME).orElseThrow();
            assertThat(info.epoch()).as("the new epoch is durable and does not change again").isEqualTo(fresh);
            assertThat(store.readAfter(ROOM_NAME, 0, 100)).isEqualTo(messages(1, kept + 1));
        }
    }

    @Test
    void truncatedLastRecord_afterACleanClose_givesANewEpoch_neverAReusedSeq() throws IOException {
        FileStoreRecoveryTest.writeRoom(temp);
        String epoch = epochOf(temp);
        try (FileChannel ch = FileChannel.open(firstSegment(temp), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }

        assertNewEpochAt(temp, epoch, COUNT - 1);
    }

    @Test
    void flippedByteInTheLastRecord_afterItsCheckpoint_givesANewEpoch() throws IOException {
        FileStoreRecoveryTest.writeRoom(temp);
        String epoch = epochOf(temp);
        // An unclean stop after the checkpoint: no clean marker, an empty journal, and a bad last record.
        Files.delete(roomDir(temp).resolve(Recovery.CLEAN));
        FileStoreRecoveryTest.flip(firstSegment(temp), Files.size(firstSegment(temp)) - 5);

        assertNewEpochAt(temp, epoch, COUNT - 1);
    }

    @Test
    void flippedByteInTheLastRecord_whileTheJournalHoldsIt_losesNothing_andKeepsTheEpoch() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        String epoch;
        try (FileMessageStore store = FileMessageStore.open(live, FileStoreOptions.builder()
                .checkpointBytes(1L << 30).checkpointInterval(Duration.ofHours(1)).build())) {
            epoch = store.create(ROOM_NAME, "", 1L).orElseThrow().epoch();
            for (long s = 1; s <= COUNT; s++) {
                store.append(message(s)).get(30, TimeUnit.SECONDS);
            }
            store.awaitSegmentsWritten();
            FileStoreRecoveryTest.copyTree(live, copy);
        }
        FileStoreRecoveryTest.flip(firstSegment(copy), Files.size(firstSegment(copy)) - 5);

        try (FileMessageStore store = FileMessageStore.open(copy)) {
            assertThat(store.room(ROOM_NAME).orElseThrow().epoch()).isEqualTo(epoch);
            assertThat(store.readAfter(ROOM_NAME, 0, 100)).isEqualTo(messages(1, COUNT));
        }
    }

    @Test
    void journalRecordCut_whileItsSegmentCopyIsIntact_losesNothing() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        String epoch;
        try (FileMessageStore store = FileMessageStore.open(live, FileStoreOptions.builder()
                .checkpointBytes(1L << 30).checkpointInterval(Duration.ofHours(1)).build())) {
            epoch = store.create(ROOM_NAME, "", 1L).orElseThrow().epoch();
            for (long s = 1; s <= COUNT; s++) {
                store.append(message(s)).get(30, TimeUnit.SECONDS);
            }
            store.awaitSegmentsWritten();
            FileStoreRecoveryTest.copyTree(live, copy);
        }
        // The disk loses the journal's last three records; the segment still holds them.
        Path journal = FileStoreJournalTest.journalFile(copy);
        long cut = Files.size(journal);
        for (long s = COUNT; s > COUNT - 3; s--) {
            cut -= Journal.HEADER_BYTES + 4 + ROOM_NAME.length() + Records.encode(message(s)).length;
        }
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            ch.truncate(cut + 7);
        }

        try (FileMessageStore store = FileMessageStore.open(copy)) {
            RoomInfo info = store.room(ROOM_NAME).orElseThrow();
            assertThat(info.epoch()).isEqualTo(epoch);
            assertThat(store.readAfter(ROOM_NAME, 0, 100)).isEqualTo(messages(1, COUNT));
            store.append(message(COUNT + 1)).join();
        }
        assertThat(FileStoreJournalTest.journalFiles(copy)).as("the journal is released").isEmpty();
        try (FileMessageStore store = FileMessageStore.open(copy)) {
            assertThat(store.readAfter(ROOM_NAME, 0, 100)).isEqualTo(messages(1, COUNT + 1));
        }
    }

    @Test
    void journalRecordsLostTogetherWithTheirSegmentCopy_afterACheckpoint_giveANewEpoch() throws Exception {
        FileStoreRecoveryTest.writeRoom(temp);
        String epoch = epochOf(temp);
        // Both copies gone: the journal was released at close, and the disk cut the segment's last records.
        Files.delete(roomDir(temp).resolve(Recovery.CLEAN));
        long keep = Files.size(firstSegment(temp));
        for (long s = COUNT; s > COUNT - 4; s--) {
            keep -= Records.encode(message(s)).length;
        }
        try (FileChannel ch = FileChannel.open(firstSegment(temp), StandardOpenOption.WRITE)) {
            ch.truncate(keep);
        }

        assertNewEpochAt(temp, epoch, COUNT - 4);
    }

    @Test
    void afterANewEpoch_aClientResumingWithTheOldEpoch_isNotRecovered_andTheNextPublishIsInTheNewEpoch()
            throws IOException {
        FileStoreRecoveryTest.writeRoom(temp);
        String epoch = epochOf(temp);
        try (FileChannel ch = FileChannel.open(firstSegment(temp), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(transport);
            RecordingClient client = transport.connect();
            client.hello("resumer");
            for (long since : new long[] {COUNT - 2, COUNT - 1, COUNT}) {
                JsonNode joined = client.request("{\"type\":\"join\",\"room\":\"" + ROOM_NAME + "\",\"since\":" + since
                        + ",\"epoch\":\"" + epoch + "\"}");
                assertThat(joined.path("recovered").asBoolean()).as("resume from %d", since).isFalse();
                assertThat(joined.path("epoch").asText()).isNotEqualTo(epoch);
                assertThat(joined.path("seq").asLong()).isEqualTo(COUNT - 1);
            }
            JsonNode published = client.publish(ROOM_NAME, "after the loss");
            assertThat(published.path("seq").asLong()).isEqualTo(COUNT);
        }
    }
}
