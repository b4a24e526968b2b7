package dev.parley.chat.testkit;

import dev.parley.chat.ChatException;
import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.client.ClientConnector;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.Handshake;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ClientConnector} for a {@code ParleyClient} talking to a server on an {@link
 * InMemoryTransport}, made by {@link InMemoryTransport#clientConnector()}; with switches that
 * simulate a bad network: {@link #dropAll()} cuts every open connection as if the network had
 * failed, {@link InMemoryClientConnection#drop()} cuts one, and {@link #refuseConnections} makes
 * new connections fail as if the server were unreachable.
 *
 * <p><b>Thread safety.</b> Safe from any thread.
 *
 * <p><b>Lifecycle.</b> Usable while its transport is running; a connect after the transport
 * closed fails with {@link ChatException}.
 */
public final class InMemoryClientConnector implements ClientConnector {
    private final Supplier<ConnectionAcceptor> acceptor;
    private final Supplier<String> ids;
    private final List<InMemoryClientConnection> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final @Nullable String token;
    private volatile boolean refusing;

    InMemoryClientConnector(Supplier<ConnectionAcceptor> acceptor, Supplier<String> ids) {
        this(acceptor, ids, null);
    }

    private InMemoryClientConnector(Supplier<ConnectionAcceptor> acceptor, Supplier<String> ids,
            @Nullable String token) {
        this.acceptor = acceptor;
        this.ids = ids;
        this.token = token;
    }

    /** A connector to the same server whose connections present {@code token} at the handshake. */
    public InMemoryClientConnector withToken(String handshakeToken) {
        return new InMemoryClientConnector(acceptor, ids, Objects.requireNonNull(handshakeToken, "handshakeToken"));
    }

    /**
     * Opens a connection to the server at once; fails when the transport is not running or while
     * {@link #refuseConnections refusing}.
     */
    @Override
    public CompletableFuture<ClientConnection> connect(ClientConnection.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (refusing) {
            return CompletableFuture.failedFuture(new java.net.ConnectException("refused (simulated)"));
        }
        ConnectionAcceptor theAcceptor;
        try {
            theAcceptor = acceptor.get();
        } catch (ChatException e) {
            return CompletableFuture.failedFuture(e);
        }
        InMemoryClientConnection connection = new InMemoryClientConnection(
                ids.get(), new Handshake("in-memory-client", token), listener, open::remove);
        open.add(connection);
        opened.incrementAndGet();
        connection.open(theAcceptor.accept(connection.serverSide()));
        return CompletableFuture.completedFuture(connection);
    }

    /**
     * Cuts every open connection as a network failure would: the server and the client both see
     * it closed with 1006, and nothing more is delivered either way.
     *
     * @return how many connections were cut
     */
    public int dropAll() {
        int n = 0;
        for (InMemoryClientConnection c : open) {
            if (c.drop()) {
                n++;
            }
        }
        return n;
    }

    /** The connections open right now, oldest first. */
    public List<InMemoryClientConnection> openConnections() {
        return new ArrayList<>(open);
    }

    /** How many connections this connector has opened so far. */
    public int connectionsOpened() {
        return opened.get();
    }

    /** While true, new connections fail as if the server could not be reached. */
    public void refuseConnections(boolean refuse) {
        this.refusing = refuse;
    }
}
