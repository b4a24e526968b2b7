package dev.parley.chat.spi;

/**
 * The engine's handler of one connection's inbound events, returned to the transport by {@link
 * ConnectionAcceptor#accept}.
 *
 * <p><b>Thread safety.</b> A transport calls the methods of one handler in the order the events
 * happened, never concurrently with each other except {@link #onDrained()}, which may come from
 * any thread at any time. None of them blocks: the engine hands work to its own threads.
 *
 * <p><b>Lifecycle.</b> {@link #onClosed} is called exactly once, last, whoever closed.
 */
public interface ConnectionHandler {

    /** A complete text frame (already reassembled and checked against the frame limit). */
    void onText(String text);

    /** A binary frame, which the protocol refuses. */
    void onBinary();

    /** The backlog asked about with {@link Connection#requestDrainNotice()} has been written. */
    void onDrained();

    /**
     * The connection is closed.
     *
     * @param code the close code, or 1006 when the connection was lost without one
     */
    void onClosed(int code, String reason);
}
