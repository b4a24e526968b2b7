package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged example server, started as a user starts it. */
@Timeout(120)
class ExampleServerIT {
    @TempDir
    Path data;

    @Test
    void anyFreePort_printsListening_andSigtermSaysByeClosesWith1001AndExits0() throws Exception {
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", "0", "--data", data.toString())) {
            assertThat(server.uri().toString()).matches("ws://127\\.0\\.0\\.1:\\d+/ws");
            assertThat(server.uri().getPort()).isPositive();
            try (JdkWebSocketClient client = server.connect()) {
                assertThat(client.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}").get("type").asText())
                        .isEqualTo("welcome");
                assertThat(server.terminate()).isZero();
                JsonNode bye = client.awaitType("bye");
                assertThat(bye.get("code").asText()).isEqualTo("SERVER_SHUTDOWN");
                assertThat(client.awaitClosed()).isEqualTo(1001);
            }
        }
    }

    @Test
    void acknowledgedMessages_andTheirCids_surviveARestartOnTheFileStore() throws Exception {
        String publish = "{\"type\":\"publish\",\"room\":\"kept\",\"body\":\"durable\",\"cid\":\"k-1\"}";
        JsonNode first;
        String epoch;
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--data", data.toString())) {
            try (JdkWebSocketClient client = server.connect()) {
                client.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
                epoch = client.request("{\"type\":\"join\",\"room\":\"kept\"}").get("epoch").asText();
                first = client.request(publish);
                assertThat(first.get("type").asText()).isEqualTo("published");
            }
            assertThat(server.terminate()).isZero();
        }
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--data", data.toString())) {
            try (JdkWebSocketClient client = server.connect()) {
                client.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
                JsonNode joined = client.request(
                        "{\"type\":\"join\",\"room\":\"kept\",\"since\":0,\"epoch\":\"" + epoch + "\"}");
                assertThat(joined.get("epoch").asText()).isEqualTo(epoch);
                assertThat(joined.get("recovered").asBoolean()).isTrue();
                assertThat(joined.get("messages")).hasSize(1);
                assertThat(joined.get("messages").get(0).get("body").asText()).isEqualTo("durable");
                JsonNode again = client.request(publish);
                assertThat(again.get("duplicate").asBoolean()).isTrue();
                assertThat(again.get("seq")).isEqualTo(first.get("seq"));
                assertThat(again.get("id")).isEqualTo(first.get("id"));
            }
        }
    }
}
