package dev.parley.chat.store.file;

import java.util.ArrayList;
import java.util.List;

/**
 * Journal mode: a room's acknowledged records (durable in the journal) that the segment writer has
 * not yet written to a segment, seqs {@code first ..} in order; reads serve them from here. Not
 * thread-safe: guarded by the room's lock. {@code unreleasedBytes} counts those not yet handed
 * back to the segment writer's memory bound.
 */
final class StagedRecords {
    private final ArrayList<byte[]> records = new ArrayList<>();
    private long first;
    private long unreleasedBytes;

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** The first staged seq; meaningful when not empty. */
    long first() {
        return first;
    }

    /** The last staged seq; meaningful when not empty. */
    long last() {
        return first + records.size() - 1;
    }

    long unreleasedBytes() {
        return unreleasedBytes;
    }

    /** Stages records that follow the staged ones (or begin afresh); returns their bytes. */
    long add(String room, List<byte[]> more, long firstSeq) {
        if (records.isEmpty()) {
            first = firstSeq;
        } else if (first + records.size() != firstSeq) {
            throw new IllegalStateException("room " + room + ": staged up to seq " + last() + ", cannot stage seq "
                    + firstSeq);
        }
        long bytes = 0;
        for (byte[] r : more) {
            bytes += r.length;
        }
        records.addAll(more);
        unreleasedBytes += bytes;
        return bytes;
    }

    /** A copy of the staged records, to write without the lock. */
    List<byte[]> snapshot() {
        return new ArrayList<>(records);
    }

    /** The record of {@code seq}, which must be staged. */
    byte[] get(long seq) {
        return records.get((int) (seq - first));
    }

    /** Drops the first {@code n} records, now in a segment; returns the bytes released of them. */
    long dropWritten(int n) {
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += records.get(i).length;
        }
        records.subList(0, n).clear();
        first += n;
        long released = Math.min(bytes, unreleasedBytes);
        unreleasedBytes -= released;
        return released;
    }

    /** Hands back every byte not yet released (the room failed; the records stay for reads). Returns them. */
    long releaseAll() {
        long released = unreleasedBytes;
        unreleasedBytes = 0;
        return released;
    }

    void trimToSize() {
        records.trimToSize();
    }
}
