package dev.parley.chat;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A text message as a reader sees it once the later messages that name it are folded in: its
 * latest edit applied, whether it was deleted, its reactions and how many replies it has. Made by
 * {@link MessageFold}; returned by {@link Room#view(long, int)} on the server and by {@code
 * RoomState} in the Java client.
 *
 * @param original the text message as it was first stored (its seq, id, author and time)
 * @param body the body of its latest edit, or the original body if it was never edited; {@code ""}
 *     once deleted
 * @param meta the meta of its latest edit that carried meta, else the original's; null once deleted
 * @param edited whether at least one edit applies to it
 * @param deleted whether it was deleted
 * @param reactions the current reactions, one per emoji, in the order each emoji first appeared
 * @param replies how many text messages answer it ({@link Message#replyTo()}), deleted ones excluded
 */
public record FoldedMessage(
        Message original,
        String body,
        @Nullable String meta,
        boolean edited,
        boolean deleted,
        List<Reaction> reactions,
        int replies) {

    /** Copies the list and checks that nothing is null. */
    public FoldedMessage {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(body, "body");
        reactions = List.copyOf(reactions);
    }

    /** The seq of the original message. */
    public long seq() {
        return original.seq();
    }

    /** The author of the original message. */
    public String user() {
        return original.user();
    }
}
