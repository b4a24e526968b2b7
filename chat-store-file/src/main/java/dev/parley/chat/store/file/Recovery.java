package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers a room's segments when it is loaded (FORMAT.md, "Recovery"): a cleanly closed tail is
 * trusted as its {@code clean} marker says; otherwise the tail is checked through its index and
 * scanned from the last entry that names a valid record, a torn tail is cut, and corruption that
 * valid records follow is isolated as damage. Then, if the shared journal held records of the
 * room, they are written again after what the segments kept. Raises the {@link HighMark} by what
 * it learns was durable; the room compares the two afterwards.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    static final String CLEAN = "clean";
    private static final int SCAN_CHUNK = 1 << 20;

    private final String room;
    private final Path directory;
    private final Disk disk;
    private final OpenFiles files;
    private final DamageList damage;
    private final HighMark high;

    Recovery(String room, Path directory, Disk disk, OpenFiles files, DamageList damage, HighMark high) {
        this.room = room;
        this.directory = directory;
        this.disk = disk;
        this.files = files;
        this.damage = damage;
        this.high = high;
    }

    /** Writes the clean-shutdown marker of a tail just fsynced: everything up to its last seq is durable. */
    void writeClean(Segment t) throws IOException {
        byte[] marker = new SmallFiles.Writer(SmallFiles.MAGIC_CLEAN).putLong(t.lastSeq).putLong(t.firstSeq)
                .putLong(t.end).finish();
        disk.replaceAtomically(directory.resolve(CLEAN), marker);
    }

    /**
     * Recovers the segments, in order; reads the high mark first.
     *
     * @param trustedUpTo the last seq the tail segment is known to hold durably (the journal holds
     *     what follows); {@code Long.MAX_VALUE} when the journal holds nothing of the room
     * @param cutPast whether valid records after {@code trustedUpTo} are cut too: after a failed write
     *     or fsync they belong to appends that failed
     */
    List<Segment> segments(long trustedUpTo, boolean cutPast) throws IOException {
        List<Long> firsts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*.seg")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    firsts.add(Long.parseLong(name.substring(0, name.length() - 4)));
                } catch (NumberFormatException e) {
                    log.warn("ignoring unexpected file {}", p);
                }
            }
        }
        Collections.sort(firsts);
        Path cleanFile = directory.resolve(CLEAN);
        long[] clean = readClean(cleanFile);
        high.read();
        if (clean != null) {
            // Written at a clean close, after the tail was fsynced: everything up to it was durable.
            high.raise(clean[0]);
        }
        List<Segment> segments = new ArrayList<>();
        boolean limited = trustedUpTo != Long.MAX_VALUE;
        for (int i = 0; i < firsts.size(); i++) {
            long first = firsts.get(i);
            boolean isTail = i == firsts.size() - 1;
            long nextFirst = isTail ? Long.MAX_VALUE : firsts.get(i + 1);
            // Through the journal, segments may hold records past the last checkpoint: written without
            // fsync, so after a power loss they may be torn or holed. Each such one is scanned.
            boolean pastCheckpoint = limited && nextFirst - 1 > trustedUpTo;
            if (!isTail && !pastCheckpoint) {
                Segment s = new Segment(directory, first, nextFirst - 1, 0);
                s.end = Files.size(s.file);
                s.writeEnd = s.end;
                segments.add(s);
                continue;
            }
            Segment t = new Segment(directory, first, first - 1, SmallFiles.FILE_HEADER_BYTES);
            boolean kept;
            if (isTail && clean != null && clean[1] == first && Files.size(t.file) == clean[2]
                    && Files.size(t.index) == Segment.indexPosition(clean[0] - first + 1)) {
                t.lastSeq = clean[0];
                t.end = clean[2];
                kept = true;
            } else {
                kept = recoverTail(t, limited ? Math.max(trustedUpTo, first - 1) : Long.MAX_VALUE, cutPast);
            }
            if (kept) {
                t.writeLast = t.lastSeq;
                t.writeEnd = t.end;
                segments.add(t);
            }
            if (!isTail && (!kept || t.lastSeq < nextFirst - 1)) {
                // The log ends here: later segments would follow a hole. What they held is in the
                // journal (replayed next), or lost, which the high mark tells.
                deleteSegmentsFrom(firsts.subList(i + 1, firsts.size()));
                break;
            }
        }
        if (Files.deleteIfExists(cleanFile)) {
            // Must be gone for good before new records land, or a later crash would trust it.
            disk.syncDirectory(directory);
        }
        return segments;
    }

    /**
     * Writes the records the journal holds for the room since the last checkpoint ({@code entries},
     * in seq order) after {@code lastSeq}, the end of what the segments kept. Records the segments
     * hold already are skipped; seqs of which neither copy is left are taken as a hole and listed as
     * damage, so the journal's later records keep their seqs. Not fsynced here. Returns the last seq
     * written.
     */
    long replay(List<Journal.Entry> entries, long lastSeq, SegmentAppender appender) throws IOException {
        // Each journal record was durable (fsynced) before it was acknowledged.
        high.raise(entries.get(entries.size() - 1).seq());
        long expected = lastSeq + 1;
        long first = expected;
        long replayed = 0;
        List<byte[]> records = new ArrayList<>();
        for (Journal.Entry e : entries) {
            if (e.seq() < expected) {
                // Already in the segment: the checkpoint that would have deleted it did not finish.
                continue;
            }
            if (e.seq() > expected) {
                // Both copies of the records between are gone. Isolated like corruption: their seqs stay
                // theirs (reads over them fail), and the journal's later records are kept.
                log.error("room {}: the journal holds seq {} after seq {}, and no copy of seqs {}..{} is left;"
                        + " reads over them fail until the room is repaired", room, e.seq(), expected - 1, expected,
                        e.seq() - 1);
                if (!records.isEmpty()) {
                    appender.write(records, first);
                    replayed += records.size();
                    records = new ArrayList<>();
                }
                appender.writeHole(expected, e.seq() - 1);
                damage.mark(expected, e.seq() - 1);
                expected = e.seq();
                first = expected;
            }
            records.add(e.record());
            expected++;
        }
        if (!records.isEmpty()) {
            appender.write(records, first);
            replayed += records.size();
        }
        if (expected > lastSeq + 1) {
            log.info("room {}: replayed {} records from the journal, now at seq {}", room, replayed, expected - 1);
        }
        return expected - 1;
    }

    private void deleteSegmentsFrom(List<Long> firsts) throws IOException {
        boolean deleted = false;
        for (long first : firsts) {
            Segment gone = new Segment(directory, first, 0, 0);
            files.drop(gone.file);
            files.drop(gone.index);
            deleted |= Files.deleteIfExists(gone.file);
            deleted |= Files.deleteIfExists(gone.index);
            log.info("room {}: deleting {}, which follows the end of the log's valid records", room, gone.file);
        }
        if (deleted) {
            disk.syncDirectory(directory);
        }
    }

    private static long[] readClean(Path cleanFile) throws IOException {
        try {
            SmallFiles.Reader r = SmallFiles.Reader.open(Files.readAllBytes(cleanFile), SmallFiles.MAGIC_CLEAN);
            return r == null ? null : new long[] {r.getLong(), r.getLong(), r.getLong()};
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static ByteBuffer read(OpenFiles.Handle h, long position, int length) throws IOException {
        return SegmentReader.read(h, position, length);
    }
    /**
     * Finds the last valid record of the tail segment: trusts the index up to its last entry that
     * names a valid record, scans forward from there, and truncates what follows unless a valid
     * record follows it (corruption, reported and kept). Returns false if the segment was an empty
     * one whose creation the crash interrupted (it is deleted).
     */
    private boolean recoverTail(Segment t, long trustedUpTo, boolean cutPast) throws IOException {
        // With a journal behind the tail, only what the last checkpoint fsynced counts (records past
        // it may have holes after a power loss); the rest is cut and written again from the journal.
        boolean limited = trustedUpTo != Long.MAX_VALUE;
        long bound = limited ? Math.max(trustedUpTo, t.firstSeq - 1) : Long.MAX_VALUE;
        if (!Files.exists(t.index)) {
            // The crash came between creating the segment and its index; the scan below rebuilds it.
            Files.write(t.index, SmallFiles.fileHeader(SmallFiles.MAGIC_INDEX, t.firstSeq, System.currentTimeMillis()));
        }
        try (OpenFiles.Handle seg = files.acquire(t.file); OpenFiles.Handle idx = files.acquire(t.index)) {
            long size = seg.channel.size();
            ByteBuffer header = read(seg, 0, (int) Math.min(size, SmallFiles.FILE_HEADER_BYTES));
            if (!SmallFiles.isFileHeader(header, SmallFiles.MAGIC_SEGMENT, t.firstSeq)) {
                // Begun after the last checkpoint, a segment's creation was not fsynced: the journal holds its records.
                if (size <= SmallFiles.FILE_HEADER_BYTES || (limited && t.firstSeq > trustedUpTo)) {
                    log.warn("deleting {}: its creation was interrupted before any record", t.file);
                    files.drop(t.file);
                    files.drop(t.index);
                    Files.deleteIfExists(t.file);
                    Files.deleteIfExists(t.index);
                    disk.syncDirectory(directory);
                    return false;
                }
                throw new IOException("damaged segment header in " + t.file);
            }
            long idxSize = idx.channel.size();
            ByteBuffer idxHeader = read(idx, 0, (int) Math.min(idxSize, SmallFiles.FILE_HEADER_BYTES));
            long entries = SmallFiles.isFileHeader(idxHeader, SmallFiles.MAGIC_INDEX, t.firstSeq)
                    ? (idxSize - SmallFiles.FILE_HEADER_BYTES) / 4
                    : -1;
            if (entries < 0) {
                disk.write(idx.channel, t.index, ByteBuffer.wrap(SmallFiles.fileHeader(
                        SmallFiles.MAGIC_INDEX, t.firstSeq, System.currentTimeMillis())), 0);
                entries = 0;
            }
            // Entries 0..trusted-1 name valid records; validity is a prefix, so bisect it.
            long trusted = 0;
            long pos = SmallFiles.FILE_HEADER_BYTES;
            if (limited) {
                entries = Math.min(entries, bound - t.firstSeq + 1);
            }
            if (entries > 0) {
                long lo = 0;
                long hi = entries;
                if (validEntry(seg, idx, t, entries - 1, size) > 0) {
                    lo = entries;
                } else {
                    while (lo < hi) {
                        long mid = (lo + hi) >>> 1;
                        if (validEntry(seg, idx, t, mid, size) > 0) {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                }
                trusted = lo;
                if (trusted > 0) {
                    long off = entryAt(idx, trusted - 1);
                    pos = off + validEntry(seg, idx, t, trusted - 1, size);
                }
            }
            List<Long> found = new ArrayList<>();
            long expected = t.firstSeq + trusted;
            long p = pos;
            ByteBuffer win = null;
            long winStart = 0;
            // The scan is sequential, so it may go past the bound: a valid record there was written
            // after the journal held it durably, and a journal cut by the disk may no longer hold it.
            while (p < size) {
                if (cutPast && expected > bound) {
                    break; // what follows belongs to appends that failed
                }
                int rel = win == null ? -1 : (int) (p - winStart);
                boolean refill = win == null || rel + Records.HEADER_BYTES > win.limit();
                if (!refill) {
                    int l = win.getInt(rel);
                    refill = l >= 0 && l <= Records.MAX_PAYLOAD_BYTES && rel + Records.HEADER_BYTES + l > win.limit()
                            && p + Records.HEADER_BYTES + l <= size;
                }
                if (refill) {
                    int want = SCAN_CHUNK;
                    ByteBuffer h = read(seg, p, (int) Math.min(size - p, Records.HEADER_BYTES));
                    if (h.limit() == Records.HEADER_BYTES) {
                        int l = h.getInt(0);
                        if (l >= 0 && l <= Records.MAX_PAYLOAD_BYTES) {
                            want = Math.max(want, Records.HEADER_BYTES + l);
                        }
                    }
                    win = read(seg, p, (int) Math.min(size - p, want));
                    winStart = p;
                    rel = 0;
                }
                int len = Records.validAt(win, rel, expected);
                if (len >= 0) {
                    found.add(p);
                    p += len;
                    expected++;
                    continue;
                }
                if (limited && expected > bound) {
                    break; // past the checkpoint: cut below, the journal holds what follows
                }
                long next = findValidAfter(seg, p, size, expected - 1);
                if (next < 0) {
                    break; // nothing valid follows: a torn tail, or durable records lost (the high mark tells)
                }
                // Corruption followed by valid records: the damaged seqs are isolated (their index entries
                // name the damage, so reads that cross it fail) and the log goes on after them.
                long nextSeq = read(seg, next + 8, 8).getLong(0);
                log.error("room {}: corrupt records of seqs {}..{} in {} at offset {}, followed by a valid record at"
                        + " offset {}; reads over them fail until the room is repaired", room, expected, nextSeq - 1,
                        t.file, p, next);
                damage.mark(expected, nextSeq - 1);
                for (long seq = expected; seq < nextSeq; seq++) {
                    found.add(p);
                }
                expected = nextSeq;
                p = next;
                win = null;
            }
            long lastGood = expected - 1;
            if (limited && lastGood < bound) {
                // Durable records are gone from the end of the log: cut, and the high mark makes the epoch new.
                log.error("room {}: record of seq {} in {} at offset {} is damaged or missing, though a checkpoint had"
                        + " made it durable; cutting {} bytes after seq {}", room, expected, t.file, p, size - p, lastGood);
                disk.truncate(seg.channel, t.file, p);
                high.raise(bound);
            } else if (cutPast && p < size) {
                log.warn("room {}: cutting {} bytes of appends that failed from {} at offset {} (last acknowledged"
                        + " seq {})", room, size - p, t.file, p, lastGood);
                disk.truncate(seg.channel, t.file, p);
            } else if (limited && p < size) {
                log.info("room {}: cutting {} bytes written after the last checkpoint from {} at offset {}; the journal"
                        + " holds what follows seq {}", room, size - p, t.file, p, lastGood);
                disk.truncate(seg.channel, t.file, p);
            } else if (p < size) {
                log.warn("room {}: truncating {} bytes of torn tail from {} at offset {} (last seq {})", room,
                        size - p, t.file, p, lastGood);
                disk.truncate(seg.channel, t.file, p);
            }
            long idxEnd = Segment.indexPosition(trusted);
            if (idx.channel.size() != idxEnd || !found.isEmpty()) {
                idx.channel.truncate(idxEnd);
                if (!found.isEmpty()) {
                    ByteBuffer b = ByteBuffer.allocate(4 * found.size()).order(ByteOrder.LITTLE_ENDIAN);
                    for (long off : found) {
                        b.putInt((int) off);
                    }
                    b.flip();
                    disk.write(idx.channel, t.index, b, idxEnd);
                }
                disk.force(idx.channel, t.index);
            }
            t.lastSeq = lastGood;
            t.end = p;
            return true;
        }
    }

    /** The length of the record entry {@code e} of the index names, or -1 if that is no valid record. */
    private int validEntry(OpenFiles.Handle seg, OpenFiles.Handle idx, Segment t, long e, long size) throws IOException {
        long off = entryAt(idx, e);
        if (off < SmallFiles.FILE_HEADER_BYTES || off + Records.HEADER_BYTES > size) {
            return -1;
        }
        ByteBuffer h = read(seg, off, Records.HEADER_BYTES);
        int len = h.getInt(0);
        if (len < 0 || len > Records.MAX_PAYLOAD_BYTES || off + Records.HEADER_BYTES + len > size) {
            return -1;
        }
        return Records.validAt(read(seg, off, Records.HEADER_BYTES + len), 0, t.firstSeq + e);
    }

    private static long entryAt(OpenFiles.Handle idx, long e) throws IOException {
        ByteBuffer b = read(idx, Segment.indexPosition(e), 4);
        return b.limit() < 4 ? -1 : Integer.toUnsignedLong(b.getInt(0));
    }

    /** The offset of a valid record after {@code from} with a seq above {@code lastGood}, or -1. */
    private long findValidAfter(OpenFiles.Handle seg, long from, long size, long lastGood) throws IOException {
        long start = from + 1;
        while (start + Records.HEADER_BYTES <= size) {
            ByteBuffer win = read(seg, start, (int) Math.min(size - start, SCAN_CHUNK + Records.MAX_PAYLOAD_BYTES / 16));
            int limit = Math.min(win.limit() - Records.HEADER_BYTES, SCAN_CHUNK);
            for (int q = 0; q <= limit; q++) {
                long seq = win.getLong(q + 8);
                if (seq > lastGood && seq <= lastGood + (size - from) && Records.validAt(win, q, seq) > 0) {
                    return start + q;
                }
            }
            start += limit + 1;
        }
        return -1;
    }

}
