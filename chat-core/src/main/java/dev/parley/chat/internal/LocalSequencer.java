package dev.parley.chat.internal;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import dev.parley.chat.spi.Sequenced;
import dev.parley.chat.spi.Sequencer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The single-node {@link Sequencer}: numbers each room's drafts from the store's last seq and keeps
 * the cids of the room's latest {@code dedupeWindow} messages.
 *
 * <p>A room's state is built from the store on its first append and dropped after a failed
 * append, so the next append starts again from what the store really holds.
 */
public final class LocalSequencer implements Sequencer {
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

    private RoomState load(String room) {
        RoomInfo info = store.room(room).orElseThrow(() -> new IllegalArgumentException("no such room: " + room));
        RoomState state = new RoomState(room, info.lastSeq());
        if (dedupeWindow > 0 && info.lastSeq() > 0) {
            List<Message> recent = store.readBefore(room, info.lastSeq() + 1, dedupeWindow);
            for (Message m : recent) {
                state.remember(m, CompletableFuture.completedFuture(m));
            }
        }
        return state;
    }

    private final class RoomState {
        private final String room;
        private long lastSeq;
        private boolean broken;
        private final Map<String, CompletableFuture<Message>> byCid = new HashMap<>();
        private final ArrayDeque<Remembered> order = new ArrayDeque<>();

        RoomState(String room, long lastSeq) {
            this.room = room;
            this.lastSeq = lastSeq;
        }

        synchronized CompletableFuture<Sequenced> append(Message draft) {
            if (broken) {
                // A failed append left this state behind the store's truth; start again from it.
                rooms.remove(room, this);
                return LocalSequencer.this.append(draft);
            }
            String key = draft.cid() == null ? null : key(draft.user(), draft.cid());
            if (key != null) {
                CompletableFuture<Message> original = byCid.get(key);
                if (original != null) {
                    return original.thenApply(m -> new Sequenced(m, true));
                }
            }
            Message message = draft.withSeq(++lastSeq);
            CompletableFuture<Message> stored = store.append(message).thenApply(v -> message);
            if (key != null) {
                remember(message, stored);
            }
            forget(message.seq() - dedupeWindow);
            stored.whenComplete((m, failure) -> {
                if (failure != null) {
                    failed(key, stored);
                }
            });
            return stored.handle((m, failure) -> {
                if (failure == null) {
                    return new Sequenced(m, false);
                }
                throw asStoreFailure(failure);
            });
        }

        synchronized void remember(Message message, CompletableFuture<Message> outcome) {
            if (message.cid() == null) {
                return;
            }
            String key = key(message.user(), message.cid());
            byCid.put(key, outcome);
            order.addLast(new Remembered(message.seq(), key));
        }

        private void forget(long upToSeq) {
            while (!order.isEmpty() && order.peekFirst().seq() <= upToSeq) {
                Remembered oldest = order.removeFirst();
                byCid.remove(oldest.key());
            }
        }

        private synchronized void failed(String key, CompletableFuture<Message> stored) {
            broken = true;
            if (key != null) {
                byCid.remove(key, stored);
            }
        }
    }

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
