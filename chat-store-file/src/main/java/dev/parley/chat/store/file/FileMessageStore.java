package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Ids;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link MessageStore}: each room is a directory of append-only segment files under
 * one data directory, appends of all rooms are committed in groups, and an acknowledged append
 * survives {@code kill -9} and, with {@link Durability#FSYNC} (the default), power loss.
 *
 * <pre>{@code
 * MessageStore store = FileMessageStore.open(Path.of("data"));
 * MessageStore tuned = FileMessageStore.open(Path.of("data"), FileStoreOptions.builder()
 *         .durability(Durability.interval(Duration.ofMillis(50)))
 *         .retainMessages(100_000)
 *         .build());
 * }</pre>
 *
 * <p>In {@code FSYNC} mode appends of all rooms go first to one shared journal, and one fsync of it
 * acknowledges a whole group; the rooms' segments are written behind it and fsynced at
 * checkpoints. The on-disk format is described in {@code FORMAT.md} of this module. A room's directory is
 * named by the hex of its id's UTF-8 bytes (or a SHA-256 of them for long ids), so no room id
 * ever becomes a path. Opening the store lists the rooms; a room's log is recovered the first
 * time it is used, and a cleanly closed room is not scanned at all.
 *
 * <p>A room whose write or fsync failed refuses appends with {@link StoreException} and stays
 * readable up to its last good record; reopening the store recovers it. A corrupt record in the
 * middle of a room fails only the reads that cross it (the message names the file and offset);
 * {@link #damage()} lists such records and {@link #repair} drops them into a new epoch. If recovery
 * finds acknowledged records gone from the end of a room, the room begins a new epoch, so a seq is
 * never handed out twice in one epoch.
 *
 * <p><b>Thread safety.</b> All methods may be called from any thread, concurrently. Appends are
 * completed by the store's flusher thread, so code chained on an append's future should not block.
 *
 * <p><b>Lifecycle.</b> {@link #open} takes an exclusive lock on the directory; {@link #close()}
 * commits what was appended, leaves each room a clean-shutdown marker and releases the lock.
 */
public final class FileMessageStore implements MessageStore {
    private static final Logger log = LoggerFactory.getLogger(FileMessageStore.class);
    private static final String ROOMS = "rooms";
    private static final String LOCK = "LOCK";
    private static final String NEW_PREFIX = ".new-";

    private final Path directory;
    private final Path roomsDirectory;
    private final FileStoreOptions options;
    private final Disk disk;
    private final OpenFiles files;
    private final GroupCommit flusher;
    private final Journal journal;
    private final ConcurrentHashMap<String, RoomLog> rooms = new ConcurrentHashMap<>();
    /**
     * Creations of one room are serialized by its stripe; different rooms are created in parallel
     * (each costs a few fsyncs).
     */
    private final Object[] creating = new Object[64];
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Releases the rooms unused for {@code idleTimeout}; null when rooms are never released. */
    private final ScheduledExecutorService idleSweeper;
    private volatile boolean closed;

    private FileMessageStore(Path directory, FileStoreOptions options, Disk disk) throws IOException {
        this.directory = directory;
        this.options = options;
        this.disk = disk;
        this.roomsDirectory = directory.resolve(ROOMS);
        Files.createDirectories(roomsDirectory);
        this.lockChannel = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock taken;
        try {
            taken = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            taken = null;
        }
        if (taken == null) {
            lockChannel.close();
            throw new StoreException("the store directory " + directory + " is in use by another store");
        }
        this.lock = taken;
        for (int i = 0; i < creating.length; i++) {
            creating[i] = new Object();
        }
        this.files = new OpenFiles(options.maxOpenFiles());
        boolean journaled = options.journal() && options.durability().mode() == Durability.Mode.FSYNC;
        try {
            listRooms();
            this.journal = replayJournal(journaled);
        } catch (IOException | RuntimeException e) {
            files.close();
            lock.release();
            lockChannel.close();
            throw e;
        }
        this.flusher = new GroupCommit(options.durability(), "parley-store", journaled ? journal : null, options);
        flusher.start();
        this.idleSweeper = options.idleTimeout().isZero() ? null : startIdleSweeper(options.idleTimeout());
    }

    private ScheduledExecutorService startIdleSweeper(Duration idle) {
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-store-idle");
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(10, Math.min(idle.toMillis() / 4, 5_000));
        long idleNanos = idle.toNanos();
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                long now = System.nanoTime();
                for (RoomLog room : rooms.values()) {
                    room.releaseIfIdle(now, idleNanos);
                }
            } catch (RuntimeException e) {
                log.warn("releasing idle rooms failed; trying again later", e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
        return sweeper;
    }

    /**
     * Opens (or creates) the store in {@code directory} with the default options: {@code FSYNC}, no
     * retention.
     *
     * @throws StoreException if the directory cannot be used or is in use by another store
     */
    public static FileMessageStore open(Path directory) {
        return open(directory, FileStoreOptions.defaults());
    }

    /**
     * Opens (or creates) the store in {@code directory} with {@code options}.
     *
     * @throws StoreException if the directory cannot be used or is in use by another store
     */
    public static FileMessageStore open(Path directory, FileStoreOptions options) {
        return open(directory, options, Disk.REAL);
    }

    static FileMessageStore open(Path directory, FileStoreOptions options, Disk disk) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(options, "options");
        try {
            return new FileMessageStore(directory.toAbsolutePath().normalize(), options, disk);
        } catch (IOException e) {
            throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The data directory. */
    public Path directory() {
        return directory;
    }

    /** The options the store was opened with. */
    public FileStoreOptions options() {
        return options;
    }

    /**
     * Waits until every acknowledged append is written to its room's segment (through the journal they
     * are written just after the acknowledgement); for tests that copy the directory of an open store.
     */
    void awaitSegmentsWritten() throws InterruptedException {
        flusher.awaitSegmentsWritten();
    }

    /**
     * The damage known in each room: seqs whose records are corrupt on disk or of which no copy
     * survived, found when a room was recovered or when a read met them, and kept (in the room's
     * {@code damage} file) until {@link #repair} drops them. Reads that cross a damaged range fail
     * with {@link StoreException}; appends, other reads and other rooms go on. A room's log is
     * recovered (and so checked) when it is first used, and a cleanly closed one is not scanned, so a
     * room not used yet, or a record not read since a clean close, may hide damage not listed yet.
     *
     * @return the rooms with damage, by room id in {@link String#compareTo} order; empty when none
     * @throws StoreException if the store is closed
     */
    public Map<String, List<DamagedRange>> damage() {
        checkOpen();
        Map<String, List<DamagedRange>> out = new java.util.TreeMap<>();
        for (RoomLog room : rooms.values()) {
            List<long[]> ranges = room.damage();
            if (!ranges.isEmpty()) {
                List<DamagedRange> list = new ArrayList<>(ranges.size());
                for (long[] r : ranges) {
                    list.add(new DamagedRange(r[0], r[1]));
                }
                out.put(room.id, List.copyOf(list));
            }
        }
        return out;
    }

    /**
     * Repairs a damaged room on purpose (an operator's step, see FORMAT.md "Repair"): the room's log
     * then begins after its last damaged seq, so the damaged records and all older ones are dropped,
     * the room begins a new epoch (clients resync, PROTOCOL §5.5), and its damage list is emptied.
     * Records after the damage are kept with their seqs. A server keeps the epoch it loaded while it
     * holds the room, so repair before handing the store to a server, or restart it after.
     *
     * @return true if the room had damage and was repaired, false if there was nothing to repair
     * @throws IllegalArgumentException if there is no such room
     * @throws StoreException if the store is closed or the repair cannot be written
     */
    public boolean repair(String room) {
        checkOpen();
        RoomLog log = rooms.get(room);
        if (log == null) {
            throw new IllegalArgumentException("no such room: " + room);
        }
        try {
            return log.repair();
        } catch (IOException e) {
            throw new StoreException("cannot repair room " + room + ": " + e.getMessage(), e);
        }
    }

    /** How many rooms hold their log in memory now (the others were never used or were released as idle). */
    int loadedRoomCount() {
        int n = 0;
        for (RoomLog room : rooms.values()) {
            if (room.isLoaded()) {
                n++;
            }
        }
        return n;
    }

    /** Whether the room holds its log in memory now; for tests of releasing idle rooms. */
    boolean isLoadedForTest(String room) {
        RoomLog log = rooms.get(room);
        return log != null && log.isLoaded();
    }

    /** How many files are open now; for tests of the cap. */
    int openFileCount() {
        return files.openCount();
    }

    private void listRooms() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(roomsDirectory)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(NEW_PREFIX)) {
                    // A creation the crash interrupted before its rename: the room never existed.
                    deleteTree(p);
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    continue;
                }
                RoomLog room = RoomLog.fromDirectory(p, disk, files, options, () -> { });
                if (room == null) {
                    log.error("ignoring room directory {}: its {} is missing or damaged", p, RoomDirectories.META);
                    continue;
                }
                if (!RoomDirectories.directoryName(room.id).equals(name)) {
                    log.error("ignoring room directory {}: it holds room {}, whose directory is {}", p, room.id,
                            RoomDirectories.directoryName(room.id));
                    continue;
                }
                rooms.put(room.id, room);
            }
        }
    }

    /**
     * Replays the journal left by the last run into the rooms it names, fsyncs them, and deletes
     * the journal (FORMAT.md, "Recovery"), whatever the mode this store runs in. A journal that is
     * corrupt, or names a room without a directory, or whose replay failed, is kept.
     */
    private Journal replayJournal(boolean journaled) throws IOException {
        long started = System.nanoTime();
        Path journalDirectory = directory.resolve(Journal.DIRECTORY);
        Journal.Recovered recovered = Journal.recover(journalDirectory, disk);
        String keep = recovered.corruption;
        Map<String, List<Journal.Entry>> byRoom = new LinkedHashMap<>();
        for (Journal.Entry e : recovered.entries) {
            byRoom.computeIfAbsent(e.room(), r -> new ArrayList<>()).add(e);
        }
        List<RoomLog> replayed = new ArrayList<>();
        for (Map.Entry<String, List<Journal.Entry>> e : byRoom.entrySet()) {
            if (!rooms.containsKey(e.getKey())) {
                log.error("the journal holds {} records of room {}, which has no directory; keeping the journal",
                        e.getValue().size(), e.getKey());
                keep = "it holds records of room " + e.getKey() + ", which has no directory";
            } else {
                replayed.add(rooms.get(e.getKey()));
            }
        }
        // Rooms recover independently, and most of the work is fsyncs: in parallel, as group commit does.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, replayed.size())), r -> {
            Thread t = new Thread(r, "parley-store-recovery");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (RoomLog room : replayed) {
                List<Journal.Entry> entries = byRoom.get(room.id);
                done.add(pool.submit(() -> {
                    room.recoverFromJournal(entries);
                    if (room.failure() == null) {
                        room.checkpoint();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while replaying the journal", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdown();
        }
        for (RoomLog room : replayed) {
            if (room.failure() != null) {
                keep = "the replay of room " + room.id + " failed";
            }
        }
        Journal j = Journal.open(journalDirectory, disk, recovered, keep, journaled);
        j.deleteRecovered();
        if (!recovered.files.isEmpty()) {
            log.info("replayed {} journal records ({} bytes) into {} rooms in {} ms", recovered.entries.size(),
                    recovered.scannedBytes, replayed.size(), (System.nanoTime() - started) / 1_000_000);
        }
        return j;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("the store is closed");
        }
    }

    @Override
    public Optional<RoomInfo> room(String room) {
        checkOpen();
        RoomLog log = rooms.get(room);
        return log == null ? Optional.empty() : Optional.of(log.info());
    }

    @Override
    public Optional<RoomInfo> create(String room, String topic, long createdAt) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(topic, "topic");
        checkOpen();
        synchronized (creating[(room.hashCode() & Integer.MAX_VALUE) % creating.length]) {
            if (rooms.containsKey(room)) {
                return Optional.empty();
            }
            Path target = roomsDirectory.resolve(RoomDirectories.directoryName(room));
            String epoch = Ids.newEpoch();
            Path temp = roomsDirectory.resolve(NEW_PREFIX + epoch);
            try {
                // The room appears whole or not at all: build it under a temporary name, then rename.
                Files.createDirectory(temp);
                disk.createDurably(temp.resolve(RoomDirectories.META), new RoomDirectories.Meta(room, epoch, topic, createdAt).bytes());
                if (options.retainMessages() != Long.MAX_VALUE) {
                    // The retention the room's first records are appended under, for the start of later runs.
                    disk.createDurably(temp.resolve(Retention.START), Retention.startBytes(0, options.retainMessages()));
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                disk.syncDirectory(roomsDirectory);
            } catch (FileAlreadyExistsException e) {
                deleteQuietly(temp);
                throw new StoreException("room " + room + " has a directory the store did not list: " + target, e);
            } catch (IOException e) {
                deleteQuietly(temp);
                throw new StoreException("cannot create room " + room + ": " + e.getMessage(), e);
            }
            RoomLog created = new RoomLog(new RoomDirectories.Meta(room, epoch, topic, createdAt), target, disk, files, options,
                    () -> { });
            created.markNew();
            rooms.put(room, created);
            return Optional.of(created.info());
        }
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("the store is closed"));
        }
        StoreException unavailable = journal.failure();
        if (unavailable != null) {
            return CompletableFuture.failedFuture(unavailable);
        }
        RoomLog room = rooms.get(message.room());
        if (room == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no such room: " + message.room()));
        }
        try {
            // Encoding here spreads the work over the callers' threads; the flusher only writes.
            GroupCommit.Pending p = new GroupCommit.Pending(room, message, Records.encode(message));
            room.accept(message, () -> flusher.submit(p));
            return p.done;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<Message> readAfter(String room, long afterSeq, int limit) {
        checkOpen();
        RoomLog log = rooms.get(room);
        return log == null ? List.of() : log.readAfter(afterSeq, limit);
    }

    @Override
    public List<Message> readBefore(String room, long beforeSeq, int limit) {
        checkOpen();
        RoomLog log = rooms.get(room);
        return log == null ? List.of() : log.readBefore(beforeSeq, limit);
    }

    @Override
    public long readMarker(String room, String user) {
        checkOpen();
        RoomLog log = rooms.get(room);
        return log == null ? 0 : log.readMarker(user);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if there is no such room
     */
    @Override
    public long moveReadMarker(String room, String user, long seq) {
        checkOpen();
        RoomLog log = rooms.get(room);
        if (log == null) {
            throw new IllegalArgumentException("no such room: " + room);
        }
        return log.moveReadMarker(user, seq);
    }

    @Override
    public List<RoomInfo> rooms() {
        checkOpen();
        List<RoomLog> all = new ArrayList<>(rooms.values());
        all.sort(Comparator.comparing(r -> r.id.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        List<RoomInfo> out = new ArrayList<>(all.size());
        for (RoomLog r : all) {
            out.add(r.info());
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (idleSweeper != null) {
            idleSweeper.shutdownNow();
            try {
                idleSweeper.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flusher.stop();
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        boolean durable = true;
        List<RoomLog> loaded = new ArrayList<>();
        for (RoomLog room : rooms.values()) {
            if (room.failure() != null) {
                durable = false;
            }
            if (room.isLoaded()) {
                loaded.add(room);
            }
        }
        // Each loaded room costs a few fsyncs: in parallel, as checkpoints do. Released rooms cost nothing.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, loaded.size())), r -> {
            Thread t = new Thread(r, "parley-store-close");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>(loaded.size());
            for (RoomLog room : loaded) {
                done.add(pool.submit(() -> {
                    try {
                        room.closeCleanly();
                    } catch (IOException | RuntimeException e) {
                        log.error("room {}: cannot close cleanly", room.id, e);
                        failed.add(room.id);
                    }
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failed.add(String.valueOf(e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed.add("interrupted");
                    break;
                }
            }
        } finally {
            pool.shutdown();
        }
        try {
            // Every room is fsynced and marked clean: the journal holds nothing they lack.
            journal.close(durable && failed.isEmpty());
        } catch (IOException e) {
            log.error("closing the journal in {} failed; the next open replays it", directory, e);
        }
        files.close();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("releasing the lock of {} failed", directory, e);
        }
        if (!failed.isEmpty()) {
            throw new StoreException("rooms " + failed + " could not be made durable on close");
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException e) {
            log.warn("cannot delete {}", p, e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
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
