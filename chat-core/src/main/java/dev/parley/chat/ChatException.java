package dev.parley.chat;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one unchecked exception of Parley's API. Its {@link #code()} is the protocol error a client
 * receives when the exception ends one of its commands.
 *
 * <p>Code that Parley calls back (a {@link ChatListener}, an authenticator, a store) throws it to
 * refuse with a specific code; anything else it throws is answered as {@link ErrorCode#INTERNAL}.
 */
public class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /** An exception answered with {@code code} and a message for people. */
    public ChatException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** An exception answered with {@code code}, a message for people, and its cause. */
    public ChatException(ErrorCode code, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The protocol error code this exception is answered with. */
    public ErrorCode code() {
        return code;
    }
}
