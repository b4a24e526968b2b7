package dev.parley.chat;

import java.util.Locale;

/**
 * What a message does to the room's conversation (PROTOCOL §4).
 *
 * <p>The log is append-only: an edit, a deletion or a reaction is a new message that names an
 * earlier {@link #TEXT} message by its seq ({@link Message#target()}); clients fold them when they
 * render.
 */
public enum MessageKind {
    /** An ordinary message; the default. */
    TEXT,
    /** Replaces the body of an earlier text message of the same author. */
    EDIT,
    /** Withdraws an earlier text message of the same author. */
    DELETE,
    /** Adds an emoji reaction (the body) to an earlier text message. */
    REACT,
    /** Removes an emoji reaction (the body) from an earlier text message. */
    UNREACT;

    /** The name of this kind on the wire, such as {@code "text"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind with the given wire name.
     *
     * @throws IllegalArgumentException if no kind has that name
     */
    public static MessageKind fromWireName(String name) {
        for (MessageKind kind : values()) {
            if (kind.wireName().equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown message kind: " + name);
    }

    /** Whether a message of this kind must name an earlier message by {@code target}. */
    public boolean needsTarget() {
        return this != TEXT;
    }
}
