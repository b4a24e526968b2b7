package dev.parley.chat.client;

import java.util.concurrent.CompletableFuture;

/**
 * Opens connections to a Parley server for a {@link ParleyClient}: the client's side of a
 * transport. {@code WebSocketClientConnector} in {@code chat-transport-websocket} speaks
 * WebSocket; the testkit's {@code InMemoryClientConnector} talks to an in-JVM server; a user may
 * plug in any other pipe that moves the text frames of PROTOCOL.md.
 *
 * <p>A connector knows only frames and closes. It does not speak the protocol: the client sends
 * {@code hello} itself, and it decides on reconnects, so a connector never reconnects on its own.
 *
 * <p><b>Thread safety.</b> {@link #connect} may be called from any thread, and again while an
 * earlier connection is still open (a reconnecting client does so after a loss).
 *
 * <p><b>Lifecycle.</b> A connector is made once and used for every connection of a client. It
 * holds no connection itself; each {@link ClientConnection} it returns lives until either side
 * closes it.
 */
@FunctionalInterface
public interface ClientConnector {

    /**
     * Opens one connection and reports its inbound events to {@code listener}.
     *
     * <p>Must not block: the returned future completes when the connection is open, or fails
     * (with any exception) when it could not be opened. When it fails, {@code listener} is never
     * called. When it succeeds, {@code listener} gets the connection's frames and then exactly one
     * {@link ClientConnection.Listener#onClosed}; it may already get frames before the future's
     * dependants run.
     *
     * @param listener where the new connection's frames and close go
     * @return the open connection, or a failure
     */
    CompletableFuture<ClientConnection> connect(ClientConnection.Listener listener);
}
