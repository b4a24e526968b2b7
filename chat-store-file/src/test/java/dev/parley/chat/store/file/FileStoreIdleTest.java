package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle rooms let go (issue 12, item 4): a room unused for the idle time releases its open files,
 * segment list and buffers; using it again reopens it with everything there; and a store whose
 * rooms were released closes at once.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class FileStoreIdleTest {
    private static final int ROOMS = 20_000;

    @TempDir
    Path temp;

    private static Message first(String room) {
        return new Message(room, 1, "m-" + room, "u", "hello " + room, 1_700_000_000_000L, MessageKind.TEXT, null, 0, 0,
                null);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void twentyThousandRoomsWrittenOnce_areReleasedAfterTheIdleTime_reopenOnUse_andCloseInUnderASecond() {
        FileStoreOptions options = FileStoreOptions.builder().idleTimeout(Duration.ofSeconds(2))
                .checkpointInterval(Duration.ofMillis(200)).build();
        FileMessageStore store = FileMessageStore.open(temp, options);
        long closeMillis;
        try {
            long started = System.nanoTime();
            long before = usedHeap();
            // As room actors do: rooms created and written from several threads at once.
            ExecutorService writers = Executors.newFixedThreadPool(16);
            List<CompletableFuture<Void>> appends = new ArrayList<>(ROOMS);
            for (int r = 0; r < ROOMS; r++) {
                String room = "room-" + r;
                appends.add(CompletableFuture.supplyAsync(() -> store.create(room, "", 1L), writers)
                        .thenCompose(created -> store.append(first(room))));
            }
            CompletableFuture.allOf(appends.toArray(new CompletableFuture[0])).orTimeout(120, TimeUnit.SECONDS).join();
            writers.shutdown();
            appends.clear(); // so that the heap figures below count the store, not this test's futures
            long written = System.nanoTime();
            int loaded = store.loadedRoomCount();
            long loadedHeap = usedHeap() - before;

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> store.loadedRoomCount() == 0);
            long released = System.nanoTime();
            long releasedHeap = usedHeap() - before;
            assertThat(store.openFileCount()).isZero();
            System.out.printf("idle rooms: %d rooms created and written in %d ms, all released %d ms later; heap: %d KiB"
                    + " with %d rooms loaded, %d KiB with none%n", ROOMS, (written - started) / 1_000_000,
                    (released - written) / 1_000_000, loadedHeap / 1024, loaded, releasedHeap / 1024);

            // Used again, a released room is all there and takes appends.
            assertThat(store.readAfter("room-7", 0, 10)).containsExactly(first("room-7"));
            Message next = new Message("room-7", 2, "m-2", "u", "again", 2L, MessageKind.TEXT, null, 0, 0, null);
            store.append(next).orTimeout(30, TimeUnit.SECONDS).join();
            assertThat(store.room("room-7").orElseThrow().lastSeq()).isEqualTo(2);
        } finally {
            long closing = System.nanoTime();
            store.close();
            closeMillis = (System.nanoTime() - closing) / 1_000_000;
        }
        System.out.printf("idle rooms: close of %d rooms in %d ms%n", ROOMS, closeMillis);
        assertThat(closeMillis).as("clean close of %d released rooms, ms", ROOMS).isLessThan(1000);

        long reopening = System.nanoTime();
        FileMessageStore reopened = FileMessageStore.open(temp, options);
        try {
            assertThat(reopened.rooms()).as("every room, each loaded to answer").hasSize(ROOMS);
            assertThat(reopened.readAfter("room-7", 0, 10)).hasSize(2);
            assertThat(reopened.readAfter("room-19999", 0, 10)).containsExactly(first("room-19999"));
        } finally {
            long loadedAll = System.nanoTime();
            reopened.close();
            long closed = System.nanoTime();
            System.out.printf("idle rooms: reopen and load of %d rooms in %d ms, then close (all loaded, only read) in"
                    + " %d ms%n", ROOMS, (loadedAll - reopening) / 1_000_000, (closed - loadedAll) / 1_000_000);
        }
    }

    /**
     * Rooms released and loaded again while they are written and read: with an idle time shorter
     * than the writers' pauses, every acknowledged message is read back in order, through the journal
     * and without it.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void roomsReleasedAndReloadedUnderUse_loseNothing(boolean journal) throws Exception {
        FileStoreOptions options = FileStoreOptions.builder().journal(journal).idleTimeout(Duration.ofMillis(5))
                .checkpointInterval(Duration.ofMillis(5)).build();
        int rooms = 4;
        int perRoom = 150;
        java.util.concurrent.atomic.AtomicInteger reloads = new java.util.concurrent.atomic.AtomicInteger();
        try (FileMessageStore store = FileMessageStore.open(temp, options)) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int r = 0; r < rooms; r++) {
                String room = "busy-" + r;
                store.create(room, "", 1L);
                java.util.Random random = new java.util.Random(r);
                threads.add(new Thread(() -> {
                    try {
                        for (long seq = 1; seq <= perRoom; seq++) {
                            Message m = new Message(room, seq, "m-" + seq, "u", "b" + seq, seq, MessageKind.TEXT, null,
                                    0, 0, null);
                            store.append(m).get(30, TimeUnit.SECONDS);
                            store.moveReadMarker(room, "u", seq);
                            if (random.nextInt(4) == 0) {
                                // A pause longer than the idle time, so that the room is released meanwhile.
                                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15));
                                if (!store.isLoadedForTest(room)) {
                                    reloads.incrementAndGet();
                                }
                            }
                            List<Message> all = store.readAfter(room, 0, perRoom);
                            assertThat(all).hasSize((int) seq);
                            assertThat(all.get((int) seq - 1)).isEqualTo(m);
                            assertThat(store.readMarker(room, "u")).isEqualTo(seq);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            assertThat(failures).isEmpty();
        }
        assertThat(reloads.get()).as("rooms were released while in use").isPositive();
        try (FileMessageStore store = FileMessageStore.open(temp, options)) {
            for (int r = 0; r < rooms; r++) {
                assertThat(store.readAfter("busy-" + r, 0, 1000)).hasSize(perRoom);
                assertThat(store.readMarker("busy-" + r, "u")).isEqualTo(perRoom);
            }
        }
    }
}
