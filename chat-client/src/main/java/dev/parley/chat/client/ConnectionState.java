package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.CommandEncoder;
import org.jspecify.annotations.Nullable;

/**
 * What every part of the client needs to know about its connection: the client's phase, which
 * connection attempt is current, the connection itself and whether the server welcomed it; and
 * sending a command on it. {@link ConnectionLifecycle} alone changes it.
 *
 * <p>Confined to the loop, except the phase: any thread may read it ({@link #phase()}, {@link
 * #isClosing()}, {@link #isClosed()}, {@link #checkOpen()}).
 */
final class ConnectionState {

    enum Phase { NEW, CONNECTING, CONNECTED, CLOSING, CLOSED }

    private volatile Phase phase = Phase.NEW;
    /** Counts connection attempts; events and timers of an older attempt are ignored. */
    private long generation;
    private @Nullable ClientConnection connection;
    /** Whether the current connection's hello was answered with welcome; implies a connection. */
    private boolean welcomed;

    Phase phase() {
        return phase;
    }

    void enter(Phase next) {
        phase = next;
    }

    /** Whether the client is closing or closed: new work is refused. */
    boolean isClosing() {
        Phase now = phase;
        return now == Phase.CLOSING || now == Phase.CLOSED;
    }

    boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    /** @throws IllegalStateException if the client is closing or closed */
    void checkOpen() {
        if (isClosing()) {
            throw new IllegalStateException("the client is closed");
        }
    }

    /** What pending work fails with when the client closes. */
    static ChatException closedException() {
        return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
    }

    long generation() {
        return generation;
    }

    /** Starts a new attempt: whatever the older ones still report is ignored from now on. */
    long nextGeneration() {
        return ++generation;
    }

    /** The current connection, null between connections. */
    @Nullable ClientConnection current() {
        return connection;
    }

    void connected(ClientConnection c) {
        connection = c;
    }

    boolean isWelcomed() {
        return welcomed;
    }

    void welcomed() {
        welcomed = true;
    }

    /** Forgets the current connection (without closing it) and returns it. */
    @Nullable ClientConnection detach() {
        ClientConnection c = connection;
        connection = null;
        welcomed = false;
        return c;
    }

    /** Sends on the current connection; dropped when there is none (it is resent on the next). */
    void send(Command command) {
        ClientConnection c = connection;
        if (c != null) {
            c.send(CommandEncoder.encode(command));
        }
    }
}
