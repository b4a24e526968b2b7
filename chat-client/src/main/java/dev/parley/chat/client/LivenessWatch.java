package dev.parley.chat.client;

import dev.parley.chat.protocol.Command;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a connection that died without closing (a frozen server, a dropped network): every
 * ping interval it sends a {@code ping}, and when the next tick finds that nothing at all came
 * from the server since that ping, it closes the connection, so that the client reconnects. A
 * dead connection is so noticed within about two ping intervals, whatever the traffic before.
 *
 * <p>The ping interval is the client's own ({@link ParleyClient.Builder#pingInterval}), by
 * default half the server's heartbeat: the server's pings are WebSocket control frames that a
 * client connector may never see, and waiting for two of its heartbeats let a listener sit on a
 * dead connection for more than a minute.
 *
 * <p>Confined to the loop.
 */
final class LivenessWatch {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    /** When the server announces no heartbeat, assume the protocol's default. */
    private static final long DEFAULT_HEARTBEAT_MS = 25_000;

    private final String name;
    private final ConnectionState connection;
    private final ClientThreads threads;
    /** The client's own interval; null: half the server's heartbeat. */
    private final @Nullable Duration pingInterval;
    /** Whether a ping went out and nothing came back since. */
    private boolean pingOutstanding;

    LivenessWatch(String name, ConnectionState connection, ClientThreads threads, @Nullable Duration pingInterval) {
        this.name = name;
        this.connection = connection;
        this.threads = threads;
        this.pingInterval = pingInterval;
    }

    /** A connection opened. */
    void opened() {
        pingOutstanding = false;
    }

    /** A frame arrived: the server is there. */
    void frameArrived() {
        pingOutstanding = false;
    }

    void connectionLost() {
        pingOutstanding = false;
    }

    /** Watches the welcomed connection of attempt {@code gen} until it is gone. */
    void watch(long gen, long heartbeatMs) {
        long intervalNanos = pingInterval != null
                ? pingInterval.toNanos()
                : TimeUnit.MILLISECONDS.toNanos(Math.max(1, (heartbeatMs > 0 ? heartbeatMs : DEFAULT_HEARTBEAT_MS) / 2));
        pingOutstanding = false;
        tick(gen, intervalNanos);
    }

    private void tick(long gen, long intervalNanos) {
        threads.schedule(intervalNanos, () -> {
            ClientConnection c = connection.current();
            if (gen != connection.generation() || c == null || connection.isClosed()) {
                return;
            }
            if (pingOutstanding) {
                // A whole interval since the ping, and not one frame: the server is gone even if
                // the socket is not closed.
                log.warn("{}: no answer from the server within {} ms of a ping; reconnecting", name,
                        TimeUnit.NANOSECONDS.toMillis(intervalNanos));
                c.close(1001, "no response from the server");
                return;
            }
            pingOutstanding = true;
            connection.send(new Command.Ping(null));
            tick(gen, intervalNanos);
        });
    }
}
