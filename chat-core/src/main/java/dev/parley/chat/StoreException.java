package dev.parley.chat;

import org.jspecify.annotations.Nullable;

/**
 * A store could not do what was asked (a failed write or fsync, a closed store, a corrupt log).
 * Answered as {@link ErrorCode#UNAVAILABLE}: nothing was acknowledged, and a publish may be retried
 * with the same cid.
 */
public class StoreException extends ChatException {
    private static final long serialVersionUID = 1L;

    /** A store failure with a message for people and its cause, typically an {@code IOException}. */
    public StoreException(String message, @Nullable Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, cause);
    }

    /** A store failure with a message for people. */
    public StoreException(String message) {
        this(message, null);
    }
}
