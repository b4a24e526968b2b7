package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import dev.parley.chat.store.file.FileMessageStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/health} reports the file store's damaged records, for an operator to repair. */
@Timeout(60)
class HealthEndpointTest {
    @TempDir
    Path data;

    private JsonNode health(ExampleHttpServer http) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/api/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void health_isOk_thenListsTheDamagedRangesAReadMet() throws Exception {
        try (FileMessageStore store = FileMessageStore.open(data)) {
            store.create("hall", "", 1L);
            for (long s = 1; s <= 20; s++) {
                store.append(new Message("hall", s, "m-" + s, "u", "body " + s, s, MessageKind.TEXT, null, 0, 0, null))
                        .join();
            }
        }
        Path segment;
        try (Stream<Path> files = Files.walk(data)) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x55}), ch.size() / 2);
        }

        FileMessageStore store = FileMessageStore.open(data);
        try (ChatServer chat = ChatServer.builder().store(store).build()) {
            ExampleHttpServer http = ExampleHttpServer.start(new InetSocketAddress("127.0.0.1", 0), 1, chat, store);
            try {
                assertThat(health(http).path("status").asText()).isEqualTo("ok");
                assertThat(catchThrowable(() -> store.readAfter("hall", 0, 100))).isInstanceOf(StoreException.class);
                JsonNode damaged = health(http);
                assertThat(damaged.path("status").asText()).isEqualTo("damaged");
                assertThat(damaged.path("damage").path("hall").get(0).get(0).asLong()).isBetween(2L, 19L);
            } finally {
                http.stop();
            }
        }
    }
}
