package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A write or fsync that fails: nothing is acknowledged, the room is unavailable, a reopen recovers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileStoreFaultTest {
    @TempDir
    Path dir;

    /** Fails writes or fsyncs of segment files while switched on. */
    static final class FaultyDisk extends Disk {
        volatile boolean failWrites;
        volatile boolean failForces;
        volatile String onlyPathContaining = "";

        @Override
        void write(FileChannel channel, Path path, ByteBuffer buf, long position) throws IOException {
            if (failWrites && path.toString().endsWith(".seg") && path.toString().contains(onlyPathContaining)) {
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
            if (failForces && path.toString().endsWith(".seg") && path.toString().contains(onlyPathContaining)) {
                throw new IOException("injected fsync failure");
            }
            super.force(channel, path);
        }
    }

    private static Message message(String room, long seq) {
        return Message.text(room, "m" + seq, "u", "body " + seq, seq).withSeq(seq);
    }

    @ParameterizedTest
    @ValueSource(strings = {"write", "fsync"})
    void failure_failsTheAppendsInFlight_marksTheRoomUnavailable_andReopenRecovers(String what) {
        FaultyDisk disk = new FaultyDisk();
        FileMessageStore store = FileMessageStore.open(dir, FileStoreOptions.defaults(), disk);
        store.create("bad", "", 1L);
        store.create("good", "", 1L);
        disk.onlyPathContaining = FileMessageStore.directoryName("bad");
        for (long s = 1; s <= 5; s++) {
            store.append(message("bad", s)).join();
            store.append(message("good", s)).join();
        }

        if (what.equals("write")) {
            disk.failWrites = true;
        } else {
            disk.failForces = true;
        }
        CompletableFuture<Void> failed = store.append(message("bad", 6));
        assertThat(failed).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(StoreException.class);
        assertThat(store.room("bad").orElseThrow().lastSeq()).isEqualTo(5);
        assertThat(store.readAfter("bad", 0, 100)).hasSize(5);

        disk.failWrites = false;
        disk.failForces = false;
        assertThat(store.append(message("bad", 7))).failsWithin(30, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(StoreException.class);
        store.append(message("good", 6)).join();
        store.close();

        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            long last = reopened.room("bad").orElseThrow().lastSeq();
            assertThat(last).isBetween(5L, 6L);
            assertThat(reopened.readAfter("bad", 0, 100)).extracting(Message::seq).hasSize((int) last);
            reopened.append(message("bad", last + 1)).join();
            assertThat(reopened.readAfter("good", 0, 100)).hasSize(6);
        }
    }

    @Test
    void unavailableRoom_answersTheSequencersReload_withItsLastAcknowledgedSeq() {
        FaultyDisk disk = new FaultyDisk();
        try (FileMessageStore store = FileMessageStore.open(dir, FileStoreOptions.defaults(), disk)) {
            store.create("r", "", 1L);
            store.append(message("r", 1)).join();
            disk.failForces = true;
            assertThat(store.append(message("r", 2))).failsWithin(30, TimeUnit.SECONDS);
            assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(1);
            assertThat(store.readBefore("r", 100, 10)).extracting(Message::seq).containsExactly(1L);
        }
    }
}
