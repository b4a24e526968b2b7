package dev.parley.chat.client;

import dev.parley.chat.protocol.Command;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a connection that died without closing: after a heartbeat interval without a frame
 * from the server it pings, and after a second one it closes the connection, so that the client
 * reconnects.
 *
 * <p>Confined to the loop.
 */
final class LivenessWatch {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    /** When the server announces no heartbeat, check the connection this often. */
    private static final long DEFAULT_HEARTBEAT_MS = 25_000;

    private final String name;
    private final ConnectionState connection;
    private final ClientThreads threads;
    private long lastInboundNanos;
    private boolean pingOutstanding;

    LivenessWatch(String name, ConnectionState connection, ClientThreads threads) {
        this.name = name;
        this.connection = connection;
        this.threads = threads;
    }

    /** A connection opened: its silence counts from now. */
    void opened() {
        lastInboundNanos = System.nanoTime();
    }

    /** A frame arrived: the server is there. */
    void frameArrived() {
        lastInboundNanos = System.nanoTime();
        pingOutstanding = false;
    }

    void connectionLost() {
        pingOutstanding = false;
    }

    /** Watches the welcomed connection of attempt {@code gen} until it is gone. */
    void watch(long gen, long heartbeatMs) {
        check(gen, heartbeatMs > 0 ? heartbeatMs : DEFAULT_HEARTBEAT_MS);
    }

    private void check(long gen, long heartbeatMs) {
        long interval = TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        threads.schedule(interval, () -> {
            ClientConnection c = connection.current();
            if (gen != connection.generation() || c == null || connection.isClosed()) {
                return;
            }
            long quiet = System.nanoTime() - lastInboundNanos;
            if (quiet >= interval) {
                if (pingOutstanding) {
                    // Two intervals of silence: the connection is dead even if the socket is not closed.
                    log.info("{}: no frame from the server for {} ms; reconnecting", name,
                            TimeUnit.NANOSECONDS.toMillis(quiet));
                    c.close(1001, "no response from the server");
                    return;
                }
                pingOutstanding = true;
                connection.send(new Command.Ping(null));
            }
            check(gen, heartbeatMs);
        });
    }
}
