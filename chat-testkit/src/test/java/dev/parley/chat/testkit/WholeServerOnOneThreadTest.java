package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A whole server (engine, codec, sequencer, in-memory store and presence) driven by the {@link
 * DeterministicScheduler} on the test's thread: rooms and timers run in an order the seed picks,
 * and what the clients see does not depend on it.
 */
@Timeout(60)
class WholeServerOnOneThreadTest {
    private static final Duration TYPING = Duration.ofSeconds(6);
    private static final Duration GRACE = Duration.ofSeconds(5);
    /** The server's opaque ids (sessions, epochs, message ids) are random by design; they are masked. */
    private static final Pattern OPAQUE_ID = Pattern.compile("[mse]-[0-9a-z]{13,}");

    /** What one run of the scenario produced: each client's frames, and the order tasks ran in. */
    private record Run(Map<String, List<String>> frames, List<Integer> taskOrder) {}

    @Test
    void twoSeeds_runTheTasksInTwoOrders_andEveryClientSeesTheSameProtocol() {
        Run one = scenario(1);
        Run two = scenario(2);
        assertThat(one.taskOrder()).isNotEqualTo(two.taskOrder());
        assertThat(two.frames()).isEqualTo(one.frames());
    }

    @Test
    void oneSeed_runsTheSameTasksInTheSameOrder_twice() {
        Run first = scenario(42);
        Run again = scenario(42);
        assertThat(again.taskOrder()).isEqualTo(first.taskOrder());
        assertThat(again.frames()).isEqualTo(first.frames());
    }

    @Test
    void theServerOnTheDeterministicScheduler_startsNoThreadOfItsOwn() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        scenario(3);
        List<String> made = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t))
                .map(Thread::getName)
                .collect(Collectors.toList());
        assertThat(made).noneMatch(name -> name.startsWith("parley-"));
    }

    /**
     * Hello, join, publish in two rooms, typing that expires, and a connection lost whose user
     * leaves when the grace period ends; with the protocol's outcome checked along the way.
     */
    private static Run scenario(long seed) {
        DeterministicScheduler world = new DeterministicScheduler(seed);
        Labelled labelled = new Labelled(world);
        InMemoryTransport transport = new InMemoryTransport();
        Thread me = Thread.currentThread();
        ChatServer server = ChatServer.builder()
                .clock(world.clock())
                .executor(labelled)
                .scheduler(labelled)
                .typingTimeout(TYPING)
                .presenceGrace(GRACE)
                .build();
        Map<String, RecordingClient> clients = new LinkedHashMap<>();
        try {
            server.start(transport);
            for (String user : List.of("alice", "bob", "carol")) {
                clients.put(user, transport.connect());
            }
            RecordingClient alice = clients.get("alice");
            RecordingClient bob = clients.get("bob");
            RecordingClient carol = clients.get("carol");
            clients.forEach((user, c) -> c.send("{\"type\":\"hello\",\"v\":1,\"user\":\"" + user + "\"}"));
            world.runUntilIdle();
            clients.values().forEach(c -> assertThat(c.next().path("type").asText()).isEqualTo("welcome"));

            alice.send("{\"type\":\"join\",\"room\":\"lobby\",\"ref\":\"j\"}");
            world.runUntilIdle();
            assertThat(alice.next().path("type").asText()).isEqualTo("joined");

            // Two rooms' mailboxes are ready at once: the seed decides which runs first.
            bob.send("{\"type\":\"join\",\"room\":\"lobby\",\"ref\":\"j\"}");
            carol.send("{\"type\":\"join\",\"room\":\"side\",\"ref\":\"j\"}");
            world.runUntilIdle();
            assertThat(bob.next().path("type").asText()).isEqualTo("joined");
            assertThat(carol.next().path("type").asText()).isEqualTo("joined");
            JsonNode bobJoined = alice.next();
            assertThat(bobJoined.path("type").asText()).isEqualTo("presence");
            assertThat(bobJoined.path("event").asText()).isEqualTo("join");

            bob.send("{\"type\":\"publish\",\"room\":\"lobby\",\"body\":\"hi\",\"cid\":\"b1\",\"ref\":\"p\"}");
            carol.send("{\"type\":\"publish\",\"room\":\"side\",\"body\":\"alone\",\"cid\":\"c1\",\"ref\":\"p\"}");
            alice.send("{\"type\":\"typing\",\"room\":\"lobby\",\"typing\":true}");
            world.runUntilIdle();
            assertThat(alice.messages("lobby")).extracting(m -> m.path("body").asText()).containsExactly("hi");
            assertThat(carol.messages("side")).extracting(m -> m.path("seq").asLong()).containsExactly(1L);
            assertThat(typingOf(bob)).containsExactly(true);

            world.advance(TYPING.minusMillis(1));
            assertThat(typingOf(bob)).containsExactly(true);
            world.advance(Duration.ofMillis(1));
            assertThat(typingOf(bob)).as("typing expires by the virtual clock").containsExactly(true, false);

            bob.drop();
            world.runUntilIdle();
            world.advance(GRACE.minusMillis(1));
            assertThat(presenceOf(alice)).containsExactly("join");
            world.advance(Duration.ofMillis(1));
            assertThat(presenceOf(alice)).as("bob leaves when the grace ends").containsExactly("join", "leave");
        } finally {
            server.close();
            world.runUntilIdle();
        }
        assertThat(Thread.currentThread()).isSameAs(me);
        Map<String, List<String>> frames = new LinkedHashMap<>();
        clients.forEach((user, c) -> frames.put(user, c.all().stream().map(f -> masked(f).toString()).toList()));
        return new Run(frames, labelled.order);
    }

    private static List<Boolean> typingOf(RecordingClient client) {
        return client.all().stream()
                .filter(f -> "typing".equals(f.path("type").asText()))
                .map(f -> f.path("typing").asBoolean())
                .toList();
    }

    private static List<String> presenceOf(RecordingClient client) {
        return client.all().stream()
                .filter(f -> "presence".equals(f.path("type").asText()))
                .map(f -> f.path("event").asText())
                .toList();
    }

    private static JsonNode masked(JsonNode node) {
        JsonNode copy = node.deepCopy();
        mask(copy);
        return copy;
    }

    private static void mask(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<String> opaque = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                if (e.getValue().isTextual() && OPAQUE_ID.matcher(e.getValue().asText()).matches()) {
                    opaque.add(e.getKey());
                } else {
                    mask(e.getValue());
                }
            }
            opaque.forEach(key -> object.set(key, TextNode.valueOf("<id>")));
        } else if (node instanceof ArrayNode array) {
            array.forEach(WholeServerOnOneThreadTest::mask);
        }
    }

    /** Numbers every task in the order it was given, and records the order they ran in. */
    private static final class Labelled implements Executor, Scheduler {
        private final DeterministicScheduler world;
        final List<Integer> order = new ArrayList<>();
        private int given;

        Labelled(DeterministicScheduler world) {
            this.world = world;
        }

        private synchronized Runnable label(Runnable task) {
            int n = ++given;
            return () -> {
                synchronized (this) {
                    order.add(n);
                }
                task.run();
            };
        }

        @Override
        public void execute(Runnable task) {
            world.execute(label(task));
        }

        @Override
        public Timer schedule(Runnable task, long delayMillis) {
            return world.schedule(label(task), delayMillis);
        }
    }
}
