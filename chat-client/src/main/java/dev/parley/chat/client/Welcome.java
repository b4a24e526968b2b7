package dev.parley.chat.client;

import dev.parley.chat.protocol.ServerFrame;
import java.util.Objects;

/**
 * The server's {@code welcome}: who the session is and the limits it will enforce (PROTOCOL §4).
 *
 * @param session the server's id of this session, for logs
 * @param user the authenticated user
 * @param heartbeatMs how often the server checks that the connection is alive
 * @param maxFrameBytes the largest frame the server accepts
 * @param maxBodyBytes the largest message body, in UTF-8 bytes
 * @param historyLimit the most messages one {@code history} reply holds
 * @param publishPerSecond the sustained publish rate of one connection
 */
public record Welcome(
        String session,
        String user,
        long heartbeatMs,
        int maxFrameBytes,
        int maxBodyBytes,
        int historyLimit,
        int publishPerSecond) {

    /** Checks that nothing is null. */
    public Welcome {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(user, "user");
    }

    static Welcome of(ServerFrame.WelcomeFrame f) {
        return new Welcome(f.session(), f.user(), f.heartbeatMs(), f.maxFrameBytes(), f.maxBodyBytes(),
                f.historyLimit(), f.publishPerSecond());
    }
}
