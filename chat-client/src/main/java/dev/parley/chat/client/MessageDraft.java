package dev.parley.chat.client;

import dev.parley.chat.MessageKind;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link ParleyClient#publish(String, MessageDraft)} sends: a message before the server has
 * numbered it. Use the factories; the server checks the rest (PROTOCOL §9, "publish").
 *
 * @param kind what the message does
 * @param body the body; an emoji for a reaction, {@code ""} for a delete
 * @param target the seq of the message an edit, delete or reaction names, or 0 for text
 * @param replyTo the seq of the message a text message answers, or 0
 * @param meta application data as a JSON object text (at most 2 KiB), or null
 */
public record MessageDraft(MessageKind kind, String body, long target, long replyTo, @Nullable String meta) {

    /**
     * Checks that nothing required is null, that {@code target} is set exactly for the kinds
     * that name a message, and that the numbers are not negative.
     *
     * @throws IllegalArgumentException if a field breaks these rules
     */
    public MessageDraft {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(body, "body");
        if (target < 0 || replyTo < 0) {
            throw new IllegalArgumentException("target and replyTo must not be negative: " + target + ", " + replyTo);
        }
        if (kind.needsTarget() != (target > 0)) {
            throw new IllegalArgumentException(kind.needsTarget()
                    ? "a " + kind.wireName() + " needs a target"
                    : "a text message has no target");
        }
    }

    /** A plain text message. */
    public static MessageDraft text(String body) {
        return new MessageDraft(MessageKind.TEXT, body, 0, 0, null);
    }

    /** A text message that answers message {@code replyTo}. */
    public static MessageDraft reply(long replyTo, String body) {
        return new MessageDraft(MessageKind.TEXT, body, 0, replyTo, null);
    }

    /** A new body for this user's earlier message {@code target}. */
    public static MessageDraft edit(long target, String body) {
        return new MessageDraft(MessageKind.EDIT, body, target, 0, null);
    }

    /** Withdraws this user's earlier message {@code target}. */
    public static MessageDraft delete(long target) {
        return new MessageDraft(MessageKind.DELETE, "", target, 0, null);
    }

    /** Adds the reaction {@code emoji} to message {@code target}. */
    public static MessageDraft react(long target, String emoji) {
        return new MessageDraft(MessageKind.REACT, emoji, target, 0, null);
    }

    /** Removes the reaction {@code emoji} from message {@code target}. */
    public static MessageDraft unreact(long target, String emoji) {
        return new MessageDraft(MessageKind.UNREACT, emoji, target, 0, null);
    }

    /** This draft with application data, a JSON object text such as {@code {"url":"https://…"}}. */
    public MessageDraft withMeta(@Nullable String metaJson) {
        return new MessageDraft(kind, body, target, replyTo, metaJson);
    }
}
