package dev.parley.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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
     * Publishes a text message as {@code user} with a client message id, so that a retry appends
     * once (PROTOCOL §5.6): when {@code user} already used {@code cid} in this room within the
     * dedupe window, nothing is appended and the future completes with the original message
     * (its seq, id and ts), whatever {@code body} is now. A publish with the same cid still being
     * stored waits for that one's outcome. Otherwise the same as {@link #publish(String, String)};
     * a null {@code cid} is that method.
     *
     * <p>This is how an HTTP endpoint maps an {@code Idempotency-Key} onto the protocol's cid. The
     * server-side publish checks no {@link dev.parley.chat.spi.Authorizer}: code that publishes
     * for a caller checks {@code mayPublish} for that caller first.
     *
     * @return the stored message (the original one for a duplicate), or a future failed with
     *     {@link ChatException} ({@link StoreException} when the store failed)
     * @throws IllegalArgumentException if {@code user} is not a valid user name, {@code body} is
     *     empty or holds an unpaired surrogate, or {@code cid} is not 1 to 64 characters from
     *     {@code !} to {@code ~}
     */
    CompletableFuture<Message> publish(String user, String body, @Nullable String cid);

    /**
     * The latest messages before {@code beforeSeq} (use {@link Long#MAX_VALUE} for the newest),
     * ascending, at most {@code limit}.
     *
     * @throws StoreException if the store cannot be read
     */
    List<Message> history(long beforeSeq, int limit);

    /**
     * The latest {@code limit} text messages before {@code beforeSeq} (use {@link Long#MAX_VALUE}
     * for the newest), ascending, each folded with what the log says about it after it: its latest
     * edit, whether it was deleted, its reactions and its reply count (see {@link MessageFold}).
     * Edits, deletes, reactions and replies count wherever they lie in the log, also after the
     * page and up to the head, so every page of a room's history is folded the same way; the
     * read forward is bounded at {@value #VIEW_MAX_FOLDED} messages, after which later events of
     * a very old page are not applied. Reads the store on the calling thread.
     *
     * @throws IllegalArgumentException if {@code limit} is not in [1, 1000]
     * @throws StoreException if the store cannot be read
     */
    List<FoldedMessage> view(long beforeSeq, int limit);

    /** How many messages at most {@link #view} reads forward from the start of its page. */
    int VIEW_MAX_FOLDED = 100_000;

    /** The room's members, sorted by user name. */
    List<Member> members();

    /**
     * Calls {@code listener} with every message stored in the room from now on, once each, in seq
     * order, on the room's thread (so it must be quick). What it throws is logged and ignored.
     */
    Subscription subscribe(Consumer<Message> listener);
}
