package dev.parley.chat.spi;

import dev.parley.chat.Message;
import java.util.concurrent.CompletableFuture;

/**
 * Orders a room's appends: gives each accepted draft the room's next seq, has it stored, and
 * answers a cid that its author already used in the room with the original message (PROTOCOL
 * §5.6).
 *
 * <p>The engine never numbers a message itself. The default, {@link #local(MessageStore, int)},
 * counts from the store's last seq; a shared log (several nodes on one Redis, say) implements this
 * interface as one atomic step of check-cid, increment, append.
 *
 * <p><b>Thread safety.</b> The engine calls {@link #append} for one room from one thread at a time
 * (the room's single writer), for different rooms concurrently. Futures of one room complete in
 * seq order.
 *
 * <p><b>Lifecycle.</b> Created with the store it writes to, used until the server closes; it holds
 * no resources of its own.
 */
public interface Sequencer {

    /**
     * The single-node sequencer: counts from the store's last seq under each room's single writer
     * and keeps a window of the latest {@code dedupeWindow} messages' cids per room, rebuilt from
     * the store when a room is first used.
     *
     * @throws IllegalArgumentException if {@code dedupeWindow} is negative
     */
    static Sequencer local(MessageStore store, int dedupeWindow) {
        return new LocalSequencer(store, dedupeWindow);
    }

    /**
     * Sequences and stores a draft of an existing room, unless its {@code cid} was already used by
     * the same user in the room within the dedupe window.
     *
     * <p>The draft's {@code seq} is ignored (a draft has 0). A duplicate completes with the
     * original message (its seq, id and ts) and {@code duplicate} true; if the original is still
     * being stored, the duplicate completes with the original's outcome. A failed append leaves
     * no trace: its cid may be used again.
     *
     * @return the stored message, or a future failed with {@link dev.parley.chat.StoreException}
     *     when the store failed
     */
    CompletableFuture<Sequenced> append(Message draft);

    /**
     * The engine keeps nothing of this room in memory any more (nobody has used it for a while).
     * A sequencer may drop what it holds for the room and rebuild it from the store when the room
     * is used again; appends still in flight must be left alone. The default does nothing.
     */
    default void release(String room) {}

    /**
     * Called once by the engine when it starts, with what to tell it when a room's log grows by
     * appends this node did not make (another node of a cluster published): {@code
     * headAdvanced.accept(room, seq)}. The engine then feeds its members from the store, in order;
     * a notice that comes late, twice or out of order is harmless, because members read the log,
     * not the notices. A single-node sequencer never calls it; the default ignores it.
     */
    default void watch(java.util.function.BiConsumer<String, Long> headAdvanced) {}
}
