package dev.parley.chat.store.file;

import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared write-ahead journal of {@code FSYNC} mode (FORMAT.md, "Journal"): the records of all
 * rooms go to one file, so that one fsync acknowledges a batch whatever the number of rooms it
 * touches. The room segments are written behind it without fsync and made durable at checkpoints,
 * after which the journal files they cover are deleted.
 *
 * <p>Written only by the flusher thread (and by the store's open and close, which run while no
 * flusher writes); {@link #failure()} may be read from any thread.
 */
final class Journal {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    static final String DIRECTORY = "journal";
    static final String SUFFIX = ".jnl";
    static final int MAGIC = SmallFiles.magic("PRLJ");
    /** {@code [length u32][crc u32][lsn u64]}, then the body of {@code length} bytes. */
    static final int HEADER_BYTES = 16;
    /** A room id longer than this is garbage (ids are far shorter; the directory name hashes long ones). */
    private static final int MAX_ROOM_BYTES = 1 << 20;
    private static final int MAX_BODY_BYTES = 4 + MAX_ROOM_BYTES + Records.HEADER_BYTES + Records.MAX_PAYLOAD_BYTES;

    /** One record found by recovery: the room, the seq and the segment record to write for it. */
    record Entry(String room, long seq, byte[] record) {}

    /** What {@link #recover} found in the journal directory. */
    static final class Recovered {
        /** Valid records after the last checkpoint, in journal order (each room's in seq order). */
        final List<Entry> entries = new ArrayList<>();
        /** Every journal file present: deleted once the rooms they feed are durable. */
        final List<Path> files = new ArrayList<>();
        /** The LSN the next record gets. */
        long nextLsn = 1;
        /** Bytes read. */
        long scannedBytes;
        /** Non-null if a damaged record is followed by valid ones: the journal is kept and appends refused. */
        String corruption;
    }

    private final Path directory;
    private final Disk disk;
    /** Files before the current one; every record in them is covered by the next checkpoint. */
    private final List<Path> older = new ArrayList<>();
    private FileChannel channel;
    private Path file;
    private long position;
    private long nextLsn;
    private long bytesSinceCheckpoint;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    /** Set when the files must outlive the next checkpoint: something they hold is nowhere else. */
    private volatile String pinned;
    /** Rooms whose segments lack acknowledged records only the journal holds, until they write them again. */
    private final Set<RoomLog> pinningRooms = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile StoreException failure;
    /** The failure is the disk's (a write or fsync failed) and a probe may end it; false for a corrupt journal. */
    private volatile boolean recoverable;
    /** The end of the last record made durable in the current file, and the LSN after it. Flusher thread. */
    private long durablePosition;
    private long durableNextLsn;

    private Journal(Path directory, Disk disk, long nextLsn) {
        this.directory = directory;
        this.disk = disk;
        this.nextLsn = nextLsn;
    }

    static Path fileName(Path directory, long firstLsn) {
        return directory.resolve(String.format("%020d", firstLsn) + SUFFIX);
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * The journal after recovery. {@code recovered.files} stay until the first checkpoint (or
     * forever, if {@code keepWhy} is non-null); a new file is begun if {@code writable}.
     */
    static Journal open(Path directory, Disk disk, Recovered recovered, String keepWhy, boolean writable)
            throws IOException {
        Journal j = new Journal(directory, disk, recovered.nextLsn);
        j.older.addAll(recovered.files);
        j.pinned = keepWhy;
        if (recovered.corruption != null) {
            j.failure = new StoreException("the store is unavailable until the journal is repaired: "
                    + recovered.corruption);
            return j;
        }
        if (writable) {
            j.begin();
        }
        return j;
    }

    /** The failure that makes the whole store refuse appends, or null. */
    StoreException failure() {
        return failure;
    }

    void fail(String what, Throwable cause) {
        if (failure == null) {
            failure = new StoreException("the store is unavailable until it is reopened: " + what, cause);
            log.error("the store is unavailable until it is reopened: {}", what, cause);
        }
        recoverable = false;
        pin(what);
    }

    /**
     * A journal write or fsync failed (a full or failing disk): appends fail until {@link #tryRecover}
     * finds the disk working again. Nothing is pinned: the failed groups were not acknowledged, and
     * what was acknowledged is durable in the journal's files, which a failed journal never deletes.
     */
    void failWrite(String what, Throwable cause) {
        if (failure == null) {
            failure = new StoreException("the store is unavailable while its disk fails: " + what, cause);
            recoverable = true;
            log.error("the store refuses appends while its disk fails, and probes it: {}", what, cause);
        }
    }

    boolean isRecoverable() {
        return failure != null && recoverable;
    }

    /**
     * The probe after a write failure, on the flusher thread: cuts the current file back to its last
     * durable record (and fsyncs the cut), so that no replay ever sees the failed groups, whose seqs
     * will be given to other messages; then begins a new file (a write and fsync of its header, and of
     * the directory) that continues the LSNs. The fsync that failed is never retried: its data is cut.
     * Returns true if appends may resume.
     */
    boolean tryRecover() {
        if (failure == null) {
            return true;
        }
        if (!recoverable) {
            return false;
        }
        try {
            if (channel != null) {
                disk.truncate(channel, file, durablePosition);
                channel.close();
                channel = null;
                if (durablePosition > SmallFiles.FILE_HEADER_BYTES) {
                    synchronized (this) {
                        older.add(file);
                    }
                } else {
                    Files.deleteIfExists(file); // holds nothing durable; its name is the new file's
                }
            }
            nextLsn = durableNextLsn;
            Files.deleteIfExists(fileName(directory, nextLsn)); // left by a probe that failed midway
            begin();
        } catch (IOException | RuntimeException e) {
            log.warn("the store's disk still fails ({}); probing again later", e.toString());
            return false;
        }
        log.warn("the store's disk works again: appends resume (the appends that failed stay failed)");
        recoverable = false;
        failure = null;
        return true;
    }

    /** Keeps every journal file until {@code room} has written its acknowledged records to its segments again. */
    synchronized void pinFor(RoomLog room) {
        if (pinningRooms.add(room)) {
            log.warn("keeping the journal in {} until room {} writes its segment again", directory, room.id);
        }
    }

    synchronized void unpinFor(RoomLog room) {
        pinningRooms.remove(room);
    }

    /** Keeps every journal file until the store is reopened: something in them may be nowhere else. */
    synchronized void pin(String why) {
        if (pinned == null) {
            pinned = why;
            log.warn("keeping the journal in {} until the store is reopened: {}", directory, why);
        }
    }

    synchronized boolean isPinned() {
        return pinned != null || !pinningRooms.isEmpty();
    }

    long bytesSinceCheckpoint() {
        return bytesSinceCheckpoint;
    }

    private void begin() throws IOException {
        Path next = fileName(directory, nextLsn);
        // Created durably, so a crash never leaves records in a file whose name the directory lost.
        disk.createDurably(next, SmallFiles.fileHeader(MAGIC, nextLsn, System.currentTimeMillis()));
        channel = FileChannel.open(next, StandardOpenOption.READ, StandardOpenOption.WRITE);
        synchronized (this) {
            file = next;
            position = SmallFiles.FILE_HEADER_BYTES;
            durablePosition = position;
            durableNextLsn = nextLsn;
        }
    }

    /**
     * The checkpoint's first step, on the flusher thread: begins a new file (if the current one holds
     * a record and nothing pins the journal) and returns the LSN the next record gets. Once every
     * record before that LSN is in fsynced segments, {@link #deleteBefore} deletes the files that hold
     * them.
     */
    long rotate() throws IOException {
        bytesSinceCheckpoint = 0;
        if (!isPinned() && failure == null && channel != null && position > SmallFiles.FILE_HEADER_BYTES) {
            FileChannel old = channel;
            synchronized (this) {
                older.add(file);
            }
            channel = null;
            old.close();
            begin();
        }
        return nextLsn;
    }

    /**
     * The checkpoint's last step, on the segment writer's thread once every record before {@code lsn}
     * is in fsynced segments: deletes the files before the one that holds {@code lsn}, oldest first,
     * unless something pins the journal.
     */
    void deleteBefore(long lsn) throws IOException {
        List<Path> doomed = new ArrayList<>();
        synchronized (this) {
            if (pinned != null || !pinningRooms.isEmpty() || failure != null) {
                return;
            }
            for (Path p : older) {
                String name = p.getFileName().toString();
                if (Long.parseLong(name.substring(0, name.length() - SUFFIX.length())) < lsn) {
                    doomed.add(p);
                }
            }
        }
        if (doomed.isEmpty()) {
            return;
        }
        // Oldest first: a crash midway leaves a consecutive run of newer files (FORMAT.md, recovery).
        Collections.sort(doomed);
        for (Path p : doomed) {
            Files.deleteIfExists(p);
        }
        disk.syncDirectory(directory);
        synchronized (this) {
            older.removeAll(doomed);
        }
    }

    private synchronized void deleteOlder() throws IOException {
        if (older.isEmpty()) {
            return;
        }
        // Oldest first: a crash midway leaves a consecutive run of newer files (FORMAT.md, recovery).
        Collections.sort(older);
        for (Path p : older) {
            Files.deleteIfExists(p);
        }
        older.clear();
        disk.syncDirectory(directory);
    }

    /** Deletes the rooms' recovered journal now that they are durable; at open, before any write. */
    void deleteRecovered() throws IOException {
        if (!isPinned() && failure == null) {
            older.removeIf(p -> p.equals(file));
            deleteOlder();
        }
    }

    /**
     * Closes the file; deletes every journal file if {@code everythingDurable} (all rooms were
     * fsynced and left a clean marker) and nothing pins them.
     */
    void close(boolean everythingDurable) throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
            if (everythingDurable && !isPinned() && failure == null) {
                older.add(file);
            }
        }
        if (everythingDurable && !isPinned() && failure == null) {
            deleteOlder();
        }
    }

    // ---------------------------------------------------------------- writing (flusher thread)

    /** Writes one record per pending append with one write; not yet durable. */
    void append(List<GroupCommit.Pending> batch) throws IOException {
        if (channel == null) {
            throw new IOException("the journal is not open for writing");
        }
        long total = 0;
        for (GroupCommit.Pending p : batch) {
            total += HEADER_BYTES + 4 + p.room.idBytes.length + p.record.length;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IOException("a batch of " + total + " bytes is too large for one write");
        }
        if (buffer.capacity() < total) {
            buffer = ByteBuffer.allocateDirect((int) Math.max(total, 2L * buffer.capacity())).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer b = buffer;
        b.clear();
        long lsn = nextLsn;
        for (GroupCommit.Pending p : batch) {
            int start = b.position();
            byte[] id = p.room.idBytes;
            int length = 4 + id.length + p.record.length;
            b.putInt(length).putInt(0).putLong(lsn++).putInt(id.length).put(id).put(p.record);
            ByteBuffer span = b.duplicate();
            span.limit(b.position()).position(start + 8);
            crc.reset();
            crc.update(span);
            b.putInt(start + 4, (int) crc.getValue());
        }
        b.flip();
        disk.write(channel, file, b, position);
        position += total;
        bytesSinceCheckpoint += total;
        nextLsn = lsn;
    }

    /** Makes what was appended durable (fdatasync). */
    void force() throws IOException {
        disk.force(channel, file);
        synchronized (this) {
            durablePosition = position;
            durableNextLsn = nextLsn;
        }
    }

    /**
     * The records of {@code room} after seq {@code afterSeq} that the journal's files hold durably, in
     * seq order; read from the files, without changing them. For a room that reopens after a
     * checkpoint's fsync failed (the journal is pinned for it, so nothing it needs is deleted). Any
     * thread.
     */
    List<Entry> durableEntriesOf(String room, long afterSeq) throws IOException {
        List<Path> paths;
        Path current;
        long currentEnd;
        synchronized (this) {
            paths = new ArrayList<>(older);
            current = file;
            currentEnd = durablePosition;
        }
        Collections.sort(paths);
        if (current != null && !paths.contains(current)) {
            paths.add(current);
        }
        List<Entry> out = new ArrayList<>();
        for (Path f : paths) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // checkpointed before the room failed
            }
            int size = f.equals(current) ? (int) Math.min(bytes.length, currentEnd) : bytes.length;
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, size).slice().order(ByteOrder.LITTLE_ENDIAN);
            String name = f.getFileName().toString();
            long lsn = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
            if (!SmallFiles.isFileHeader(b, MAGIC, lsn)) {
                throw new IOException("damaged journal header in " + f);
            }
            int pos = SmallFiles.FILE_HEADER_BYTES;
            while (pos < size) {
                int len = validAt(b, pos, lsn);
                if (len < 0) {
                    break;
                }
                int n = b.getInt(pos + HEADER_BYTES);
                int inner = pos + HEADER_BYTES + 4 + n;
                if (Cesu8.decode(b, pos + HEADER_BYTES + 4, n).equals(room)) {
                    long seq = Records.seqAt(b, inner);
                    if (seq > afterSeq) {
                        byte[] record = new byte[pos + len - inner];
                        b.get(inner, record);
                        out.add(new Entry(room, seq, record));
                    }
                }
                pos += len;
                lsn++;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Reads every journal file in {@code directory} (creating it if missing): truncates a torn,
     * zero-filled or garbage tail of the last file, reports a damaged record that valid ones
     * follow, and returns the valid records since the last checkpoint.
     */
    static Recovered recover(Path directory, Disk disk) throws IOException {
        Files.createDirectories(directory);
        List<Long> firsts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    firsts.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    log.warn("ignoring unexpected file {}", p);
                }
            }
        }
        Collections.sort(firsts);
        Recovered out = new Recovered();
        long expectedFirst = -1;
        for (int i = 0; i < firsts.size(); i++) {
            long first = firsts.get(i);
            boolean last = i == firsts.size() - 1;
            Path f = fileName(directory, first);
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            int size = b.limit();
            out.scannedBytes += size;
            if (!SmallFiles.isFileHeader(b, MAGIC, first)) {
                if (last && size <= SmallFiles.FILE_HEADER_BYTES) {
                    // Its creation was interrupted before it was durable: it never held a record.
                    log.warn("deleting {}: its creation was interrupted", f);
                    Files.delete(f);
                    disk.syncDirectory(directory);
                    continue;
                }
                out.files.add(f);
                out.corruption = "damaged journal header in " + f;
                log.error("{}", out.corruption);
                return out;
            }
            out.files.add(f);
            if (expectedFirst >= 0 && first != expectedFirst) {
                // A checkpoint deleted the files between; only part of its deletions reached the disk.
                // Everything before the gap was covered by that checkpoint.
                log.warn("journal file {} does not follow LSN {}: the files before it were already checkpointed", f,
                        expectedFirst - 1);
                out.entries.clear();
            }
            int pos = SmallFiles.FILE_HEADER_BYTES;
            long lsn = first;
            while (pos < size) {
                int len = validAt(b, pos, lsn);
                if (len < 0) {
                    break;
                }
                int n = b.getInt(pos + HEADER_BYTES);
                int inner = pos + HEADER_BYTES + 4 + n;
                String room = Cesu8.decode(b, pos + HEADER_BYTES + 4, n);
                byte[] record = new byte[pos + len - inner];
                b.get(inner, record);
                out.entries.add(new Entry(room, Records.seqAt(b, inner), record));
                pos += len;
                lsn++;
            }
            if (pos < size) {
                int next = findValidAfter(b, pos, lsn - 1);
                if (next >= 0 || !last) {
                    out.corruption = "corrupt journal record in " + f + " at offset " + pos
                            + (next >= 0 ? ", followed by a valid record at offset " + next
                                    : ", followed by the later journal file " + fileName(directory, firsts.get(i + 1)))
                            + "; the records before it were recovered";
                    log.error("{}", out.corruption);
                    out.nextLsn = lsn;
                    return out;
                }
                log.warn("truncating {} bytes of torn journal tail from {} at offset {} (last LSN {})", size - pos, f, pos,
                        lsn - 1);
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    disk.truncate(ch, f, pos);
                }
            }
            if (last && lsn == first) {
                // No record: nothing to keep, and its name is the one the next file takes.
                Files.delete(f);
                out.files.remove(f);
                disk.syncDirectory(directory);
            }
            expectedFirst = lsn;
        }
        out.nextLsn = expectedFirst < 0 ? 1 : expectedFirst;
        return out;
    }

    /**
     * The total size of the valid journal record at {@code pos} whose LSN is {@code expectedLsn}
     * (any LSN if negative), or -1 if the bytes there are not one.
     */
    static int validAt(ByteBuffer b, int pos, long expectedLsn) {
        if (b.limit() - pos < HEADER_BYTES) {
            return -1;
        }
        int length = b.getInt(pos);
        if (length < 4 + Records.HEADER_BYTES || length > MAX_BODY_BYTES || length > b.limit() - pos - HEADER_BYTES) {
            return -1;
        }
        long lsn = b.getLong(pos + 8);
        if (expectedLsn >= 0 ? lsn != expectedLsn : lsn < 1) {
            return -1;
        }
        CRC32C c = new CRC32C();
        ByteBuffer span = b.duplicate();
        span.limit(pos + HEADER_BYTES + length).position(pos + 8);
        c.update(span);
        if ((int) c.getValue() != b.getInt(pos + 4)) {
            return -1;
        }
        int n = b.getInt(pos + HEADER_BYTES);
        if (n < 0 || n > MAX_ROOM_BYTES || 4 + n + Records.HEADER_BYTES > length) {
            return -1;
        }
        int inner = pos + HEADER_BYTES + 4 + n;
        ByteBuffer exact = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        exact.limit(pos + HEADER_BYTES + length);
        if (Records.validAt(exact, inner, -1) != length - 4 - n) {
            return -1;
        }
        return HEADER_BYTES + length;
    }

    /** The offset of a valid record after {@code from} with an LSN above {@code lastGood}, or -1. */
    private static int findValidAfter(ByteBuffer b, int from, long lastGood) {
        int size = b.limit();
        for (int q = from + 1; q + HEADER_BYTES <= size; q++) {
            long lsn = b.getLong(q + 8);
            if (lsn > lastGood && lsn <= lastGood + (size - from) && validAt(b, q, lsn) > 0) {
                return q;
            }
        }
        return -1;
    }
}
