package dev.parley.chat.protocol;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import org.jspecify.annotations.Nullable;

/**
 * A frame that breaks the protocol: answered with {@code error} carrying {@link #code()}, and with
 * the frame's {@code ref} when it had a valid one.
 */
public final class ProtocolException extends ChatException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable Ref ref;

    /** A violation with the frame's ref (null when the frame had none or an invalid one). */
    public ProtocolException(ErrorCode code, String message, @Nullable Ref ref) {
        super(code, message);
        this.ref = ref;
    }

    /** The valid {@code ref} of the offending frame, or null. */
    public @Nullable Ref ref() {
        return ref;
    }
}
