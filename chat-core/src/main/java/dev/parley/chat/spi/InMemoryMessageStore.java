package dev.parley.chat.spi;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link MessageStore} in memory: each room keeps its latest {@code retainMessages} messages in a
 * ring. Appends complete at once, so they complete in seq order.
 */
final class InMemoryMessageStore implements MessageStore {
    private final int retainMessages;
    private final Map<String, RoomLog> rooms = new ConcurrentSkipListMap<>();
    private final Map<String, Long> readMarkers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * A store keeping the latest {@code retainMessages} messages of each room.
     *
     * @throws IllegalArgumentException if {@code retainMessages} is below 1
     */
    public InMemoryMessageStore(int retainMessages) {
        if (retainMessages < 1) {
            throw new IllegalArgumentException("retainMessages was " + retainMessages + " but must be at least 1");
        }
        this.retainMessages = retainMessages;
    }

    @Override
    public Optional<RoomInfo> room(String room) {
        checkOpen();
        RoomLog log = rooms.get(room);
        return log == null ? Optional.empty() : Optional.of(log.info());
    }

    @Override
    public Optional<RoomInfo> create(String room, String topic, long createdAt) {
        checkOpen();
        RoomLog fresh = new RoomLog(room, Ids.newEpoch(), topic, createdAt, retainMessages);
        RoomLog existing = rooms.putIfAbsent(room, fresh);
        return existing == null ? Optional.of(fresh.info()) : Optional.empty();
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("the store is closed"));
        }
        RoomLog log = rooms.get(message.room());
        if (log == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no such room: " + message.room()));
        }
        try {
            log.append(message);
            return CompletableFuture.completedFuture(null);
        } catch (IllegalArgumentException e) {
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
        return readMarkers.getOrDefault(markerKey(room, user), 0L);
    }

    @Override
    public long moveReadMarker(String room, String user, long seq) {
        checkOpen();
        return readMarkers.merge(markerKey(room, user), seq, Math::max);
    }

    @Override
    public List<RoomInfo> rooms() {
        checkOpen();
        List<RoomInfo> out = new ArrayList<>(rooms.size());
        for (RoomLog log : rooms.values()) {
            out.add(log.info());
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("the store is closed");
        }
    }

    private static String markerKey(String room, String user) {
        // '\n' is in neither a room nor a user name, so the key is unambiguous.
        return room + '\n' + user;
    }

    /** One room's bounded log: a ring whose slot for seq s is (s - 1) % capacity. */
    private static final class RoomLog {
        private final String room;
        private final String epoch;
        private final String topic;
        private final long createdAt;
        private final int capacity;
        private Message[] ring = new Message[16];
        private long firstSeq; // 0 while empty
        private long lastSeq;

        RoomLog(String room, String epoch, String topic, long createdAt, int capacity) {
            this.room = room;
            this.epoch = epoch;
            this.topic = topic;
            this.createdAt = createdAt;
            this.capacity = capacity;
        }

        synchronized RoomInfo info() {
            return new RoomInfo(room, epoch, topic, createdAt, firstSeq, lastSeq);
        }

        synchronized void append(Message message) {
            if (message.seq() != lastSeq + 1) {
                throw new IllegalArgumentException(
                        "room " + room + " is at seq " + lastSeq + "; cannot append seq " + message.seq());
            }
            long count = lastSeq - firstSeq + 1;
            if (firstSeq == 0) {
                firstSeq = 1;
                count = 0;
            }
            if (count == ring.length && ring.length < capacity) {
                grow();
            }
            if (count == capacity) {
                firstSeq++;
            }
            lastSeq = message.seq();
            ring[slot(lastSeq)] = message;
        }

        synchronized List<Message> readAfter(long afterSeq, int limit) {
            if (firstSeq == 0 || limit <= 0 || afterSeq >= lastSeq) {
                return List.of();
            }
            long from = Math.max(afterSeq + 1, firstSeq);
            long to = Math.min(lastSeq, from + limit - 1);
            return copy(from, to);
        }

        synchronized List<Message> readBefore(long beforeSeq, int limit) {
            if (firstSeq == 0 || limit <= 0 || beforeSeq <= firstSeq) {
                return List.of();
            }
            long to = Math.min(lastSeq, beforeSeq - 1);
            long from = Math.max(firstSeq, to - limit + 1);
            return copy(from, to);
        }

        private List<Message> copy(long from, long to) {
            if (from > to) {
                return List.of();
            }
            List<Message> out = new ArrayList<>((int) (to - from + 1));
            for (long s = from; s <= to; s++) {
                out.add(ring[slot(s)]);
            }
            return out;
        }

        private int slot(long seq) {
            return (int) ((seq - 1) % ring.length);
        }

        private void grow() {
            Message[] bigger = new Message[(int) Math.min((long) ring.length * 2, capacity)];
            for (long s = firstSeq; s <= lastSeq; s++) {
                bigger[(int) ((s - 1) % bigger.length)] = ring[slot(s)];
            }
            ring = bigger;
        }
    }
}
