package dev.parley.chat.internal.room;

import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.spi.OutboundFrame;
import org.jspecify.annotations.Nullable;

/**
 * A member's connection as a room sees it: all a room may do with a connection. The engine's
 * session implements it; room code never sees the session itself, so a room can be driven by a
 * test or a simulation through this interface alone.
 *
 * <p>Called on the room's mailbox; an implementation is shared by every room the connection
 * joined, so it must be thread-safe.
 */
public interface MemberConnection {
    /** The authenticated user; rooms see a connection only after its {@code hello}. */
    String user();

    /** Whether the connection has closed; a closed connection is let go as if it were lost. */
    boolean isClosed();

    /**
     * Sends a push if the connection is under its outbound budget, else asks for a drain notice.
     *
     * @return false if it was not sent (over budget, or closed)
     */
    boolean trySendPush(OutboundFrame frame);

    /** Sends a reply to a command, whatever the budget. */
    void reply(OutboundFrame frame);

    /** Sends an error frame (and closes the connection once it earned too many). */
    void error(@Nullable Ref ref, ErrorCode code, String message, long retryAfterMs);

    /** Asks to have {@code room} told (its {@code resume}) when the connection has drained. */
    void awaitDrain(String room);

    /** Closes the connection with a close code. */
    void close(int code, String reason);

    /**
     * The room answered a join of this connection.
     *
     * @return false if the connection closed meanwhile: the room must let it go again
     */
    boolean joinAnswered(String room, boolean member);

    /** The room has let this connection go. */
    void left(String room);
}
