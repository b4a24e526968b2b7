package dev.parley.chat.testkit;

import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.MessageStore;
import java.util.function.Consumer;

/** A server on the in-JVM transport and a mutable clock, closed after each test. */
final class EngineFixture implements AutoCloseable {
    final MutableClock clock = new MutableClock();
    final InMemoryTransport transport = new InMemoryTransport();
    final MessageStore store;
    final ChatServer server;

    EngineFixture() {
        this(MessageStore.inMemory(), b -> {});
    }

    EngineFixture(Consumer<ChatServer.Builder> options) {
        this(MessageStore.inMemory(), options);
    }

    EngineFixture(MessageStore store, Consumer<ChatServer.Builder> options) {
        this.store = store;
        ChatServer.Builder builder = ChatServer.builder().store(store).clock(clock);
        options.accept(builder);
        server = builder.build();
        server.start(transport);
    }

    /** A connected client that has said hello as {@code user}. */
    RecordingClient client(String user) {
        RecordingClient client = transport.connect();
        client.hello(user);
        return client;
    }

    @Override
    public void close() {
        server.close();
    }
}
