package dev.parley.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The server-side handle of one room, for code that runs inside the server: a bot, a notifier,
 * an admin endpoint. Obtained from {@link ChatServer#room(String)}.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread.
 */
public interface Room {

    /** The room id. */
    String id();

    /**
     * Publishes a text message as {@code user}, creating the room if it does not exist. Goes
     * through the same sequencing, dedupe and listeners as a client's publish.
     *
     * @return the stored message, or a future failed with {@link ChatException} ({@link
     *     StoreException} when the store failed)
     * @throws IllegalArgumentException if {@code user} is not a valid user name, or {@code body}
     *     is empty or holds an unpaired surrogate (it is not Unicode text)
     */
    CompletableFuture<Message> publish(String user, String body);

    /**
     * The latest messages before {@code beforeSeq} (use {@link Long#MAX_VALUE} for the newest),
     * ascending, at most {@code limit}.
     *
     * @throws StoreException if the store cannot be read
     */
    List<Message> history(long beforeSeq, int limit);

    /** The room's members, sorted by user name. */
    List<Member> members();

    /**
     * Calls {@code listener} with every message stored in the room from now on, once each, in seq
     * order, on the room's thread (so it must be quick). What it throws is logged and ignored.
     */
    Subscription subscribe(Consumer<Message> listener);
}
