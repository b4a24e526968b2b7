package dev.parley.chat.spi;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node {@link Sequencer}: numbers each room's drafts from the store's last seq and keeps
 * the cids of the room's latest {@code dedupeWindow} messages.
 *
 * <p>A room's state is built from the store on its first append, dropped after a failed append
 * (so the next append starts again from what the store really holds) and when the engine releases
 * the room. A remembered cid costs its key and a seq, id and ts, never the message body: a
 * duplicate's answer is read back from the store.
 */
final class LocalSequencer implements Sequencer {
    private static final Logger log = LoggerFactory.getLogger(LocalSequencer.class);
    /** Messages read per step when the dedupe window must be read around damage. */
    private static final int PAGE = 256;
    private final MessageStore store;
    private final int dedupeWindow;
    private final Map<String, RoomState> rooms = new ConcurrentHashMap<>();

    /**
     * @throws IllegalArgumentException if {@code dedupeWindow} is negative
     */
    public LocalSequencer(MessageStore store, int dedupeWindow) {
        if (dedupeWindow < 0) {
            throw new IllegalArgumentException("dedupeWindow was " + dedupeWindow + " but must be at least 0");
        }
        this.store = store;
        this.dedupeWindow = dedupeWindow;
    }

    @Override
    public CompletableFuture<Sequenced> append(Message draft) {
        RoomState state;
        try {
            state = rooms.computeIfAbsent(draft.room(), this::load);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return state.append(draft);
    }

    @Override
    public void release(String room) {
        rooms.computeIfPresent(room, (r, state) -> state.idle() ? null : state);
    }

    private RoomState load(String room) {
        RoomInfo info = store.room(room).orElseThrow(() -> new IllegalArgumentException("no such room: " + room));
        RoomState state = new RoomState(room, info.lastSeq());
        if (dedupeWindow > 0 && info.lastSeq() > 0) {
            List<Message> recent;
            try {
                recent = store.readBefore(room, info.lastSeq() + 1, dedupeWindow);
            } catch (StoreException e) {
                recent = readAround(room, info, e);
            }
            for (Message m : recent) {
                if (m.cid() != null) {
                    state.remember(key(m.user(), m.cid()), new Stored(m.seq(), m.id(), m.ts()));
                }
            }
        }
        return state;
    }

    /**
     * The dedupe window when reading it whole failed (a damaged record in it): page by page, and
     * record by record where a page fails, skipping what cannot be read, so that the room stays
     * writable. Only a retry of an unreadable message could then be appended twice. If nothing of the
     * window can be read, the store itself is failing and the original failure is thrown.
     */
    private List<Message> readAround(String room, RoomInfo info, StoreException cause) {
        log.warn("room {}: part of the dedupe window cannot be read ({}); reading around it", room, cause.getMessage());
        List<Message> out = new ArrayList<>();
        long lowest = Math.max(Math.max(1, info.firstSeq()), info.lastSeq() - dedupeWindow + 1);
        for (long from = lowest; from <= info.lastSeq(); from += PAGE) {
            int count = (int) Math.min(PAGE, info.lastSeq() - from + 1);
            try {
                out.addAll(store.readAfter(room, from - 1, count));
            } catch (StoreException e) {
                for (long seq = from; seq < from + count; seq++) {
                    try {
                        out.addAll(store.readAfter(room, seq - 1, 1));
                    } catch (StoreException unreadable) {
                        // skipped: its cid is not remembered
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw cause; // nothing of the window is readable: the store fails, not a record
        }
        return out;
    }

    private final class RoomState {
        private final String room;
        private long lastSeq;
        private int inFlight;
        private boolean broken;
        /** Per cid: {@link Pending} while the append is in flight, {@link Stored} once durable. */
        private final Map<String, Object> byCid = new HashMap<>();
        private final ArrayDeque<Remembered> order = new ArrayDeque<>();

        RoomState(String room, long lastSeq) {
            this.room = room;
            this.lastSeq = lastSeq;
        }

        synchronized boolean idle() {
            return inFlight == 0;
        }

        synchronized CompletableFuture<Sequenced> append(Message draft) {
            if (broken) {
                // A failed append left this state behind the store's truth; start again from it.
                rooms.remove(room, this);
                return LocalSequencer.this.append(draft);
            }
            String key = draft.cid() == null ? null : key(draft.user(), draft.cid());
            if (key != null) {
                CompletableFuture<Sequenced> duplicate = duplicateOf(key, draft);
                if (duplicate != null) {
                    return duplicate;
                }
            }
            Message message = draft.withSeq(++lastSeq);
            inFlight++;
            CompletableFuture<Message> stored = appendToStore(message).thenApply(v -> message);
            if (key != null) {
                remember(key, new Pending(message.seq(), stored));
            }
            forget(message.seq() - dedupeWindow);
            String theKey = key;
            return stored.handle((m, failure) -> {
                finished(theKey, stored, m);
                if (failure == null) {
                    return new Sequenced(m, false);
                }
                throw asStoreFailure(failure);
            });
        }

        /**
         * The store's append, whatever it does: a store that throws (or returns null) instead of
         * failing its future is a store failure like any other, answered {@code UNAVAILABLE}.
         */
        private CompletableFuture<Void> appendToStore(Message message) {
            CompletableFuture<Void> appended;
            try {
                appended = store.append(message);
            } catch (RuntimeException e) {
                log.warn("room {}: the store's append threw instead of failing its future", room, e);
                return CompletableFuture.failedFuture(e);
            }
            if (appended == null) {
                log.warn("room {}: the store's append returned null instead of a future", room);
                return CompletableFuture.failedFuture(new IllegalStateException(store + ".append returned null"));
            }
            return appended;
        }

        private @Nullable CompletableFuture<Sequenced> duplicateOf(String key, Message draft) {
            Object known = byCid.get(key);
            if (known instanceof Stored) {
                Stored s = (Stored) known;
                return CompletableFuture.completedFuture(new Sequenced(original(s, draft), true));
            }
            if (known instanceof Pending) {
                return ((Pending) known).outcome().thenApply(m -> new Sequenced(m, true));
            }
            return null;
        }

        /** The original message, read back from the store; rebuilt from what was kept if it is gone. */
        private Message original(Stored s, Message draft) {
            try {
                List<Message> read = store.readAfter(room, s.seq() - 1, 1);
                if (!read.isEmpty() && read.get(0).seq() == s.seq()) {
                    return read.get(0);
                }
            } catch (RuntimeException e) {
                // fall through: the reply needs only seq, id and ts
            }
            return new Message(room, s.seq(), s.id(), draft.user(), draft.body(), s.ts(), draft.kind(), draft.cid(),
                    draft.target(), draft.replyTo(), draft.meta());
        }

        synchronized void remember(String key, Object entry) {
            long seq = entry instanceof Stored ? ((Stored) entry).seq() : ((Pending) entry).seq();
            byCid.put(key, entry);
            order.addLast(new Remembered(seq, key));
        }

        private void forget(long upToSeq) {
            while (!order.isEmpty() && order.peekFirst().seq() <= upToSeq) {
                Remembered oldest = order.removeFirst();
                Object entry = byCid.get(oldest.key());
                // A cid used again after a failed append has a newer entry, which stays.
                long seq = entry instanceof Stored ? ((Stored) entry).seq() : entry instanceof Pending ? ((Pending) entry).seq() : -1;
                if (seq == oldest.seq()) {
                    byCid.remove(oldest.key());
                }
            }
        }

        private synchronized void finished(@Nullable String key, CompletableFuture<Message> stored, @Nullable Message m) {
            inFlight--;
            if (m == null) {
                broken = true;
                if (key != null && byCid.get(key) instanceof Pending && ((Pending) byCid.get(key)).outcome() == stored) {
                    byCid.remove(key); // a failed append leaves no trace: its cid may be used again
                }
            } else if (key != null && byCid.get(key) instanceof Pending && ((Pending) byCid.get(key)).outcome() == stored) {
                byCid.put(key, new Stored(m.seq(), m.id(), m.ts()));
            }
        }
    }

    /** A cid whose append is in flight: a duplicate waits for the same outcome. */
    private record Pending(long seq, CompletableFuture<Message> outcome) {}

    /** What a durable message's cid needs for a duplicate's answer. */
    private record Stored(long seq, String id, long ts) {}

    private record Remembered(long seq, String key) {}

    private static String key(String user, String cid) {
        return user + '\n' + cid;
    }

    private static RuntimeException asStoreFailure(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StoreException) {
            return (StoreException) cause;
        }
        return new StoreException("append failed: " + cause.getMessage(), cause);
    }
}
