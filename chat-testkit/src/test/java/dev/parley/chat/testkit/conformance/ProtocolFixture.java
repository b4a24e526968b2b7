package dev.parley.chat.testkit.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.MutableClock;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A server on the in-JVM transport with a {@link MutableClock}, for the conformance tests of
 * PROTOCOL.md. Every client it opens is remembered, and on {@link #close()} every frame any of
 * them received is checked for {@code null} values (PROTOCOL §9: optional fields are absent,
 * never null).
 */
final class ProtocolFixture implements AutoCloseable {
    final MutableClock clock = new MutableClock();
    final InMemoryTransport transport = new InMemoryTransport();
    final MessageStore store;
    final ChatServer server;
    private final List<RecordingClient> clients = new CopyOnWriteArrayList<>();

    ProtocolFixture() {
        this(b -> {});
    }

    ProtocolFixture(Consumer<ChatServer.Builder> options) {
        this(MessageStore.inMemory(), options);
    }

    ProtocolFixture(MessageStore store, Consumer<ChatServer.Builder> options) {
        this.store = store;
        ChatServer.Builder builder = ChatServer.builder().store(store).clock(clock);
        options.accept(builder);
        server = builder.build();
        server.start(transport);
    }

    /** A connection that has not said hello. */
    RecordingClient connect() {
        return connect(null);
    }

    /** A connection presenting {@code token} at the handshake, without hello. */
    RecordingClient connect(@Nullable String token) {
        RecordingClient client = transport.connect(token);
        clients.add(client);
        return client;
    }

    /** A connection that said hello as {@code user} and got welcome. */
    RecordingClient client(String user) {
        RecordingClient client = connect();
        JsonNode welcome = client.hello(user);
        assertThat(welcome.path("type").asText()).as("reply to hello: %s", welcome).isEqualTo("welcome");
        return client;
    }

    /** A connection of {@code user} that has joined {@code room}. */
    RecordingClient joined(String user, String room) {
        RecordingClient client = client(user);
        JsonNode joined = client.join(room);
        assertThat(joined.path("type").asText()).as("reply to join: %s", joined).isEqualTo("joined");
        return client;
    }

    /**
     * Advances the clock and waits until the server's scheduler has seen the new time: a witness
     * connection that never says hello is opened first and must be closed by its hello timeout,
     * which needs {@code helloTimeout <= by}. The fixture's server runs on the default scheduler,
     * which fires every timer the clock has passed in one sweep, in deadline order, so timers due
     * by then have been fired (or are firing); timers due later have certainly not. (A server on
     * the testkit's {@code DeterministicScheduler} needs no witness: its {@code advance} returns
     * when what was due has run.)
     */
    void advanceAndSettle(Duration by) {
        RecordingClient witness = transport.connect();
        clock.advance(by);
        witness.awaitClosed(1008);
    }

    @Override
    public void close() {
        server.close();
        for (RecordingClient client : clients) {
            for (JsonNode frame : client.all()) {
                assertThat(nullPaths(frame, "$"))
                        .as("server frames carry no null values (PROTOCOL §9): %s", frame)
                        .isEmpty();
            }
        }
    }

    static List<String> nullPaths(JsonNode node, String path) {
        List<String> out = new ArrayList<>();
        if (node.isNull()) {
            out.add(path);
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                out.addAll(nullPaths(e.getValue(), path + "." + e.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                out.addAll(nullPaths(node.get(i), path + "[" + i + "]"));
            }
        }
        return out;
    }
}
