package dev.parley.chat;

import java.time.Duration;

/**
 * What the engine tells a metrics system as it works: connections, rooms, messages, deliveries,
 * slow readers, store latency and errors. Set one with {@link ChatServer.Builder#metrics}; an
 * adapter binds it to Micrometer, Prometheus or anything else (the example server's {@code
 * MicrometerChatMetrics}), so {@code chat-core} depends on no metrics library.
 *
 * <p>Every method is a no-op by default, so an implementation overrides only what it records.
 *
 * <p><b>Thread safety.</b> Called concurrently from transport threads and room threads: each
 * method must be thread-safe, quick, and must not block (increment a counter and return). What a
 * method throws is logged and ignored; it never fails the command that was being counted.
 *
 * <p><b>Lifecycle.</b> Lives as long as the server built with it; calls begin when the server is
 * built and end when it is closed.
 */
public interface ChatMetrics {

    /** Records nothing: the default. */
    ChatMetrics NONE = new ChatMetrics() {};

    /** A transport handed the engine a new connection. */
    default void onConnectionOpened() {}

    /** A connection that {@link #onConnectionOpened} counted is closed, whatever the reason. */
    default void onConnectionClosed() {}

    /** A room became active in this server's memory (its first command since it was idle). */
    default void onRoomOpened() {}

    /** An idle room left this server's memory; its log and members stay in the store and presence. */
    default void onRoomClosed() {}

    /** A command frame arrived from a client (before it is decoded or rate-limited). */
    default void onFrameReceived() {}

    /** A frame (a reply, an error or a push) was handed to a connection's transport. */
    default void onFrameSent() {}

    /**
     * A new message was stored in {@code room} (a duplicate publish is not counted), from a client
     * or from {@link Room#publish}.
     */
    default void onMessageStored(String room) {}

    /** A {@code message} push was handed to one member connection. */
    default void onMessageDelivered() {}

    /**
     * A member that had stopped at its outbound budget is fed from the log again because its
     * connection drained (PROTOCOL §5.3).
     */
    default void onSlowReaderCatchUp() {}

    /** A member fell behind what the log retains and its connection was closed with 4000. */
    default void onSlowConsumerClosed() {}

    /**
     * An append handed to the sequencer completed, after {@code latency}; {@code failed} when the
     * store refused it ({@code UNAVAILABLE} to the client).
     */
    default void onStoreAppend(Duration latency, boolean failed) {}

    /** An {@code error} frame with this code was sent to a client. */
    default void onError(ErrorCode code) {}
}
