package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROTOCOL.md over the wire, black-box: the packaged server, a WebSocket client that is not ours
 * (the JDK's), and field names and values checked against the protocol text.
 */
@Timeout(120)
class WireProtocolIT {
    @TempDir
    static Path data;

    private static ServerProcess server;
    private static final List<JdkWebSocketClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--data", data.toString(),
                "--publish-burst", "40", "--max-body-bytes", "64", "--history-limit", "20");
    }

    @AfterAll
    static void stopServer() throws Exception {
        for (JdkWebSocketClient c : clients) {
            for (String frame : c.rawFrames()) {
                assertThat(frame).as("optional fields are absent, never null").doesNotContain(":null");
            }
            c.close();
        }
        assertThat(server.terminate()).isZero();
        server.close();
    }

    private static JdkWebSocketClient client(String user) {
        JdkWebSocketClient c = server.connect();
        clients.add(c);
        if (user != null) {
            JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1,\"user\":\"" + user + "\"}");
            assertThat(welcome.get("type").asText()).isEqualTo("welcome");
        }
        return c;
    }

    private static void assertError(JsonNode frame, String code) {
        assertThat(frame.get("type").asText()).as(frame.toString()).isEqualTo("error");
        assertThat(frame.get("code").asText()).as(frame.toString()).isEqualTo(code);
        assertThat(frame.get("message").isTextual()).isTrue();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void theShortSessionOfSection8() {
        JdkWebSocketClient alice = client(null);
        alice.send("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"ref\":1}");
        JsonNode welcome = alice.awaitType("welcome");
        assertThat(fieldNames(welcome)).containsExactlyInAnyOrder(
                "type", "ref", "v", "session", "user", "heartbeatMs", "limits");
        assertThat(welcome.get("ref").asInt()).isEqualTo(1);
        assertThat(welcome.get("v").asInt()).isEqualTo(1);
        assertThat(welcome.get("user").asText()).isEqualTo("alice");
        assertThat(welcome.get("heartbeatMs").asLong()).isEqualTo(25_000);
        assertThat(fieldNames(welcome.get("limits"))).containsExactlyInAnyOrder(
                "maxFrameBytes", "maxBodyBytes", "historyLimit", "publishPerSecond");
        assertThat(welcome.get("limits").get("maxBodyBytes").asInt()).isEqualTo(64);
        assertThat(welcome.get("limits").get("historyLimit").asInt()).isEqualTo(20);

        alice.send("{\"type\":\"join\",\"room\":\"general\",\"ref\":2}");
        JsonNode joined = alice.awaitType("joined");
        assertThat(fieldNames(joined)).containsExactlyInAnyOrder(
                "type", "ref", "room", "epoch", "seq", "first", "read", "members", "messages", "recovered");
        assertThat(joined.get("ref").asInt()).isEqualTo(2);
        assertThat(joined.get("seq").asLong()).isZero();
        assertThat(joined.get("recovered").asBoolean()).isFalse();
        assertThat(fieldNames(joined.get("members").get(0))).containsExactlyInAnyOrder("user", "status", "lastSeen");
        String epoch = joined.get("epoch").asText();

        alice.send("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"hi\",\"cid\":\"a-1\",\"ref\":3}");
        JsonNode message = alice.awaitAll(f -> "message".equals(f.path("type").asText()), 1, JdkWebSocketClient.TIMEOUT).get(0);
        JsonNode published = alice.await(f -> "published".equals(f.path("type").asText()), "published");
        assertThat(fieldNames(message)).containsExactlyInAnyOrder(
                "type", "room", "seq", "id", "user", "body", "ts", "kind", "cid");
        assertThat(message.get("user").asText()).isEqualTo("alice");
        assertThat(message.get("kind").asText()).isEqualTo("text");
        assertThat(fieldNames(published)).containsExactlyInAnyOrder("type", "ref", "room", "seq", "id", "ts", "duplicate");
        assertThat(published.get("seq")).isEqualTo(message.get("seq"));
        assertThat(published.get("id")).isEqualTo(message.get("id"));
        assertThat(published.get("ts")).isEqualTo(message.get("ts"));
        assertThat(published.get("duplicate").asBoolean()).isFalse();
        long seq = published.get("seq").asLong();

        JdkWebSocketClient bob = client("bob");
        bob.request("{\"type\":\"join\",\"room\":\"general\"}");
        bob.request("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"one\"}");
        bob.request("{\"type\":\"publish\",\"room\":\"general\",\"body\":\"two\"}");
        alice.close();

        JdkWebSocketClient again = client("alice");
        JsonNode resumed = again.request(
                "{\"type\":\"join\",\"room\":\"general\",\"since\":" + seq + ",\"epoch\":\"" + epoch + "\"}");
        assertThat(resumed.get("recovered").asBoolean()).isTrue();
        assertThat(resumed.get("messages").findValuesAsText("body")).containsExactly("one", "two");
        assertThat(resumed.get("seq").asLong()).isEqualTo(seq + 2);
    }

    @Test
    void everyCommandGetsItsReply() {
        JdkWebSocketClient carol = client("carol");
        JdkWebSocketClient dave = client("dave");
        assertThat(carol.request("{\"type\":\"create\",\"room\":\"made\",\"topic\":\"t\"}").toString())
                .contains("\"type\":\"created\"", "\"room\":\"made\"", "\"topic\":\"t\"");
        carol.request("{\"type\":\"join\",\"room\":\"made\"}");
        dave.request("{\"type\":\"join\",\"room\":\"made\"}");
        JsonNode join = carol.awaitType("presence");
        assertThat(fieldNames(join)).containsExactlyInAnyOrder("type", "room", "user", "status", "event");
        assertThat(join.get("event").asText()).isEqualTo("join");

        JsonNode p1 = carol.request("{\"type\":\"publish\",\"room\":\"made\",\"body\":\"first\"}");
        JsonNode edit = carol.request("{\"type\":\"publish\",\"room\":\"made\",\"kind\":\"edit\",\"target\":"
                + p1.get("seq") + ",\"body\":\"fixed\"}");
        assertThat(edit.get("type").asText()).isEqualTo("published");
        JsonNode react = dave.request("{\"type\":\"publish\",\"room\":\"made\",\"kind\":\"react\",\"target\":"
                + p1.get("seq") + ",\"body\":\"👍\"}");
        assertThat(react.get("type").asText()).isEqualTo("published");
        JsonNode reply = dave.request("{\"type\":\"publish\",\"room\":\"made\",\"body\":\"re\",\"replyTo\":"
                + p1.get("seq") + ",\"meta\":{\"file\":{\"url\":\"https://example.org/a.png\",\"size\":3}}}");
        JsonNode replyPush = carol.await(f -> "message".equals(f.path("type").asText()) && f.get("seq").equals(reply.get("seq")), "reply");
        assertThat(replyPush.get("replyTo")).isEqualTo(p1.get("seq"));
        assertThat(replyPush.get("meta").get("file").get("size").asInt()).isEqualTo(3);

        JsonNode history = dave.request("{\"type\":\"history\",\"room\":\"made\",\"limit\":2}");
        assertThat(fieldNames(history)).containsExactlyInAnyOrder("type", "ref", "room", "messages", "hasMore");
        assertThat(history.get("messages")).hasSize(2);
        assertThat(history.get("hasMore").asBoolean()).isTrue();

        JsonNode members = dave.request("{\"type\":\"members\",\"room\":\"made\"}");
        assertThat(members.get("members").findValuesAsText("user")).containsExactly("carol", "dave");

        assertThat(dave.request("{\"type\":\"status\",\"status\":\"dnd\"}").get("status").asText()).isEqualTo("dnd");
        JsonNode statusPush = carol.await(f -> "presence".equals(f.path("type").asText())
                && "status".equals(f.path("event").asText()), "status presence");
        assertThat(statusPush.get("status").asText()).isEqualTo("dnd");

        dave.send("{\"type\":\"typing\",\"room\":\"made\",\"typing\":true}");
        JsonNode typing = carol.awaitType("typing");
        assertThat(fieldNames(typing)).containsExactlyInAnyOrder("type", "room", "user", "typing");

        JsonNode read = dave.request("{\"type\":\"read\",\"room\":\"made\",\"seq\":2}");
        assertThat(read.get("seq").asLong()).isEqualTo(2);
        JsonNode receipt = carol.awaitType("receipt");
        assertThat(fieldNames(receipt)).containsExactlyInAnyOrder("type", "room", "user", "seq");

        JsonNode rooms = dave.request("{\"type\":\"rooms\"}");
        JsonNode made = null;
        for (JsonNode r : rooms.get("rooms")) {
            if (r.get("room").asText().equals("made")) {
                made = r;
            }
        }
        assertThat(made).isNotNull();
        assertThat(fieldNames(made)).containsExactlyInAnyOrder("room", "topic", "members", "seq", "read");
        assertThat(made.get("topic").asText()).isEqualTo("t");

        assertThat(dave.request("{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");
        assertThat(dave.request("{\"type\":\"leave\",\"room\":\"made\"}").get("type").asText()).isEqualTo("left");
        JsonNode leave = carol.await(f -> "presence".equals(f.path("type").asText())
                && "leave".equals(f.path("event").asText()), "leave presence");
        assertThat(leave.get("status").asText()).isEqualTo("offline");
    }

    @Test
    void everyErrorCodeThatAClientCanCause() {
        JdkWebSocketClient erin = client("erin");
        erin.request("{\"type\":\"join\",\"room\":\"errs\"}");
        erin.send("{not json");
        assertError(erin.awaitType("error"), "BAD_REQUEST");
        erin.sendBinary(new byte[] {1, 2, 3});
        assertError(erin.awaitType("error"), "BAD_REQUEST");
        assertError(erin.request("{\"type\":\"teleport\"}"), "UNKNOWN_TYPE");
        assertError(erin.request("{\"type\":\"join\",\"room\":\"dm:frank:gina\"}"), "FORBIDDEN");
        assertError(erin.request("{\"type\":\"join\",\"room\":\"a/b\"}"), "INVALID_ROOM");
        assertError(erin.request("{\"type\":\"publish\",\"room\":\"elsewhere\",\"body\":\"x\"}"), "NOT_IN_ROOM");
        assertError(erin.request("{\"type\":\"publish\",\"room\":\"errs\",\"body\":\"x\",\"replyTo\":999}"), "NOT_FOUND");
        assertError(erin.request("{\"type\":\"create\",\"room\":\"errs\"}"), "ROOM_EXISTS");
        assertError(erin.request("{\"type\":\"publish\",\"room\":\"errs\",\"body\":\"" + "x".repeat(65) + "\"}"),
                "MESSAGE_TOO_LARGE");
        JsonNode limited = null;
        for (int i = 0; i < 45 && limited == null; i++) {
            JsonNode r = erin.request("{\"type\":\"publish\",\"room\":\"errs\",\"body\":\"m" + i + "\"}");
            if (r.get("type").asText().equals("error")) {
                limited = r;
            }
        }
        assertThat(limited).isNotNull();
        assertError(limited, "RATE_LIMITED");
        assertThat(limited.get("retryAfterMs").isIntegralNumber()).isTrue();
        assertThat(limited.get("retryAfterMs").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(erin.request("{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");

        JdkWebSocketClient badUser = client(null);
        badUser.send("{\"type\":\"hello\",\"v\":1,\"user\":\"no way\"}");
        assertError(badUser.awaitType("error"), "INVALID_USER");
        assertThat(badUser.awaitClosed()).isEqualTo(1008);

        JdkWebSocketClient noHello = client(null);
        noHello.send("{\"type\":\"ping\"}");
        assertError(noHello.awaitType("error"), "UNAUTHENTICATED");
        assertThat(noHello.awaitClosed()).isEqualTo(1008);

        List<JdkWebSocketClient> many = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            many.add(client("gina"));
        }
        JdkWebSocketClient eleventh = client(null);
        eleventh.send("{\"type\":\"hello\",\"v\":1,\"user\":\"gina\"}");
        assertError(eleventh.awaitType("error"), "LIMIT_EXCEEDED");
        assertThat(eleventh.awaitClosed()).isEqualTo(1008);
        many.forEach(JdkWebSocketClient::close);
    }

    @Test
    void framesUpTo65536BytesPass_andOneMoreClosesWith1009() {
        JdkWebSocketClient big = client("hank");
        String padding = "{\"type\":\"ping\",\"ref\":7,\"pad\":\"";
        String exact = padding + "x".repeat(65_536 - padding.length() - 2) + "\"}";
        assertThat(exact.length()).isEqualTo(65_536);
        big.send(exact);
        assertThat(big.awaitType("pong").get("ref").asInt()).isEqualTo(7);
        big.send(exact.replace("\"pad\":\"", "\"pad\":\"y"));
        assertThat(big.awaitClosed()).isEqualTo(1009);
    }
}
