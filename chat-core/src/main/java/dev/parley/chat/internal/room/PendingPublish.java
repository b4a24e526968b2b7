package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.Sequenced;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One publish handed to the sequencer and not answered yet: the one object that the room's
 * {@link PublishPath}, its {@link ConnectionBacklogs} and the engine's {@link PublishesInFlight}
 * all look at, so a publish is counted once. It answers whoever asked: a member's connection
 * ({@code published} or an error) or the server's {@code Room.publish} (its future).
 */
final class PendingPublish {
    final Message draft;
    /** The connection that sent it, or null for {@code Room.publish}. */
    final @Nullable MemberConnection author;
    private final @Nullable Ref ref;
    private final @Nullable CompletableFuture<Message> outcome;
    /** When the append started, by the monotonic clock: the engine's clock may be a test's, standing still. */
    final long startedNanos = System.nanoTime();

    private PendingPublish(Message draft, @Nullable MemberConnection author, @Nullable Ref ref,
            @Nullable CompletableFuture<Message> outcome) {
        this.draft = draft;
        this.author = author;
        this.ref = ref;
        this.outcome = outcome;
    }

    static PendingPublish ofMember(Message draft, MemberConnection author, @Nullable Ref ref) {
        return new PendingPublish(draft, author, ref, null);
    }

    static PendingPublish ofServer(Message draft, CompletableFuture<Message> outcome) {
        return new PendingPublish(draft, null, null, outcome);
    }

    /** Stored (or a duplicate of a stored one): acknowledge it. Only after the append completed. */
    void acknowledge(Sequenced result) {
        if (author != null) {
            author.reply(ServerFrames.published(ref, result.message(), result.duplicate()));
        }
        if (outcome != null) {
            outcome.complete(result.message());
        }
    }

    /** The append failed: the client retries with the same cid, the server's caller gets the error. */
    void failed(ChatException error) {
        if (author != null) {
            author.error(ref, ErrorCode.UNAVAILABLE, "the store failed; retry with the same cid", 0);
        }
        if (outcome != null) {
            outcome.completeExceptionally(error);
        }
    }
}
