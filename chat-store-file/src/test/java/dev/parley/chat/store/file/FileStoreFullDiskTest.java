package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.spi.Sequencer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk (issue 12, item 3): publishing through the engine's sequencer fails while the disk
 * refuses writes, nothing that failed is acknowledged, and once space is freed publishing resumes
 * without a restart, every acknowledged message kept and no failed one stored.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreFullDiskTest {
    private static final List<String> ROOMS = List.of("a", "b", "c");

    @TempDir
    Path dir;

    /** A disk that refuses writes (after writing what still fits) once {@code limit} bytes were written. */
    static final class FullDisk extends Disk {
        final AtomicLong written = new AtomicLong();
        volatile long limit = Long.MAX_VALUE;

        @Override
        void write(FileChannel channel, Path path, ByteBuffer buf, long position) throws IOException {
            long room = limit - written.get();
            if (buf.remaining() > room) {
                ByteBuffer fits = buf.duplicate();
                fits.limit(fits.position() + (int) Math.max(0, room));
                written.addAndGet(fits.remaining());
                super.write(channel, path, fits, position);
                throw new IOException("No space left on device (injected)");
            }
            written.addAndGet(buf.remaining());
            super.write(channel, path, buf, position);
        }
    }

    /** Publishes one message to {@code room}; returns its seq, or -1 if it failed. */
    private static long publish(Sequencer sequencer, String room, String id) {
        try {
            return sequencer.append(Message.text(room, id, "u", "body " + id, 1L)).get(30, TimeUnit.SECONDS).message().seq();
        } catch (ExecutionException e) {
            return -1;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void diskFull_thenFreed_publishingResumesWithoutARestart_noFalseAck_everyAckKept() throws Exception {
        FullDisk disk = new FullDisk();
        FileStoreOptions options = FileStoreOptions.builder().checkpointInterval(Duration.ofMillis(50)).build();
        Map<String, String> ackedIdBySeqKey = new ConcurrentHashMap<>();
        Set<String> failedIds = new HashSet<>();
        FileMessageStore store = FileMessageStore.open(dir, options, disk);
        try {
            Sequencer sequencer = Sequencer.local(store, 1000);
            for (String room : ROOMS) {
                store.create(room, "", 1L);
            }
            int n = 0;
            for (int i = 0; i < 20; i++) {
                for (String room : ROOMS) {
                    String id = "before-" + n++;
                    long seq = publish(sequencer, room, id);
                    assertThat(seq).isPositive();
                    ackedIdBySeqKey.put(room + "/" + seq, id);
                }
            }

            // The disk fills up: publishing goes on until the writes are refused.
            disk.limit = disk.written.get() + 12_000;
            int failures = 0;
            while (failures < 30) {
                for (String room : ROOMS) {
                    String id = "during-" + n++;
                    long seq = publish(sequencer, room, id);
                    if (seq > 0) {
                        ackedIdBySeqKey.put(room + "/" + seq, id);
                    } else {
                        failedIds.add(id);
                        failures++;
                    }
                }
            }
            assertThat(store.damage()).isEmpty();

            // Space is freed: within a few probes publishing works again in every room, no restart.
            disk.limit = Long.MAX_VALUE;
            for (String room : ROOMS) {
                List<String> attempts = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    String id = "retry-" + room + "-" + attempts.size();
                    attempts.add(id);
                    long seq = publish(sequencer, room, id);
                    if (seq > 0) {
                        ackedIdBySeqKey.put(room + "/" + seq, id);
                        return true;
                    }
                    failedIds.add(id);
                    return false;
                });
            }
            for (int i = 0; i < 20; i++) {
                for (String room : ROOMS) {
                    String id = "after-" + n++;
                    long seq = publish(sequencer, room, id);
                    assertThat(seq).as("publishing after the disk was freed").isPositive();
                    ackedIdBySeqKey.put(room + "/" + seq, id);
                }
            }
            assertHoldsExactlyTheAcknowledged(store, ackedIdBySeqKey, failedIds);
        } finally {
            store.close();
        }
        try (FileMessageStore reopened = FileMessageStore.open(dir)) {
            assertHoldsExactlyTheAcknowledged(reopened, ackedIdBySeqKey, failedIds);
        }
    }

    /** Every room's seqs are 1..last without a gap, each acknowledged message at its seq, no failed one anywhere. */
    private static void assertHoldsExactlyTheAcknowledged(FileMessageStore store, Map<String, String> acked,
            Set<String> failed) {
        int found = 0;
        for (String room : ROOMS) {
            List<Message> all = store.readAfter(room, 0, 100_000);
            for (int i = 0; i < all.size(); i++) {
                Message m = all.get(i);
                assertThat(m.seq()).isEqualTo(i + 1);
                assertThat(failed).as("a failed publish was stored").doesNotContain(m.id());
                assertThat(acked.get(room + "/" + m.seq())).as("%s seq %d", room, m.seq()).isEqualTo(m.id());
                found++;
            }
        }
        assertThat(found).as("every acknowledged message is there").isEqualTo(acked.size());
    }
}
