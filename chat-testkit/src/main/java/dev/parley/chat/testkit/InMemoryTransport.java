package dev.parley.chat.testkit;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A transport inside the JVM, for tests of the engine without sockets: {@link #connect()} opens a
 * {@link RecordingClient} whose frames go straight to the engine and back.
 *
 * <p>Its connections account queued bytes like a real transport: a client that {@link
 * RecordingClient#pause() pauses} stops taking frames, so they queue on the server side until it
 * {@link RecordingClient#resume() resumes}.
 *
 * <p><b>Thread safety.</b> Safe from any thread.
 */
public final class InMemoryTransport implements Transport {
    private final List<InMemoryConnection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile @Nullable ConnectionAcceptor acceptor;
    private volatile boolean closed;

    @Override
    public void start(ConnectionAcceptor acceptor) {
        this.acceptor = acceptor;
    }

    /** Opens a connection without handshake credentials. */
    public RecordingClient connect() {
        return connect(null);
    }

    /**
     * Opens a connection that presents {@code token} at the handshake.
     *
     * @throws ChatException if the transport is not started or is closed
     */
    public RecordingClient connect(@Nullable String token) {
        ConnectionAcceptor theAcceptor = acceptor;
        if (theAcceptor == null || closed) {
            throw new ChatException(ErrorCode.UNAVAILABLE, "the transport is not running");
        }
        RecordingClient client = new RecordingClient();
        InMemoryConnection connection = new InMemoryConnection(
                "mem-" + ids.incrementAndGet(), new Handshake("in-memory", token), client);
        connections.add(connection);
        connection.open(theAcceptor.accept(connection));
        return client;
    }

    /**
     * A connector through which a {@code ParleyClient} reaches this transport's server, with
     * switches to cut connections and refuse new ones (simulated network failures). Clients may
     * connect once the server has started the transport, until it is closed.
     */
    public InMemoryClientConnector clientConnector() {
        return new InMemoryClientConnector(() -> {
            ConnectionAcceptor theAcceptor = acceptor;
            if (theAcceptor == null || closed) {
                throw new ChatException(ErrorCode.UNAVAILABLE, "the transport is not running");
            }
            return theAcceptor;
        }, () -> "mem-client-" + ids.incrementAndGet());
    }

    @Override
    public void close() {
        closed = true;
        for (InMemoryConnection connection : connections) {
            connection.close(1001, "transport closed");
        }
    }
}
