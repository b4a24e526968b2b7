package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.spi.RoomInfo;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends to a room retaining 500 messages (SIGKILL) once more than 8 000 are
 * acknowledged, then at random later moments, and checks after every restart that the room's first
 * seq has not moved back from the highest first the child saw, whether the restart keeps the same
 * retention or none at all, and that every acknowledged record from there on is present.
 */
class FileStoreRetentionCrashIT {
    private static final int KILLS = 4;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void killedAfter8000Appends_retention500_firstNeverMovesBackAcrossRestarts() throws Exception {
        Random random = new Random(20_261_204L);
        AtomicLong acked = new AtomicLong();
        AtomicLong firstSeen = new AtomicLong();
        for (int kill = 0; kill < KILLS; kill++) {
            long killAt = kill == 0 ? 8000 + random.nextInt(500) : acked.get() + 1 + random.nextInt(3000);
            Process child = new ProcessBuilder(javaBinary(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), RetentionCrashChild.class.getName(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            Thread reader = new Thread(() -> readAcks(child, acked, firstSeen), "acks-" + kill);
            reader.start();
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
                        .until(() -> acked.get() >= killAt || !child.isAlive());
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                reader.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(acked.get()).as("acknowledged before kill %d", kill).isGreaterThanOrEqualTo(killAt);
            assertThat(firstSeen.get()).isGreaterThanOrEqualTo(acked.get() - 2 * RetentionCrashChild.RETAIN);

            // Odd restarts drop the retention: the start must still hold, since it is persisted.
            FileStoreOptions reopen = kill % 2 == 0 ? RetentionCrashChild.options() : FileStoreOptions.builder()
                    .segmentBytes(64 * 1024).build();
            try (FileMessageStore store = FileMessageStore.open(dir, reopen)) {
                RoomInfo info = store.room(RetentionCrashChild.ROOM).orElseThrow();
                assertThat(info.lastSeq()).as("last after kill %d", kill).isGreaterThanOrEqualTo(acked.get());
                assertThat(info.firstSeq()).as("first after kill %d", kill).isGreaterThanOrEqualTo(firstSeen.get())
                        .isGreaterThanOrEqualTo(info.lastSeq() - RetentionCrashChild.RETAIN + 1);
                List<Message> kept = store.readAfter(RetentionCrashChild.ROOM, 0, 100_000);
                assertThat(kept.get(0).seq()).isEqualTo(info.firstSeq());
                for (int i = 0; i < kept.size(); i++) {
                    assertThat(kept.get(i)).isEqualTo(CrashChild.expected(RetentionCrashChild.ROOM, info.firstSeq() + i));
                }
                assertThat(kept.get(kept.size() - 1).seq()).isEqualTo(info.lastSeq());
                firstSeen.accumulateAndGet(info.firstSeq(), Math::max);
                acked.accumulateAndGet(info.lastSeq(), Math::max);
            }
        }
        System.out.printf("retention crash test: %d kills, %d appends, first seq %d%n", KILLS, acked.get(),
                firstSeen.get());
    }

    private static void readAcks(Process child, AtomicLong acked, AtomicLong firstSeen) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("A ")) {
                    String[] parts = line.split(" ");
                    acked.accumulateAndGet(Long.parseLong(parts[1]), Math::max);
                    firstSeen.accumulateAndGet(Long.parseLong(parts[2]), Math::max);
                }
            }
        } catch (java.io.IOException e) {
            // The pipe breaks when the child dies; what was read is what was acknowledged.
        }
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
