package dev.parley.chat;

import java.util.List;
import java.util.Objects;

/**
 * The users who currently react to a message with one emoji, after folding every {@link
 * MessageKind#REACT} and {@link MessageKind#UNREACT} of the log in seq order, per user.
 *
 * @param emoji the emoji, as sent in the reaction's body
 * @param users the reacting users, sorted by name, each once; never empty
 */
public record Reaction(String emoji, List<String> users) {

    /** Copies the list and checks that nothing is null. */
    public Reaction {
        Objects.requireNonNull(emoji, "emoji");
        users = List.copyOf(users);
    }

    /** How many users react with this emoji. */
    public int count() {
        return users.size();
    }
}
