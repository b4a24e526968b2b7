package dev.parley.chat.protocol;

import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import org.jspecify.annotations.Nullable;

/**
 * A client command of PROTOCOL §4, decoded and checked for shape, sizes and names by {@link
 * CommandDecoder}. Optional fields that were absent (or {@code null}) are null, or 0 for seqs
 * (message seqs start at 1).
 */
public sealed interface Command {

    /** The command's {@code ref}, or null when it had none. */
    @Nullable Ref ref();

    /** {@code hello}: opens the session. */
    record Hello(@Nullable Ref ref, @Nullable String user, @Nullable String token, @Nullable String client)
            implements Command {}

    /**
     * {@code join}.
     *
     * @param since resume after this seq, or null for no resume
     * @param recent how many latest messages to return when not recovering, or null for the default
     */
    record Join(@Nullable Ref ref, String room, @Nullable Long since, @Nullable String epoch, @Nullable Integer recent)
            implements Command {}

    /** {@code leave}. */
    record Leave(@Nullable Ref ref, String room) implements Command {}

    /**
     * {@code publish}; {@code body} is {@code ""} for a delete without one, {@code target} and
     * {@code replyTo} are 0 when absent, {@code meta} is compact JSON text or null.
     */
    record Publish(
            @Nullable Ref ref,
            String room,
            String body,
            @Nullable String cid,
            MessageKind kind,
            long target,
            long replyTo,
            @Nullable String meta)
            implements Command {}

    /** {@code history}; {@code before}/{@code after} are null when absent, as is {@code limit}. */
    record History(@Nullable Ref ref, String room, @Nullable Long before, @Nullable Long after, @Nullable Integer limit)
            implements Command {}

    /** {@code members}. */
    record Members(@Nullable Ref ref, String room) implements Command {}

    /** {@code status}. */
    record Status(@Nullable Ref ref, PresenceStatus status) implements Command {}

    /** {@code typing}. */
    record Typing(@Nullable Ref ref, String room, boolean typing) implements Command {}

    /** {@code read}. */
    record Read(@Nullable Ref ref, String room, long seq) implements Command {}

    /** {@code rooms}. */
    record Rooms(@Nullable Ref ref) implements Command {}

    /** {@code create}; {@code topic} is {@code ""} when absent. */
    record Create(@Nullable Ref ref, String room, String topic) implements Command {}

    /** {@code ping}. */
    record Ping(@Nullable Ref ref) implements Command {}
}
