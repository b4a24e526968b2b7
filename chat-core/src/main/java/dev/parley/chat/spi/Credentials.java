package dev.parley.chat.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a client presented to prove who it is: the {@code user} and {@code token} of its {@code
 * hello}, and the token of the transport's handshake.
 *
 * @param user the {@code user} field of {@code hello} (already a valid user name), or null
 * @param token the {@code token} field of {@code hello}, or null
 * @param handshake what the transport learned when the connection opened
 */
public record Credentials(@Nullable String user, @Nullable String token, Handshake handshake) {

    /** The token of {@code hello} if it has one, otherwise the handshake's, otherwise null. */
    public @Nullable String anyToken() {
        return token != null ? token : handshake.token();
    }
}
