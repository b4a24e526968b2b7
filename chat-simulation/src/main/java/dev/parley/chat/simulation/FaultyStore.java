package dev.parley.chat.simulation;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.ForwardingMessageStore;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The fault injector between the engine and the world's in-memory store. Faults are armed by the
 * world's steps and each fires once: an append that fails (nothing is stored), an append that
 * completes late (stored at once, acknowledged to the engine only when the world releases it),
 * reads that fail.
 *
 * <p>Appends of one room complete in seq order, as a log's do: while one is held, the later ones
 * of that room wait behind it. The store outlives every server of the world, so {@link #close()}
 * does nothing.
 */
final class FaultyStore extends ForwardingMessageStore {
    private boolean failNextAppend;
    private boolean holdNextAppend;
    private int failingReads;
    /** Per room, the completions not yet handed to the engine, oldest first. */
    private final Map<String, ArrayDeque<Held>> held = new TreeMap<>();
    /** Per room, the future the next append must complete after (seq order). */
    private final Map<String, CompletableFuture<Void>> tails = new TreeMap<>();
    private int appendsFailed;
    private int appendsHeld;
    private int readsFailed;

    private record Held(CompletableFuture<Void> gate) {}

    FaultyStore(MessageStore delegate) {
        super(delegate);
    }

    void failNextAppend() {
        failNextAppend = true;
    }

    void holdNextAppend() {
        holdNextAppend = true;
    }

    void failReads(int count) {
        failingReads = count;
    }

    /** Disarms every fault that has not fired yet. */
    void disarm() {
        failNextAppend = false;
        holdNextAppend = false;
        failingReads = 0;
    }

    /** Disarms a late append that has not fired yet (other faults stay armed). */
    void disarmHold() {
        holdNextAppend = false;
    }

    /** Completes the oldest held append of {@code room}; returns whether there was one. */
    boolean releaseOne(String room) {
        ArrayDeque<Held> queue = held.get(room);
        if (queue == null || queue.isEmpty()) {
            return false;
        }
        queue.removeFirst().gate().complete(null);
        return true;
    }

    /** Completes every held append, room by room in name order. */
    void releaseAll() {
        for (String room : List.copyOf(held.keySet())) {
            while (releaseOne(room)) {
                // next
            }
        }
    }

    /** The rooms with a held append, in name order. */
    List<String> roomsHeld() {
        return held.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    /**
     * Forgets held appends without completing them, as a crash does to fsyncs in flight: what they
     * wrote stays in the store, and no one is told.
     */
    void crash() {
        held.clear();
        tails.clear();
    }

    String counters() {
        return "appendsFailed=" + appendsFailed + " appendsHeld=" + appendsHeld + " readsFailed=" + readsFailed;
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        if (failNextAppend) {
            failNextAppend = false;
            appendsFailed++;
            return CompletableFuture.failedFuture(new StoreException("simulated append failure"));
        }
        CompletableFuture<Void> own;
        try {
            own = delegate.append(message);
        } catch (RuntimeException e) {
            own = CompletableFuture.failedFuture(e);
        }
        if (holdNextAppend) {
            holdNextAppend = false;
            appendsHeld++;
            CompletableFuture<Void> gate = new CompletableFuture<>();
            held.computeIfAbsent(message.room(), r -> new ArrayDeque<>()).addLast(new Held(gate));
            own = own.thenCombine(gate, (a, b) -> null);
        }
        CompletableFuture<Void> before = tails.get(message.room());
        CompletableFuture<Void> result;
        if (before == null || before.isDone()) {
            result = own;
        } else {
            // Complete after the earlier append of the room, whatever its outcome, with our own outcome.
            CompletableFuture<Void> mine = own;
            result = before.handle((v, e) -> null).thenCompose(v -> mine);
        }
        tails.put(message.room(), result);
        return result;
    }

    @Override
    public List<Message> readAfter(String room, long afterSeq, int limit) {
        maybeFailRead();
        return delegate.readAfter(room, afterSeq, limit);
    }

    @Override
    public List<Message> readBefore(String room, long beforeSeq, int limit) {
        maybeFailRead();
        return delegate.readBefore(room, beforeSeq, limit);
    }

    private void maybeFailRead() {
        if (failingReads > 0) {
            failingReads--;
            readsFailed++;
            throw new StoreException("simulated read failure");
        }
    }

    /** The store is the world's and outlives each server, as a disk outlives a process. */
    @Override
    public void close() {}
}
