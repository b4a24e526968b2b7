package dev.parley.chat.internal.room;

import dev.parley.chat.Message;
import dev.parley.chat.spi.OutboundFrame;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A room's latest messages with their encoded frames, contiguous by seq, so cursors that are a
 * little behind catch up without reading the store or encoding again. Used by the room's actor
 * only.
 */
final class TailCache {
    private final int capacity;
    /** Made on the first message, so rooms that are only looked at cost no ring. */
    private Delivery[] ring;
    private long firstSeq; // 0 while empty
    private long lastSeq;

    TailCache(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    void add(Message message, OutboundFrame frame) {
        long seq = message.seq();
        if (ring == null) {
            ring = new Delivery[capacity];
        }
        if (firstSeq == 0 || seq != lastSeq + 1) {
            clear();
            firstSeq = seq;
        } else if (lastSeq - firstSeq + 1 == ring.length) {
            ring[slot(firstSeq)] = null;
            firstSeq++;
        }
        lastSeq = seq;
        ring[slot(seq)] = new Delivery(message, frame);
    }

    void clear() {
        if (ring != null) {
            java.util.Arrays.fill(ring, null);
        }
        firstSeq = 0;
        lastSeq = 0;
    }

    /** The deliveries from..to if the cache holds all of them, else null. */
    @Nullable List<Delivery> range(long from, long to) {
        if (firstSeq == 0 || from < firstSeq || to > lastSeq || from > to) {
            return null;
        }
        List<Delivery> out = new ArrayList<>((int) (to - from + 1));
        for (long s = from; s <= to; s++) {
            out.add(ring[slot(s)]);
        }
        return out;
    }

    private int slot(long seq) {
        return (int) (seq % ring.length);
    }
}
