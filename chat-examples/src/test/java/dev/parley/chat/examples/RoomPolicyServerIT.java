package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Room policies of the packaged server ({@code --read-only}, {@code --invite-only}, {@code
 * --creators}) with signed tokens whose {@code rooms} claim lets users into invite-only rooms,
 * over WebSocket.
 */
@Timeout(120)
class RoomPolicyServerIT {
    private static final byte[] SECRET = "policy-it-secret-0123456789abcdef0123".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;

    private static ServerProcess server;
    private static final List<JdkWebSocketClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        Path secretFile = dir.resolve("jwt-secret");
        Files.write(secretFile, SECRET);
        server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--store", "memory",
                "--auth", "jwt", "--jwt-secret-file", secretFile.toString(),
                "--read-only", "announcements=alice", "--invite-only", "team-*=@rooms", "--creators", "root");
    }

    @AfterAll
    static void stopServer() throws Exception {
        clients.forEach(JdkWebSocketClient::close);
        assertThat(server.terminate()).isZero();
        server.close();
    }

    private static JdkWebSocketClient connect(String user, String... rooms) throws Exception {
        JdkWebSocketClient c = server.connect();
        clients.add(c);
        String token = TokenCommand.mint(SECRET, user, Duration.ofMinutes(5), null, null, List.of(rooms), Clock.systemUTC());
        JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"" + token + "\"}");
        assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("welcome");
        return c;
    }

    private static void assertForbidden(JsonNode reply) {
        assertThat(reply.get("type").asText()).as(reply.toString()).isEqualTo("error");
        assertThat(reply.get("code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void readOnlyRoom_refusesAPublishWithForbidden_andStillDelivers() throws Exception {
        JdkWebSocketClient alice = connect("alice");
        JdkWebSocketClient bob = connect("bob");
        assertThat(alice.request("{\"type\":\"join\",\"room\":\"announcements\"}").get("type").asText()).isEqualTo("joined");
        assertThat(bob.request("{\"type\":\"join\",\"room\":\"announcements\"}").get("type").asText()).isEqualTo("joined");

        assertForbidden(bob.request("{\"type\":\"publish\",\"room\":\"announcements\",\"body\":\"may I?\"}"));
        assertThat(alice.request("{\"type\":\"publish\",\"room\":\"announcements\",\"body\":\"news\"}").get("type").asText())
                .isEqualTo("published");

        JsonNode pushed = bob.await(f -> f.path("type").asText().equals("message"), "the message");
        assertThat(pushed.get("body").asText()).isEqualTo("news");
        assertThat(pushed.get("user").asText()).isEqualTo("alice");
    }

    @Test
    void inviteOnlyRoom_refusesAJoin_alsoOnResumeWithSince_andLetsTheInvitedIn() throws Exception {
        JdkWebSocketClient ann = connect("ann", "team-a");
        JsonNode joined = ann.request("{\"type\":\"join\",\"room\":\"team-a\"}");
        assertThat(joined.get("type").asText()).as(joined.toString()).isEqualTo("joined");
        assertThat(ann.request("{\"type\":\"publish\",\"room\":\"team-a\",\"body\":\"inside\"}").get("type").asText())
                .isEqualTo("published");

        JdkWebSocketClient eve = connect("eve", "team-b");
        assertForbidden(eve.request("{\"type\":\"join\",\"room\":\"team-a\"}"));
        assertForbidden(eve.request("{\"type\":\"join\",\"room\":\"team-a\",\"since\":0,\"epoch\":\""
                + joined.get("epoch").asText() + "\"}"));
        assertForbidden(eve.request("{\"type\":\"history\",\"room\":\"team-a\"}"));

        JdkWebSocketClient annAgain = connect("ann", "team-a");
        JsonNode resumed = annAgain.request("{\"type\":\"join\",\"room\":\"team-a\",\"since\":0,\"epoch\":\""
                + joined.get("epoch").asText() + "\"}");
        assertThat(resumed.get("type").asText()).isEqualTo("joined");
        assertThat(resumed.get("recovered").asBoolean()).isTrue();
        assertThat(resumed.get("messages")).hasSize(1);
    }

    @Test
    void onlyTheCreatorsMayCreateRooms() throws Exception {
        assertForbidden(connect("bob").request("{\"type\":\"create\",\"room\":\"lobby\"}"));
        JsonNode created = connect("root").request("{\"type\":\"create\",\"room\":\"lobby\"}");
        assertThat(created.get("type").asText()).as(created.toString()).isEqualTo("created");
    }
}
