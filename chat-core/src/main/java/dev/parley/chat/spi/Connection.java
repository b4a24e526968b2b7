package dev.parley.chat.spi;

/**
 * The engine's side of one client connection, implemented by a {@link Transport}.
 *
 * <p>The engine, not the transport, owns backpressure: it looks at {@link #queuedBytes()} before
 * it sends a message push, stops when the connection is over its budget, and asks with {@link
 * #requestDrainNotice()} to be told when the backlog is gone.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread, concurrently; frames passed
 * to {@link #send} from one thread are delivered in that order.
 *
 * <p><b>Lifecycle.</b> Usable from the moment the transport hands it to the engine until it is
 * closed by either side; after that {@link #send} returns false and the other methods do nothing.
 */
public interface Connection {

    /** An id unique among this transport's connections, for logs. */
    String id();

    /** What the transport learned when the connection was opened. */
    Handshake handshake();

    /**
     * Queues a frame for the peer. Never blocks and never throws for a closed peer.
     *
     * @return false if the connection is closed and the frame was dropped
     */
    boolean send(OutboundFrame frame);

    /** How many payload bytes are queued for this connection and not yet written out. */
    long queuedBytes();

    /**
     * Asks for one call of {@link ConnectionHandler#onDrained()} once {@link #queuedBytes()} is
     * 0: soon after this call if it already is, otherwise when the backlog has been written.
     * Several requests before the notice are answered by one notice. A closed connection sends
     * none.
     */
    void requestDrainNotice();

    /**
     * Closes the connection with a close code of PROTOCOL §7 after the frames already queued,
     * as far as the transport can. Idempotent.
     */
    void close(int code, String reason);
}
