package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.spi.RoomInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention by count on the file store: the logical start of the log holds as soon as the head
 * moves, whole segments below it are deleted later, and the start never moves back across restarts,
 * whatever the retention of the next run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreRetentionTest {
    private static final String ROOM = FileStoreRecoveryTest.ROOM_NAME;

    @TempDir
    Path temp;

    private static FileStoreOptions retaining(long n) {
        return FileStoreOptions.builder().segmentBytes(64 * 1024).retainMessages(n).build();
    }

    private static void appendAll(FileMessageStore store, long from, long to) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Message m : FileStoreRecoveryTest.messages(from, to)) {
            all.add(store.append(m));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).orTimeout(60, TimeUnit.SECONDS).join();
    }

    private static List<Long> seqs(List<Message> messages) {
        return messages.stream().map(Message::seq).toList();
    }

    private long segmentFiles() throws IOException {
        Path room = temp.resolve("rooms").resolve(RoomDirectories.directoryName(ROOM));
        try (Stream<Path> files = Files.list(room)) {
            return files.filter(p -> p.toString().endsWith(".seg")).count();
        }
    }

    @Test
    void retention500_after8000Messages_firstIs7501_readsBeginThere_andOldSegmentsAreDeleted() throws Exception {
        try (FileMessageStore store = FileMessageStore.open(temp, retaining(500))) {
            store.create(ROOM, "", 1L);
            long segmentsAt500;
            appendAll(store, 1, 500);
            store.awaitSegmentsWritten();
            segmentsAt500 = segmentFiles();
            appendAll(store, 501, 8000);

            RoomInfo info = store.room(ROOM).orElseThrow();
            assertThat(info.firstSeq()).isEqualTo(7501);
            assertThat(info.lastSeq()).isEqualTo(8000);
            assertThat(seqs(store.readAfter(ROOM, 0, 3))).containsExactly(7501L, 7502L, 7503L);
            assertThat(seqs(store.readBefore(ROOM, 7600, 1000))).first().isEqualTo(7501L);
            assertThat(store.readBefore(ROOM, 7501, 10)).isEmpty();

            // The files go behind the start, whole segments at a time, as segments are sealed.
            store.awaitSegmentsWritten();
            assertThat(segmentFiles()).isLessThanOrEqualTo(segmentsAt500 + 1);
            assertThat(store.readAfter(ROOM, 0, 10_000)).hasSize(500);
        }
    }

    @Test
    void retentionWidenedOrRemoved_afterRestart_firstHasNotMovedBack() {
        try (FileMessageStore store = FileMessageStore.open(temp, retaining(500))) {
            store.create(ROOM, "", 1L);
            appendAll(store, 1, 8000);
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
        }
        try (FileMessageStore store = FileMessageStore.open(temp, retaining(5000))) {
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
            assertThat(seqs(store.readAfter(ROOM, 0, 1))).containsExactly(7501L);
            appendAll(store, 8001, 8100);
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
        }
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
            assertThat(seqs(store.readBefore(ROOM, Long.MAX_VALUE, 10_000))).first().isEqualTo(7501L);
        }
        try (FileMessageStore store = FileMessageStore.open(temp, retaining(10))) {
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(8091);
        }
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(8091);
        }
    }

    @Test
    void retentionByCount_withoutJournal_holdsAtOnceToo() {
        FileStoreOptions options = FileStoreOptions.builder().journal(false).segmentBytes(64 * 1024)
                .retainMessages(500).build();
        try (FileMessageStore store = FileMessageStore.open(temp, options)) {
            store.create(ROOM, "", 1L);
            appendAll(store, 1, 8000);
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
        }
        try (FileMessageStore store = FileMessageStore.open(temp)) {
            assertThat(store.room(ROOM).orElseThrow().firstSeq()).isEqualTo(7501);
        }
    }
}
