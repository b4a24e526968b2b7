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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends with {@code FSYNC} to 64 rooms through the shared journal at random moments (SIGKILL, via {@link
 * Process#destroyForcibly()} on Linux) and checks after every reopen that each acknowledged record
 * is present and identical, seqs are gapless, nothing is duplicated, the sequence continues, and the
 * epoch never changes.
 */
class FileStoreCrashIT {
    private static final int KILLS = 50;
    private static final int ROOMS = 64;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void killedMidAppend_fiftyTimes_losesNoAcknowledgedRecord() throws Exception {
        Random random = new Random(20_261_101L);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        Map<String, String> epochs = new ConcurrentHashMap<>();
        List<Long> recoveryMicros = new ArrayList<>();
        long totalAcked = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            AtomicLong ackedThisRun = new AtomicLong();
            Process child = new ProcessBuilder(javaBinary(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString(),
                    String.valueOf(ROOMS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            Thread reader = new Thread(() -> readAcks(child, acked, ackedThisRun), "acks-" + kill);
            reader.start();
            long killAfter = 1 + random.nextInt(random.nextBoolean() ? 50 : 10_000);
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> ackedThisRun.get() >= killAfter || !child.isAlive());
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                reader.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(ackedThisRun.get()).as("the child acknowledged appends before it was killed").isPositive();
            totalAcked += ackedThisRun.get();

            long started = System.nanoTime();
            try (FileMessageStore store = FileMessageStore.open(dir, CrashChild.options())) {
                List<RoomInfo> infos = store.rooms();
                recoveryMicros.add((System.nanoTime() - started) / 1000);
                assertThat(infos).hasSize(ROOMS);
                for (RoomInfo info : infos) {
                    String room = info.room();
                    long mustHave = acked.getOrDefault(room, 0L);
                    assertThat(info.lastSeq()).as("last seq of %s after kill %d", room, kill).isGreaterThanOrEqualTo(mustHave);
                    // kill -9 loses nothing acknowledged, so the high mark never starts a new epoch.
                    assertThat(info.epoch()).as("epoch of %s after kill %d", room, kill)
                            .isEqualTo(epochs.computeIfAbsent(room, r -> info.epoch()));
                    long seq = 0;
                    while (true) {
                        List<Message> page = store.readAfter(room, seq, 10_000);
                        if (page.isEmpty()) {
                            break;
                        }
                        for (Message m : page) {
                            seq++;
                            assertThat(m).as("record %d of %s after kill %d", seq, room, kill)
                                    .isEqualTo(CrashChild.expected(room, seq));
                        }
                    }
                    assertThat(seq).as("records of %s", room).isEqualTo(info.lastSeq());
                    store.append(CrashChild.expected(room, seq + 1)).get(30, TimeUnit.SECONDS);
                    acked.put(room, seq + 1);
                }
            }
        }
        Collections.sort(recoveryMicros);
        System.out.printf("crash test: %d kills, %d acknowledged appends; reopen+recovery of %d rooms: "
                        + "median %d µs, p90 %d µs, max %d µs%n", KILLS, totalAcked, ROOMS,
                recoveryMicros.get(KILLS / 2), recoveryMicros.get(KILLS * 9 / 10), recoveryMicros.get(KILLS - 1));
    }

    private static void readAcks(Process child, Map<String, Long> acked, AtomicLong count) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("A ")) {
                    String[] parts = line.split(" ");
                    acked.merge(parts[1], Long.parseLong(parts[2]), Math::max);
                    count.incrementAndGet();
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
