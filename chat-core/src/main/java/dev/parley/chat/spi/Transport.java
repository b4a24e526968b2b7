package dev.parley.chat.spi;

/**
 * Moves the protocol's text frames between clients and the engine: WebSocket in {@code
 * chat-transport-websocket}, an in-JVM pipe in {@code chat-testkit}, or a user's own. Every
 * transport should pass {@code TransportContract} from {@code chat-testkit}.
 *
 * <p><b>Thread safety.</b> {@link #start} and {@link #close} are called by the server, once each.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds and begins to accept; {@link #close} stops accepting
 * and closes what is still open. The engine says {@code bye} to every client before it closes the
 * transport.
 */
public interface Transport extends AutoCloseable {

    /**
     * Binds and starts accepting connections, handing each to {@code acceptor}. Returns once the
     * transport is ready for clients.
     *
     * @throws dev.parley.chat.ChatException if it cannot bind or start
     */
    void start(ConnectionAcceptor acceptor);

    /** Stops accepting and closes every connection still open (code 1001). Idempotent. */
    @Override
    void close();
}
