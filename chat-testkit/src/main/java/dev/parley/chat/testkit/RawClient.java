package dev.parley.chat.testkit;

import java.time.Duration;

/**
 * The client end of one raw connection to a transport under {@link TransportContract}: frames
 * without any chat protocol on top. A transport's contract test implements it over its own wire
 * (for WebSocket, the JDK's {@code java.net.http.WebSocket}).
 *
 * <p><b>Thread safety.</b> Sending and waiting may happen on different threads; the frames sent
 * from one thread leave in that order.
 *
 * <p><b>Lifecycle.</b> Opened by {@code TransportContract.connect}; ends when either side closes
 * or {@link #abort()} drops it. {@link #close()} drops it if it is still open.
 */
public interface RawClient extends AutoCloseable {

    /** Sends one text frame and waits until the client has handed it to the network. */
    void sendText(String text);

    /** Sends one binary frame and waits until the client has handed it to the network. */
    void sendBinary(byte[] data);

    /**
     * The next text frame received, in arrival order.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    String nextText(Duration timeout);

    /**
     * Waits until the connection is closed and returns the close code the client saw: the server's
     * close code, or 1006 if the connection ended without one.
     *
     * @throws AssertionError if it is still open after {@code timeout}
     */
    int awaitClose(Duration timeout);

    /** Starts a clean close from the client's side with {@code code}. */
    void close(int code, String reason);

    /** Drops the connection without a close handshake, like a peer whose network vanished. */
    void abort();

    /**
     * Stops reading from the network, so what the server sends piles up in the network buffers
     * and then in the server's queue. Frames already received stay available.
     */
    void pauseReading();

    /** Reads from the network again after {@link #pauseReading()}. */
    void resumeReading();

    /** Drops the connection if it is still open. */
    @Override
    default void close() {
        abort();
    }

    /** Thrown by {@code connect} when the transport refused the connection at its handshake. */
    final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** A refusal described by {@code message} (an HTTP status, say). */
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
