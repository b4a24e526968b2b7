package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import java.time.Duration;

/**
 * What a {@link ParleyClient} tells the application about its connection. Every method is a
 * no-op by default.
 *
 * <p><b>Thread safety.</b> Called on the client's callback executor, one call at a time, in the
 * order the events happened; never on the client's I/O thread. What it throws is logged and
 * otherwise ignored.
 *
 * <p><b>Lifecycle.</b> {@link #onConnected} after every successful {@code hello} (the first
 * connect and each reconnect); {@link #onDisconnected} after every lost or closed connection;
 * {@link #onGaveUp} at most once, last.
 */
public interface ClientListener {

    /** A connection is open and the server said {@code welcome}; rooms are being rejoined. */
    default void onConnected(Welcome welcome) {}

    /** The connection closed or was lost; the client reconnects unless it is closing. */
    default void onDisconnected(int code, String reason) {}

    /** The client will try to connect again after {@code delay}; {@code attempt} counts from 1. */
    default void onReconnectScheduled(int attempt, Duration delay) {}

    /**
     * The client stopped for good: the server refused its credentials, or every reconnect
     * attempt allowed failed. Everything pending has failed with {@code cause}.
     */
    default void onGaveUp(ChatException cause) {}
}
