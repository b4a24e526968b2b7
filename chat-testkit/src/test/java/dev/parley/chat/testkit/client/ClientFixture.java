package dev.parley.chat.testkit.client;

import dev.parley.chat.ChatServer;
import dev.parley.chat.client.Backoff;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.testkit.InMemoryClientConnector;
import dev.parley.chat.testkit.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A server on the in-JVM transport (real clock) and Parley clients connected to it through the
 * transport's client connector; everything is closed after the test.
 */
final class ClientFixture implements AutoCloseable {
    /** Short delays, so reconnects in tests take milliseconds. */
    static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(20), 2.0, 0.5);

    final InMemoryTransport transport = new InMemoryTransport();
    final ChatServer server;
    final InMemoryClientConnector connector;
    private final List<ParleyClient> clients = new CopyOnWriteArrayList<>();

    ClientFixture() {
        this(b -> {});
    }

    ClientFixture(Consumer<ChatServer.Builder> options) {
        ChatServer.Builder builder = ChatServer.builder();
        options.accept(builder);
        server = builder.build();
        server.start(transport);
        connector = transport.clientConnector();
    }

    /** A builder for a client of {@code user} with fast reconnects; closed with the fixture once built by {@link #track}. */
    ParleyClient.Builder builder(String user) {
        return ParleyClient.builder(connector).user(user).backoff(FAST);
    }

    /** A client of {@code user}, connected. */
    ParleyClient client(String user) throws Exception {
        ParleyClient client = track(builder(user).build());
        client.connect().get(10, TimeUnit.SECONDS);
        return client;
    }

    ParleyClient track(ParleyClient client) {
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        for (ParleyClient c : clients) {
            c.close();
        }
        server.close();
    }
}
