package dev.parley.chat.protocol;

import java.util.Objects;

/**
 * A command's {@code ref}, which the server copies into its reply: an integer within ±(2^53 − 1)
 * or a string of at most 64 characters (PROTOCOL §1, §9).
 *
 * @param json the ref as JSON text ({@code 7} or {@code "a-7"}), ready to be written back
 */
public record Ref(String json) {
    /** Checks that the text is present. */
    public Ref {
        Objects.requireNonNull(json, "json");
    }
}
