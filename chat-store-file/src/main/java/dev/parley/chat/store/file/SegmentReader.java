package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a room's records from its segments through their indexes: one read of the index and one
 * of the segment per segment touched. A record that fails its check is added to the room's damage
 * and fails the read with a message naming file and offset. Any thread; no lock of its own.
 */
final class SegmentReader {
    private static final Logger log = LoggerFactory.getLogger(SegmentReader.class);

    private final String room;
    private final OpenFiles files;
    private final DamageList damage;

    SegmentReader(String room, OpenFiles files, DamageList damage) {
        this.room = room;
        this.files = files;
        this.damage = damage;
    }

    /** Reads up to {@code length} bytes at {@code position}; fewer at the end of the file. */
    static ByteBuffer read(OpenFiles.Handle h, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, length)).order(ByteOrder.LITTLE_ENDIAN);
        long p = position;
        while (b.hasRemaining()) {
            int n = h.channel.read(b, p);
            if (n < 0) {
                break;
            }
            p += n;
        }
        b.flip();
        return b;
    }

    /** Adds seqs {@code from..to} of {@code segments} (what readers may see of each) to {@code out}. */
    void readRange(List<Segment> segments, long from, long to, List<Message> out) {
        for (Segment s : segments) {
            long sLast = s.lastSeq;
            if (sLast < from || s.firstSeq > to || sLast < s.firstSeq) {
                continue;
            }
            read(s, Math.max(from, s.firstSeq), Math.min(to, sLast), sLast, out);
        }
    }

    /** Adds seqs {@code a..b} of segment {@code s}, whose last visible seq is {@code sLast}, to {@code out}. */
    void read(Segment s, long a, long b, long sLast, List<Message> out) {
        long offset = -1;
        try (OpenFiles.Handle idx = files.acquire(s.index); OpenFiles.Handle seg = files.acquire(s.file)) {
            int entries = (int) (b - a + 1) + (b < sLast ? 1 : 0);
            ByteBuffer ix = read(idx, Segment.indexPosition(a - s.firstSeq), 4 * entries);
            if (ix.limit() < 4 * entries) {
                throw new StoreException("index " + s.index + " is shorter than its segment");
            }
            long start = Integer.toUnsignedLong(ix.getInt(0));
            long end = b < sLast ? Integer.toUnsignedLong(ix.getInt(4 * (entries - 1))) : s.end;
            if (start < SmallFiles.FILE_HEADER_BYTES || end < start || end - start > Integer.MAX_VALUE) {
                throw new StoreException("index " + s.index + " names offsets " + start + ".." + end);
            }
            ByteBuffer data = read(seg, start, (int) (end - start));
            int rel = 0;
            for (long seq = a; seq <= b; seq++) {
                offset = start + rel;
                int len = Records.validAt(data, rel, seq);
                if (len < 0) {
                    damage.mark(seq, seq);
                    throw new StoreException("corrupt record of seq " + seq + " in " + s.file + " at offset " + offset);
                }
                out.add(Records.decode(room, data, rel));
                rel += len;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof StoreException) {
                log.error("room {}: {}", room, e.getMessage());
                throw (StoreException) e;
            }
            throw new StoreException("cannot read room " + room + " from " + s.file + " at offset " + offset + ": " + e,
                    e);
        }
    }

    /** The timestamp of the segment's newest message, read once and remembered (age retention). */
    long lastTs(Segment s) {
        if (s.lastTs < 0) {
            List<Message> last = new ArrayList<>(1);
            read(s, s.lastSeq, s.lastSeq, s.lastSeq, last);
            s.lastTs = last.isEmpty() ? Long.MAX_VALUE : last.get(0).ts();
        }
        return s.lastTs;
    }
}
