package dev.parley.chat.testkit.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.testkit.RecordingClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Small helpers to speak PROTOCOL.md through a {@link RecordingClient} and check what comes back. */
final class Wire {
    private Wire() {}

    /** A reply and the frames that arrived (and were consumed) before it. */
    record Exchange(JsonNode reply, List<JsonNode> before) {
        /** The frames of {@code type} among those that came before the reply. */
        List<JsonNode> before(String type) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode f : before) {
                if (type.equals(f.path("type").asText())) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    static String q(String s) {
        return RecordingClient.quote(s);
    }

    /**
     * Sends {@code text} (a command without ref) with a string ref and returns its reply together
     * with every frame consumed before it.
     */
    static Exchange exchange(RecordingClient client, String command) {
        String ref = "x-" + System.nanoTime();
        String withRef = command.substring(0, command.lastIndexOf('}')) + ",\"ref\":" + q(ref) + "}";
        List<JsonNode> before = new ArrayList<>();
        client.send(withRef);
        JsonNode reply = client.await(f -> {
            if (ref.equals(f.path("ref").asText(null))) {
                return true;
            }
            before.add(f);
            return false;
        }, RecordingClient.DEFAULT_TIMEOUT, "reply to ref " + ref);
        return new Exchange(reply, before);
    }

    /**
     * A barrier through the room's mailbox: {@code members} runs on the room's single writer, so
     * every push of the room caused by commands sent before it has been sent once it is answered.
     * Returns the frames that came before the reply.
     */
    static Exchange barrier(RecordingClient client, String room) {
        Exchange e = exchange(client, "{\"type\":\"members\",\"room\":" + q(room) + "}");
        assertThat(e.reply().path("type").asText()).as("members reply: %s", e.reply()).isEqualTo("members");
        return e;
    }

    /** Asserts that nothing of the given types came before the barrier of {@code room}. */
    static void assertNoPushes(RecordingClient client, String room, String... types) {
        Exchange e = barrier(client, room);
        for (String type : types) {
            assertThat(e.before(type)).as("%s pushes before the %s barrier", type, room).isEmpty();
        }
    }

    static JsonNode publish(RecordingClient client, String room, String body) {
        return client.request("{\"type\":\"publish\",\"room\":" + q(room) + ",\"body\":" + q(body) + "}");
    }

    static JsonNode publishOk(RecordingClient client, String room, String body) {
        JsonNode reply = publish(client, room, body);
        assertType(reply, "published");
        return reply;
    }

    static JsonNode publishFields(RecordingClient client, String room, String extraFields) {
        return client.request("{\"type\":\"publish\",\"room\":" + q(room) + "," + extraFields + "}");
    }

    static void publishMany(RecordingClient client, String room, int count) {
        for (int i = 1; i <= count; i++) {
            publishOk(client, room, "m" + i);
        }
    }

    static JsonNode assertType(JsonNode frame, String type) {
        assertThat(frame.path("type").asText()).as("frame %s", frame).isEqualTo(type);
        return frame;
    }

    /** Asserts an error frame of {@code code}, with a non-empty message. */
    static JsonNode assertError(JsonNode frame, String code) {
        assertThat(frame.path("type").asText()).as("expected error %s but got %s", code, frame).isEqualTo("error");
        assertThat(frame.path("code").asText()).as("error code of %s", frame).isEqualTo(code);
        assertThat(frame.path("message").isTextual()).as("error message of %s", frame).isTrue();
        return frame;
    }

    /** Sends a raw frame and returns the next error (consuming what comes before it). */
    static JsonNode rawError(RecordingClient client, String text) {
        client.send(text);
        return client.awaitType("error");
    }

    /** Asserts the connection still answers {@code ping} with {@code pong}. */
    static void assertAlive(RecordingClient client) {
        assertThat(client.closeCode()).as("connection closed").isEqualTo(-1);
        JsonNode pong = client.request("{\"type\":\"ping\"}");
        assertType(pong, "pong");
    }

    static List<Long> seqs(JsonNode messages) {
        List<Long> out = new ArrayList<>();
        for (JsonNode m : messages) {
            out.add(m.path("seq").asLong());
        }
        return out;
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            out.add(s);
        }
        return out;
    }

    static List<String> users(JsonNode members) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : members) {
            out.add(m.path("user").asText());
        }
        return out;
    }

    static Predicate<JsonNode> ofType(String type) {
        return f -> type.equals(f.path("type").asText());
    }

    /** Every frame received so far, consumed or not, of the given type. */
    static List<JsonNode> allOfType(RecordingClient client, String type) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode f : client.all()) {
            if (type.equals(f.path("type").asText())) {
                out.add(f);
            }
        }
        return out;
    }
}
