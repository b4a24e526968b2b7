package dev.parley.chat.client;

/**
 * One open connection from a client to a Parley server, made by a {@link ClientConnector}: a pipe
 * of text frames, each one JSON object of PROTOCOL.md.
 *
 * <p><b>Thread safety.</b> {@link #send} and {@link #close} may be called from any thread; frames
 * sent from one thread leave in that order. Neither blocks: a connection queues what it cannot
 * write at once.
 *
 * <p><b>Lifecycle.</b> Open from the moment the connector's future completes until it is closed
 * by either side or lost. Once closed, {@link #send} drops frames silently and {@link #close} does
 * nothing; the {@link Listener} has been told (or is about to be told) with one {@link
 * Listener#onClosed} call.
 */
public interface ClientConnection {

    /**
     * Queues one text frame for the server. Never blocks, and never throws because the peer has
     * gone: a frame sent on a closed connection is dropped (the client learns of the close from
     * its listener and resends what needs resending on the next connection).
     */
    void send(String text);

    /**
     * Closes the connection after the frames already queued, as far as the transport can, with a
     * close code of PROTOCOL §7 (a client normally uses 1000). The listener gets {@link
     * Listener#onClosed} with this code soon after, unless the connection was already closed.
     * Idempotent.
     */
    void close(int code, String reason);

    /**
     * What a connection reports to its owner.
     *
     * <p><b>Thread safety.</b> A connection calls its listener from its own threads, one call at
     * a time, in the order the events happened; never concurrently with itself. Implementations
     * must return quickly and never block, because they run on the transport's I/O threads.
     *
     * <p><b>Lifecycle.</b> {@link #onText} is called for every complete inbound text frame until
     * the connection closes; {@link #onClosed} is called exactly once, last, whoever closed.
     */
    interface Listener {

        /** A complete text frame from the server (already reassembled from its fragments). */
        void onText(String text);

        /**
         * The connection is closed, by the server, by this side, or lost.
         *
         * @param code the close code; 1006 when the connection was lost without one
         * @param reason the close reason or a description of the failure, possibly empty
         */
        void onClosed(int code, String reason);
    }
}
