package dev.parley.chat.store.file;

import static dev.parley.chat.store.file.FileStoreRecoveryTest.ROOM_NAME;
import static dev.parley.chat.store.file.FileStoreRecoveryTest.message;
import static dev.parley.chat.store.file.FileStoreRecoveryTest.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.RecordingClient;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Isolating corruption (issue 12, item 2): a damaged record in the middle of a room fails only the
 * reads that cross it; appends, other reads and other rooms go on; the damage is listed by {@link
 * FileMessageStore#damage()}; records after a damaged checkpoint come back from the journal; and an
 * operator's {@link FileMessageStore#repair} drops the damage into a new epoch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreDamageTest {
    private static final int COUNT = 100;
    private static final long DAMAGED = 50;
    private static final String OTHER = "other";

    @TempDir
    Path temp;

    private static Path segment(Path dir, String room) {
        return dir.resolve("rooms").resolve(RoomDirectories.directoryName(room)).resolve(String.format("%020d.seg", 1));
    }

    /** The offset at which the record of {@code seq} begins in the first segment of a room written from seq 1. */
    private static long offsetOf(long seq) {
        long off = SmallFiles.FILE_HEADER_BYTES;
        for (long s = 1; s < seq; s++) {
            off += Records.encode(message(s)).length;
        }
        return off;
    }

    /** Two rooms of {@link #COUNT} messages each, closed cleanly, then a byte of record 50 of the first flipped. */
    private void writeAndDamage(boolean clean) throws IOException {
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            store.create(ROOM_NAME, "", 1L);
            store.create(OTHER, "", 1L);
            for (Message m : messages(1, COUNT)) {
                store.append(m).join();
                store.append(new Message(OTHER, m.seq(), m.id(), m.user(), m.body(), m.ts(), m.kind(), m.cid(),
                        m.target(), m.replyTo(), m.meta())).join();
            }
        }
        if (!clean) {
            // An unclean stop whose index was not written back: recovery scans the whole segment.
            Files.delete(segment(temp, ROOM_NAME).resolveSibling(Recovery.CLEAN));
            try (FileChannel ch = FileChannel.open(segment(temp, ROOM_NAME).resolveSibling(
                    String.format("%020d.idx", 1)), StandardOpenOption.WRITE)) {
                ch.truncate(SmallFiles.FILE_HEADER_BYTES);
            }
        }
        FileStoreRecoveryTest.flip(segment(temp, ROOM_NAME), offsetOf(DAMAGED) + 30);
    }

    private static void assertIsolated(FileMessageStore store) {
        assertThat(store.readAfter(ROOM_NAME, 0, 10)).isEqualTo(messages(1, 10));
        assertThat(store.readAfter(ROOM_NAME, DAMAGED, 20)).isEqualTo(messages(DAMAGED + 1, DAMAGED + 20));
        assertThat(store.readBefore(ROOM_NAME, DAMAGED, 5)).isEqualTo(messages(DAMAGED - 5, DAMAGED - 1));
        assertThatThrownBy(() -> store.readAfter(ROOM_NAME, DAMAGED - 5, 10)).isInstanceOf(StoreException.class)
                .hasMessageContaining("seq " + DAMAGED);
        assertThat(store.readAfter(OTHER, 0, 1000)).hasSize(COUNT);
        store.append(message(COUNT + 1)).orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(store.readAfter(ROOM_NAME, COUNT, 10)).isEqualTo(List.of(message(COUNT + 1)));
        assertThat(store.damage()).isEqualTo(Map.of(ROOM_NAME, List.of(new DamagedRange(DAMAGED, DAMAGED))));
    }

    @Test
    void flippedByteMidSegment_afterACleanClose_failsOnlyReadsOverIt_andTheRoomStaysWritable() throws IOException {
        writeAndDamage(true);
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.damage()).as("not noticed before a read meets it").isEmpty();
            assertThatThrownBy(() -> store.readAfter(ROOM_NAME, 0, COUNT)).isInstanceOf(StoreException.class);
            assertIsolated(store);
        }
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.damage()).as("the damage found is kept across a restart").containsKey(ROOM_NAME);
        }
    }

    @Test
    void flippedByteMidSegment_afterACrash_isIsolatedAtRecovery_andTheRoomStaysWritable() throws IOException {
        writeAndDamage(false);
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.room(ROOM_NAME).orElseThrow().lastSeq()).isEqualTo(COUNT);
            assertThat(store.damage().get(ROOM_NAME)).as("found by recovery").containsExactly(
                    new DamagedRange(DAMAGED, DAMAGED));
            assertIsolated(store);
        }
        Files.delete(segment(temp, ROOM_NAME).resolveSibling(Recovery.CLEAN));
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.readAfter(ROOM_NAME, DAMAGED, 1000)).isEqualTo(messages(DAMAGED + 1, COUNT + 1));
            assertThat(store.damage().get(ROOM_NAME)).containsExactly(new DamagedRange(DAMAGED, DAMAGED));
        }
    }

    @Test
    void flippedByteMidSegment_throughTheEngine_publishesAndJoinsGoOn() throws IOException {
        writeAndDamage(true);
        InMemoryTransport transport = new InMemoryTransport();
        try (ChatServer server = ChatServer.builder().store(FileMessageStore.open(temp)).build()) {
            server.start(transport);
            RecordingClient client = transport.connect();
            client.hello("writer");
            JsonNode joined = client.join(ROOM_NAME);
            assertThat(joined.path("seq").asLong()).isEqualTo(COUNT);
            // The sequencer reads its dedupe window (which covers the damage) on the first publish.
            assertThat(client.publish(ROOM_NAME, "after the damage").path("seq").asLong()).isEqualTo(COUNT + 1);
            assertThat(client.publish(ROOM_NAME, "and again").path("seq").asLong()).isEqualTo(COUNT + 2);
            JsonNode over = client.request("{\"type\":\"history\",\"room\":\"" + ROOM_NAME + "\",\"after\":"
                    + (DAMAGED - 2) + ",\"limit\":5}");
            assertThat(over.path("code").asText()).isEqualTo("UNAVAILABLE");
            JsonNode after = client.request("{\"type\":\"history\",\"room\":\"" + ROOM_NAME + "\",\"after\":"
                    + DAMAGED + ",\"limit\":5}");
            assertThat(after.path("messages").get(0).path("seq").asLong()).isEqualTo(DAMAGED + 1);
        }
    }

    @Test
    void recordsAfterADamagedCheckpoint_comeBackFromTheJournal_andTheJournalIsReleased() throws Exception {
        Path live = temp.resolve("live");
        Path copy = temp.resolve("copy");
        FileStoreOptions options = FileStoreOptions.builder().checkpointBytes(4096)
                .checkpointInterval(Duration.ofHours(1)).build();
        int total = 300;
        String epoch;
        try (FileMessageStore store = FileMessageStore.open(live, options)) {
            epoch = store.create(ROOM_NAME, "", 1L).orElseThrow().epoch();
            for (long s = 1; s <= total; s++) {
                store.append(message(s)).get(30, TimeUnit.SECONDS);
            }
            FileStoreRecoveryTest.copyTree(live, copy);
        }
        Journal.Recovered j = Journal.recover(copy.resolve(Journal.DIRECTORY), Disk.REAL);
        long s0 = j.entries.stream().mapToLong(Journal.Entry::seq).min().orElseThrow();
        assertThat(s0).as("a checkpoint covered the first records").isGreaterThan(2);
        long checkpointed = s0 - 1;
        // The segment loses what followed the checkpoint, and its last checkpointed record is damaged.
        try (FileChannel ch = FileChannel.open(segment(copy, ROOM_NAME), StandardOpenOption.WRITE)) {
            ch.truncate(offsetOf(checkpointed + 1));
        }
        FileStoreRecoveryTest.flip(segment(copy, ROOM_NAME), offsetOf(checkpointed) + 30);

        try (FileMessageStore store = FileMessageStore.open(copy, options)) {
            assertThat(store.room(ROOM_NAME).orElseThrow().lastSeq()).isEqualTo(total);
            assertThat(store.room(ROOM_NAME).orElseThrow().epoch()).isEqualTo(epoch);
            assertThat(store.readAfter(ROOM_NAME, checkpointed, 1000)).isEqualTo(messages(checkpointed + 1, total));
            assertThat(store.readAfter(ROOM_NAME, 0, (int) checkpointed - 1)).isEqualTo(messages(1, checkpointed - 1));
            assertThatThrownBy(() -> store.readAfter(ROOM_NAME, checkpointed - 1, 1)).isInstanceOf(StoreException.class);
            assertThat(store.damage().get(ROOM_NAME)).containsExactly(new DamagedRange(checkpointed, checkpointed));
            store.append(message(total + 1)).get(30, TimeUnit.SECONDS);
        }
        assertThat(FileStoreJournalTest.journalFiles(copy)).as("the journal is released").isEmpty();
        try (FileMessageStore store = FileMessageStore.open(copy, options)) {
            assertThat(store.readAfter(ROOM_NAME, checkpointed, 1000)).isEqualTo(messages(checkpointed + 1, total + 1));
        }
    }

    @Test
    void repair_dropsTheDamageAndWhatPrecedesIt_intoANewEpoch_keepingLaterRecordsAndTheirSeqs() throws IOException {
        writeAndDamage(false);
        String epoch;
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.damage()).as("a room is checked when it is first used").isEmpty();
            epoch = store.room(ROOM_NAME).orElseThrow().epoch();
            assertThat(store.damage()).containsKey(ROOM_NAME);
            assertThat(store.repair(OTHER)).as("nothing to repair").isFalse();

            assertThat(store.repair(ROOM_NAME)).isTrue();
            assertThat(store.damage()).isEmpty();
            assertThat(store.room(ROOM_NAME).orElseThrow().firstSeq()).isEqualTo(DAMAGED + 1);
            assertThat(store.room(ROOM_NAME).orElseThrow().epoch()).isNotEqualTo(epoch);
            assertThat(store.readAfter(ROOM_NAME, 0, 1000)).isEqualTo(messages(DAMAGED + 1, COUNT));
            store.append(message(COUNT + 1)).join();
        }
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.room(ROOM_NAME).orElseThrow().firstSeq()).isEqualTo(DAMAGED + 1);
            assertThat(store.readAfter(ROOM_NAME, 0, 1000)).isEqualTo(messages(DAMAGED + 1, COUNT + 1));
            assertThat(store.damage()).isEmpty();
            assertThat(store.repair(ROOM_NAME)).isFalse();
        }
    }
}
