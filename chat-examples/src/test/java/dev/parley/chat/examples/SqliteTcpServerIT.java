package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server with the two "write your own" examples plugged in ({@code --store sqlite
 * --tcp-port 0}), spoken to as {@code nc} would: NDJSON lines over a plain socket.
 */
@Timeout(120)
class SqliteTcpServerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path data;

    private ServerProcess start() throws Exception {
        return ServerProcess.start("--store", "sqlite", "--tcp-port", "0", "--ws-port", "0", "--http-port", "-1",
                "--data", data.toString());
    }

    @Test
    void ndjsonOverTcp_helloJoinPublish_thenResumeAfterRestart_onTheSameSqliteFile() throws Exception {
        String publish = "{\"type\":\"publish\",\"room\":\"general\",\"body\":\"kept in sqlite\",\"cid\":\"t-1\",\"ref\":3}";
        String epoch;
        JsonNode published;
        try (ServerProcess server = start()) {
            assertThat(server.tcpPort()).isPositive();
            try (NdjsonRawClient alice = NdjsonRawClient.openPlain(server.tcpPort());
                    NdjsonRawClient bob = NdjsonRawClient.openPlain(server.tcpPort())) {
                alice.sendLine("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\",\"ref\":1}");
                assertThat(alice.awaitType("welcome", WAIT).path("user").asText()).isEqualTo("alice");
                bob.sendLine("{\"type\":\"hello\",\"v\":1,\"user\":\"bob\",\"ref\":1}");
                bob.awaitType("welcome", WAIT);

                alice.sendLine("not json at all");
                assertThat(alice.awaitType("error", WAIT).path("code").asText()).isEqualTo("BAD_REQUEST");

                alice.sendLine("{\"type\":\"join\",\"room\":\"general\",\"ref\":2}");
                JsonNode joined = alice.awaitType("joined", WAIT);
                epoch = joined.path("epoch").asText();
                assertThat(joined.path("seq").asLong()).isZero();
                bob.sendLine("{\"type\":\"join\",\"room\":\"general\",\"ref\":2}");
                bob.awaitType("joined", WAIT);

                alice.sendLine(publish);
                published = alice.awaitType("published", WAIT);
                assertThat(published.path("seq").asLong()).isEqualTo(1);
                JsonNode received = bob.awaitType("message", WAIT);
                assertThat(received.path("body").asText()).isEqualTo("kept in sqlite");
                assertThat(received.path("user").asText()).isEqualTo("alice");

                assertThat(server.terminate()).isZero();
                assertThat(bob.awaitType("bye", WAIT).path("code").asText()).isEqualTo("SERVER_SHUTDOWN");
                assertThat(bob.awaitClose(WAIT)).isEqualTo(1001);
            }
        }
        assertThat(data.resolve("parley.db")).exists();
        assertThat(Files.size(data.resolve("parley.db"))).isPositive();

        try (ServerProcess server = start();
                NdjsonRawClient alice = NdjsonRawClient.openPlain(server.tcpPort())) {
            alice.sendLine("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
            alice.awaitType("welcome", WAIT);
            alice.sendLine("{\"type\":\"join\",\"room\":\"general\",\"since\":0,\"epoch\":\"" + epoch + "\"}");
            JsonNode joined = alice.awaitType("joined", WAIT);
            assertThat(joined.path("epoch").asText()).isEqualTo(epoch);
            assertThat(joined.path("recovered").asBoolean()).isTrue();
            assertThat(joined.path("messages")).hasSize(1);
            assertThat(joined.path("messages").get(0).path("body").asText()).isEqualTo("kept in sqlite");

            alice.sendLine(publish);
            JsonNode again = alice.awaitType("published", WAIT);
            assertThat(again.path("duplicate").asBoolean()).isTrue();
            assertThat(again.path("id")).isEqualTo(published.path("id"));
            assertThat(server.terminate()).isZero();
        }
    }
}
