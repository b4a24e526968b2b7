package dev.parley.chat.internal.room;

import dev.parley.chat.Message;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One room's log as the actor reads it: from the tail cache when it holds the range (no store
 * read, frames already encoded), otherwise from the store. Used by the room's parts only.
 */
final class RoomLogView {
    /** Messages read from the store per step. */
    static final int PAGE = 256;

    private final String room;
    private final MessageStore store;
    private final TailCache tail;

    RoomLogView(String room, MessageStore store, int tailMessages) {
        this.room = room;
        this.store = store;
        this.tail = new TailCache(tailMessages);
    }

    /** Remembers a message just appended, with its shared frame. */
    void appended(Delivery delivery) {
        tail.add(delivery.message(), delivery.frame());
    }

    /** Appends this node did not see: the cache is no longer contiguous with the head. */
    void gap() {
        tail.clear();
    }

    /** Messages from..to with their frames; null if the store no longer holds {@code from}. */
    @Nullable List<Delivery> deliveries(long from, long to) {
        if (from < storeFirst()) {
            // The tail may still hold it, but the store's retention has let it go: a reader this
            // far behind is closed with 4000 on every store alike (PROTOCOL §9 "Slow readers").
            return null;
        }
        List<Delivery> cached = tail.range(from, to);
        if (cached != null) {
            return cached;
        }
        List<Message> read = store.readAfter(room, from - 1, (int) (to - from + 1));
        if (read.isEmpty() || read.get(0).seq() != from) {
            return null;
        }
        List<Delivery> out = new ArrayList<>(read.size());
        for (Message m : read) {
            out.add(new Delivery(m, ServerFrames.message(m)));
        }
        return out;
    }

    /** The first seq the store retains; 1 when it holds none or does not know the room. */
    private long storeFirst() {
        return Math.max(1, store.room(room).map(RoomInfo::firstSeq).orElse(1L));
    }

    /** Messages from..to, or null if the store no longer holds all of them. */
    @Nullable List<Message> range(long from, long to) {
        List<Message> out = new ArrayList<>((int) Math.min(to - from + 1, 1024));
        long next = from;
        while (next <= to) {
            List<Delivery> page = deliveries(next, Math.min(to, next + PAGE - 1));
            if (page == null) {
                return null;
            }
            for (Delivery d : page) {
                out.add(d.message());
            }
            next = page.get(page.size() - 1).message().seq() + 1;
        }
        return out;
    }

    /** The latest {@code count} messages up to {@code head}, never older than {@code first}. */
    List<Message> latest(int count, long first, long head) {
        if (count <= 0 || head == 0) {
            return List.of();
        }
        List<Delivery> cached = tail.range(Math.max(Math.max(1, first), head - count + 1), head);
        if (cached != null) {
            List<Message> out = new ArrayList<>(cached.size());
            for (Delivery d : cached) {
                out.add(d.message());
            }
            return out;
        }
        return store.readBefore(room, head + 1, count);
    }

    /** The message with this seq, or null if there is none (up to {@code head}). */
    @Nullable Message find(long seq, long head) {
        if (seq < 1 || seq > head) {
            return null;
        }
        List<Delivery> cached = tail.range(seq, seq);
        if (cached != null) {
            return cached.get(0).message();
        }
        List<Message> read = store.readAfter(room, seq - 1, 1);
        return read.isEmpty() || read.get(0).seq() != seq ? null : read.get(0);
    }
}
