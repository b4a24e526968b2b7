package dev.parley.chat.benchmarks.store;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.Durability;
import dev.parley.chat.store.file.FileMessageStore;
import dev.parley.chat.store.file.FileStoreOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load figures of the file store: acknowledged appends per second with 1, 16 and 256 concurrent
 * publishers over 1, 16 and 256 rooms (200-byte bodies), in {@code FSYNC} and {@code NONE} mode, for
 * four publisher styles: a thread per publisher that waits for each ack ("threads, one at a time"),
 * a thread per publisher with 64 in flight ("pipelined 64"), and, as the engine uses the store, no
 * thread per publisher: each has one append in flight and issues the next from the previous one's
 * completion callback, on the store's completion thread ("async") or on a 2-thread pool
 * ("async-pool"); next to the raw ceiling of the disk measured
 * in the same run (one thread writing the same bytes with one {@code force} per batch); then the
 * reopen time of a room of 1 million messages after a clean and an unclean stop (including one
 * whose journal since the last checkpoint must be replayed), and the latency of reading its latest
 * 50 messages. The store runs with its defaults ({@code FSYNC} goes through the shared journal).
 *
 * <p>Run (after {@code ./mvnw -B -q install -DskipTests}):
 *
 * <pre>
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.store.FileStoreLoad [dataDir] [seconds]
 * </pre>
 *
 * The data directory defaults to a new one under {@code /work} (put it on the disk you want to
 * measure, not on tmpfs); each figure runs for {@code seconds} (default 3) after a 1 s warm-up.
 */
public final class FileStoreLoad {
    private static final String BODY = "b".repeat(200);

    private FileStoreLoad() {}

    /**
     * Runs every figure; arguments: {@code [dataDir] [secondsPerFigure] [mode publishers rooms style]}.
     * With the last four (for example {@code FSYNC 256 256 async}) it runs that one figure only, for
     * profiling. See the class for the command.
     */
    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory(Path.of("/work"), "parley-bench");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        Files.createDirectories(base);
        if (args.length > 5) {
            Durability d = args[2].equals("NONE") ? Durability.NONE : Durability.FSYNC;
            runFigure(base, d, Integer.parseInt(args[3]), Integer.parseInt(args[4]), Style.named(args[5]), seconds);
            deleteTree(base);
            return;
        }
        System.out.printf("data directory %s, %.1f s per figure, %d cores%n", base, seconds,
                Runtime.getRuntime().availableProcessors());
        int recordBytes = recordBytes();
        for (int batch : new int[] {1, 16, 256, 4096}) {
            System.out.printf("raw ceiling: %d-record batches (%d bytes each record), one force per batch: %,.0f records/s%n",
                    batch, recordBytes, rawCeiling(base.resolve("raw"), batch, recordBytes, seconds));
        }
        System.out.println();
        System.out.println("| mode | publishers | rooms | style | acks/s | ack p50 µs | ack p99 µs |");
        System.out.println("| --- | ---: | ---: | --- | ---: | ---: | ---: |");
        for (Durability d : new Durability[] {Durability.FSYNC, Durability.NONE}) {
            for (int publishers : new int[] {1, 16, 256}) {
                for (int rooms : new int[] {1, 16, 256}) {
                    for (Style style : Style.values()) {
                        runFigure(base, d, publishers, rooms, style, seconds);
                    }
                }
            }
        }
        System.out.println();
        reopenAndRead(base.resolve("million"));
        deleteTree(base);
    }

    private static int recordBytes() {
        // The store's framing adds a 16-byte header and the fixed fields to the body.
        return 16 + 8 * 3 + 2 + 4 * 3 + "m-0000000".length() + "user0".length() + BODY.length();
    }

    static Message message(String room, long seq) {
        return new Message(room, seq, "m-" + seq, "user" + (seq % 10), BODY, 1_700_000_000_000L + seq, MessageKind.TEXT,
                null, 0, 0, null);
    }

    /** One thread appending {@code batch} records with one write and one force per batch. */
    static double rawCeiling(Path dir, int batch, int recordBytes, double seconds) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("raw.log");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(batch * recordBytes);
            long records = 0;
            long position = 0;
            long warm = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < warm) {
                buf.clear();
                position += ch.write(buf, position);
                ch.force(false);
            }
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                buf.clear();
                position += ch.write(buf, position);
                ch.force(false);
                records += batch;
            }
            return records / ((System.nanoTime() - start) / 1e9);
        } finally {
            deleteTree(dir);
        }
    }

    record Result(double perSecond, long p50Micros, long p99Micros) {}

    /** How the publishers wait for their acks. */
    enum Style {
        /** A platform thread per publisher that blocks on each ack before its next append. */
        THREADS_ONE("threads, one at a time", "threads"),
        /** A platform thread per publisher that keeps up to 64 appends in flight. */
        THREADS_PIPELINED("threads, pipelined 64", "pipelined"),
        /**
         * No thread per publisher, as the engine's room actors use the store: each publisher has
         * exactly one append in flight and issues the next one from the completion callback of the
         * previous one, on the store's completion (flusher) thread. The call there is cheap: it
         * numbers the message under the room writer's (uncontended) lock, encodes it and queues it.
         */
        ASYNC_ONE("async, one at a time", "async"),
        /** As {@link #ASYNC_ONE}, but the callback hops to a pool of 2 threads (one per core) to append. */
        ASYNC_ONE_POOL("async via 2-thread pool, one at a time", "async-pool");

        final String label;
        final String key;

        Style(String label, String key) {
            this.label = label;
            this.key = key;
        }

        static Style named(String key) {
            for (Style s : values()) {
                if (s.key.equals(key)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("no style " + key);
        }
    }

    static void runFigure(Path base, Durability d, int publishers, int rooms, Style style, double seconds)
            throws Exception {
        Path dir = base.resolve("load-" + d.mode() + "-" + publishers + "-" + rooms + "-" + style.key);
        syncDisk();
        Result r = style == Style.ASYNC_ONE || style == Style.ASYNC_ONE_POOL
                ? loadAsync(dir, d, publishers, rooms, style == Style.ASYNC_ONE_POOL, seconds)
                : load(dir, d, publishers, rooms, style == Style.THREADS_ONE ? 1 : 64, seconds);
        System.out.printf("| %s | %d | %d | %s | %,.0f | %d | %d |%n", d, publishers, rooms, style.label, r.perSecond,
                r.p50Micros, r.p99Micros);
        deleteTree(dir);
    }

    /** The engine's one writer per room, reduced to its essence: a lock that numbers and appends. */
    static final class RoomWriter {
        final String room;
        long next = 1;

        RoomWriter(String room) {
            this.room = room;
        }

        synchronized CompletableFuture<Void> append(MessageStore store) {
            return store.append(message(room, next++));
        }
    }

    static Result load(Path dir, Durability durability, int publishers, int rooms, int inFlight, double seconds)
            throws Exception {
        FileStoreOptions options = FileStoreOptions.builder().durability(durability).maxOpenFiles(4096).build();
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            RoomWriter[] writers = new RoomWriter[rooms];
            for (int r = 0; r < rooms; r++) {
                writers[r] = new RoomWriter("room-" + r);
                store.create(writers[r].room, "", 1L);
            }
            Recorder latencies = new Recorder(3);
            LongAdder acks = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean measuring = new AtomicBoolean(false);
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                RoomWriter w = writers[p % rooms];
                Thread t = new Thread(() -> {
                    Semaphore window = new Semaphore(inFlight);
                    try {
                        start.await();
                        while (running.get()) {
                            window.acquire();
                            long sent = System.nanoTime();
                            w.append(store).whenComplete((v, e) -> {
                                window.release();
                                if (e == null && measuring.get()) {
                                    acks.increment();
                                    latencies.recordValue((System.nanoTime() - sent) / 1000);
                                }
                            });
                        }
                        window.acquire(inFlight);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "publisher-" + p);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            start.countDown();
            Thread.sleep(1000);
            latencies.reset();
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            long elapsed = System.nanoTime() - t0;
            running.set(false);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            Histogram h = latencies.getIntervalHistogram();
            return new Result(acks.sum() / (elapsed / 1e9), h.getValueAtPercentile(50), h.getValueAtPercentile(99));
        }
    }

    /** Flushes what earlier figures left dirty in the page cache, so that its writeback does not land in this one. */
    static void syncDisk() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            // No sync(1): figures may then include earlier figures' writeback.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code publishers} logical publishers, each with exactly one append in flight, and no thread of
     * their own: the next append is issued from the completion callback of the previous one, on the
     * store's completion thread ({@code pool == false}) or on a 2-thread pool.
     */
    static Result loadAsync(Path dir, Durability durability, int publishers, int rooms, boolean pool, double seconds)
            throws Exception {
        FileStoreOptions options = FileStoreOptions.builder().durability(durability).maxOpenFiles(4096).build();
        ExecutorService executor = pool ? Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "publisher-pool");
            t.setDaemon(true);
            return t;
        }) : null;
        try (FileMessageStore store = FileMessageStore.open(dir, options)) {
            RoomWriter[] writers = new RoomWriter[rooms];
            for (int r = 0; r < rooms; r++) {
                writers[r] = new RoomWriter("room-" + r);
                store.create(writers[r].room, "", 1L);
            }
            Recorder latencies = new Recorder(3);
            LongAdder acks = new LongAdder();
            AtomicLong failures = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean measuring = new AtomicBoolean(false);
            CountDownLatch stopped = new CountDownLatch(publishers);
            final class Publisher implements BiConsumer<Void, Throwable>, Runnable {
                final RoomWriter writer;
                long sent;

                Publisher(RoomWriter writer) {
                    this.writer = writer;
                }

                @Override
                public void run() {
                    if (!running.get()) {
                        stopped.countDown();
                        return;
                    }
                    sent = System.nanoTime();
                    writer.append(store).whenComplete(this);
                }

                @Override
                public void accept(Void v, Throwable e) {
                    if (e != null) {
                        // Never retried (it could recurse on an already failed future): this publisher stops.
                        if (failures.getAndIncrement() == 0) {
                            e.printStackTrace();
                        }
                        stopped.countDown();
                        return;
                    }
                    if (measuring.get()) {
                        acks.increment();
                        latencies.recordValue((System.nanoTime() - sent) / 1000);
                    }
                    if (executor != null) {
                        executor.execute(this);
                    } else {
                        run();
                    }
                }
            }
            for (int p = 0; p < publishers; p++) {
                new Publisher(writers[p % rooms]).run();
            }
            Thread.sleep(1000);
            latencies.reset();
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            long elapsed = System.nanoTime() - t0;
            running.set(false);
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("publishers did not stop");
            }
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " appends failed");
            }
            Histogram h = latencies.getIntervalHistogram();
            return new Result(acks.sum() / (elapsed / 1e9), h.getValueAtPercentile(50), h.getValueAtPercentile(99));
        } finally {
            if (executor != null) {
                executor.shutdown();
            }
        }
    }

    static void reopenAndRead(Path dir) throws Exception {
        String room = "big";
        long n = 1_000_000;
        FileStoreOptions fast = FileStoreOptions.builder().durability(Durability.NONE).build();
        try (FileMessageStore store = FileMessageStore.open(dir, fast)) {
            store.create(room, "", 1L);
            CompletableFuture<Void> last = null;
            for (long s = 1; s <= n; s++) {
                last = store.append(message(room, s));
                if (s % 65_536 == 0) {
                    last.join();
                }
            }
            last.join();
        }
        for (int i = 0; i < 3; i++) {
            System.out.printf("reopen of a room of %,d messages after a clean stop: %.1f ms%n", n, reopenMillis(dir, room, n));
        }
        Path roomDir;
        try (Stream<Path> s = Files.list(dir.resolve("rooms"))) {
            roomDir = s.findFirst().orElseThrow();
        }
        for (int i = 0; i < 3; i++) {
            // The state kill -9 leaves behind: no clean-shutdown marker.
            Files.deleteIfExists(roomDir.resolve("clean"));
            System.out.printf("reopen after an unclean stop (no clean marker, index intact, as after kill -9): %.1f ms%n",
                    reopenMillis(dir, room, n));
        }
        for (int i = 0; i < 2; i++) {
            // As after a power loss that lost the index's unflushed tail: the segment's tail is scanned.
            Files.deleteIfExists(roomDir.resolve("clean"));
            Path idx;
            try (Stream<Path> s = Files.list(roomDir)) {
                idx = s.filter(p -> p.toString().endsWith(".idx")).max(Comparator.naturalOrder()).orElseThrow();
            }
            try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
                ch.truncate(Math.max(32, ch.size() - 4L * 50_000));
            }
            System.out.printf("reopen after an unclean stop whose index lost its last 50,000 entries: %.1f ms%n",
                    reopenMillis(dir, room, n));
        }
        // As after kill -9 with a journal of almost one checkpoint's worth: every record since the last
        // checkpoint is replayed into the room's segment. The copy of the open store's directory holds
        // what the page cache held, which is what kill -9 leaves.
        long extra = 50_000;
        Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            CompletableFuture<Void> last = null;
            for (long s = n + 1; s <= n + extra; s++) {
                last = store.append(message(room, s));
            }
            last.join();
            copyTree(dir, crashed);
        }
        n += extra;
        for (int i = 0; i < 2; i++) {
            Path again = crashed.resolveSibling(crashed.getFileName() + "-" + i);
            copyTree(crashed, again);
            long journalBytes;
            try (Stream<Path> s = Files.list(again.resolve("journal"))) {
                journalBytes = s.mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("reopen after kill -9 with %,d bytes of journal since the last checkpoint (replayed): %.1f ms%n",
                    journalBytes, reopenMillis(again, room, n));
            deleteTree(again);
        }
        deleteTree(crashed);
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            Recorder rec = new Recorder(3);
            for (int round = 0; round < 2; round++) {
                rec.reset();
                for (int i = 0; i < 200_000; i++) {
                    long t0 = System.nanoTime();
                    List<Message> latest = store.readBefore(room, Long.MAX_VALUE, 50);
                    rec.recordValue(System.nanoTime() - t0);
                    if (latest.size() != 50 || latest.get(49).seq() != n) {
                        throw new IllegalStateException("wrong read: " + latest.size());
                    }
                }
            }
            Histogram h = rec.getIntervalHistogram();
            System.out.printf("read of the latest 50 messages of that room (200,000 reads): p50 %.1f µs, p99 %.1f µs, "
                            + "p99.9 %.1f µs, max %.1f µs%n", h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        }
    }

    static double reopenMillis(Path dir, String room, long expectedLast) {
        long t0 = System.nanoTime();
        try (FileMessageStore store = FileMessageStore.open(dir)) {
            long last = store.room(room).orElseThrow().lastSeq();
            double ms = (System.nanoTime() - t0) / 1e6;
            if (last != expectedLast) {
                throw new IllegalStateException("reopened at " + last);
            }
            return ms;
        }
    }

    /**
     * Copies an open store's directory as a crash leaves it: the journal first, since the segment
     * writer may still be writing records the journal holds (a checkpoint may then delete journal
     * files); the rooms, copied after, then hold at least what the copied journal lacks.
     */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            Path journal = from.resolve("journal");
            List<Path> all = walk.toList();
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
                        // A journal file a checkpoint deleted meanwhile: its records are in the segments.
                    }
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
