package dev.parley.chat.spi;

import dev.parley.chat.Message;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where rooms and their message logs live: the in-memory default ({@link #inMemory(int)}), the
 * durable file store of {@code chat-store-file}, or a user's own.
 *
 * <p>A store never numbers a message: it appends the seq it is given (by the {@link Sequencer})
 * and refuses a gap. Every store should pass {@code MessageStoreContract} from
 * {@code chat-testkit}.
 *
 * <p><b>Thread safety.</b> All methods may be called from any thread, concurrently. The engine
 * calls {@link #append} for one room from one thread at a time, in seq order; appends of
 * different rooms arrive concurrently. Reads may run concurrently with appends of the same room
 * and see only completed appends or a consistent prefix of them. Reads are synchronous and should
 * be quick (they run on the engine's room threads).
 *
 * <p><b>Lifecycle.</b> The application opens the store and hands it to the server, which uses it
 * until {@link #close()}; the server closes the store it was given when it closes. After close
 * every method throws or completes exceptionally with {@link dev.parley.chat.StoreException}.
 */
public interface MessageStore extends AutoCloseable {

    /**
     * The in-memory store: fast, bounded, and lost on restart (so every restart begins a new epoch
     * for every room).
     *
     * @param retainMessages how many of the latest messages each room keeps, at least 1
     * @throws IllegalArgumentException if {@code retainMessages} is below 1
     */
    static MessageStore inMemory(int retainMessages) {
        return new InMemoryMessageStore(retainMessages);
    }

    /** The in-memory store keeping the latest 10 000 messages of each room. */
    static MessageStore inMemory() {
        return inMemory(10_000);
    }

    /**
     * The room's current state, or empty if the store has no such room.
     *
     * @throws dev.parley.chat.StoreException if the store cannot answer
     */
    Optional<RoomInfo> room(String room);

    /**
     * Creates the room with a new epoch and no messages, unless it exists.
     *
     * @param topic the topic, {@code ""} for none
     * @param createdAt the creation time in epoch milliseconds
     * @return the new room's state, or empty if a room of that id already existed (it is left as
     *     it was)
     * @throws dev.parley.chat.StoreException if the store cannot create it
     */
    Optional<RoomInfo> create(String room, String topic, long createdAt);

    /**
     * Appends one message to an existing room's log.
     *
     * <p>{@code message.seq()} must be exactly the room's last seq plus one; anything else
     * completes exceptionally with {@link IllegalArgumentException} and appends nothing. The
     * future completes when the message is durable under the store's own durability setting, and
     * futures of one room complete in seq order. Once it has completed normally the message is
     * never lost or changed; a message whose future failed may or may not be stored, and the room
     * may be unavailable until the store recovers it.
     *
     * @return a future completed when the message is stored, or exceptionally with {@link
     *     dev.parley.chat.StoreException} (the store failed) or {@link IllegalArgumentException}
     *     (no such room, a gap or a repeat)
     */
    CompletableFuture<Void> append(Message message);

    /**
     * Up to {@code limit} messages with seq above {@code afterSeq}, ascending. Messages dropped by
     * retention are simply absent.
     *
     * @throws dev.parley.chat.StoreException if the store cannot read the room
     */
    List<Message> readAfter(String room, long afterSeq, int limit);

    /**
     * The latest {@code limit} messages with seq below {@code beforeSeq}, ascending.
     *
     * @throws dev.parley.chat.StoreException if the store cannot read the room
     */
    List<Message> readBefore(String room, long beforeSeq, int limit);

    /** The user's read marker in the room; 0 when none was set. */
    long readMarker(String room, String user);

    /**
     * Persists the user's read marker for the room. The store keeps the larger of the stored and
     * the given value, so a marker never moves back.
     *
     * @return the marker after the move
     * @throws dev.parley.chat.StoreException if the store cannot persist it
     */
    long moveReadMarker(String room, String user, long seq);

    /**
     * Every room the store holds, sorted by id ({@link String#compareTo}; room ids are ASCII, so
     * this is also their byte order).
     *
     * @throws dev.parley.chat.StoreException if the store cannot list them
     */
    List<RoomInfo> rooms();

    /**
     * Makes everything appended durable, then releases the store's resources. Idempotent.
     *
     * @throws dev.parley.chat.StoreException if what was appended cannot be made durable
     */
    @Override
    void close();
}
