package dev.parley.chat.spi;

import dev.parley.chat.Message;
import java.util.Objects;

/**
 * The outcome of {@link Sequencer#append}: the stored message and whether it was stored by an
 * earlier publish with the same cid.
 *
 * @param message the stored message, with its seq, id and ts
 * @param duplicate true when the cid had already been used and nothing new was appended
 */
public record Sequenced(Message message, boolean duplicate) {
    /** Checks that the message is present and sequenced. */
    public Sequenced {
        Objects.requireNonNull(message, "message");
        if (message.seq() < 1) {
            throw new IllegalArgumentException("a sequenced message has a positive seq: " + message.seq());
        }
    }
}
