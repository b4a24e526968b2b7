package dev.parley.chat.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.testkit.InMemoryTransport;
import dev.parley.chat.testkit.RecordingClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention by count through the engine on the file store (issue 11, item 4): with 500 retained and
 * 8 000 written, {@code joined.first} is 7 501, history from the start begins there, a resume from
 * before it is not recovered, and a reader 2 000 behind is closed with 4000, as on the in-memory store.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreRetentionEngineTest {
    private static final String ROOM = "kept";
    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    private static void publish(RecordingClient publisher, int count, int publishedBefore) {
        for (int i = 0; i < count; i++) {
            publisher.send("{\"type\":\"publish\",\"room\":\"" + ROOM + "\",\"body\":\"message " + i + "\"}");
        }
        publisher.awaitAll(f -> "published".equals(f.path("type").asText()), publishedBefore + count, LONG,
                "published replies");
    }

    @Test
    void retention500_8000Messages_joinedFirstHistoryResumeAndSlowReaderAllBeginAtTheLogicalStart() {
        FileMessageStore store = FileMessageStore.open(temp,
                FileStoreOptions.builder().segmentBytes(64 * 1024).retainMessages(500).build());
        InMemoryTransport transport = new InMemoryTransport();
        ChatServer server = ChatServer.builder().store(store).publishPerSecond(1_000_000).publishBurst(1_000_000)
                .maxOutboundBytes(16 * 1024).build();
        try (server) {
            server.start(transport);
            RecordingClient publisher = transport.connect();
            publisher.hello("publisher");
            publisher.join(ROOM);
            publish(publisher, 6000, 0);

            RecordingClient slow = transport.connect();
            slow.hello("slow");
            assertThat(slow.join(ROOM).path("seq").asLong()).isEqualTo(6000);
            slow.pause();
            publish(publisher, 2000, 6000);

            RecordingClient late = transport.connect();
            late.hello("late");
            JsonNode joined = late.join(ROOM);
            assertThat(joined.path("seq").asLong()).isEqualTo(8000);
            assertThat(joined.path("first").asLong()).isGreaterThanOrEqualTo(7501);
            long first = joined.path("first").asLong();

            JsonNode history = late.request("{\"type\":\"history\",\"room\":\"" + ROOM + "\",\"after\":0,\"limit\":5}");
            assertThat(history.path("messages").get(0).path("seq").asLong()).isEqualTo(first);
            assertThat(history.path("hasMore").asBoolean()).isTrue();

            JsonNode resumed = late.request("{\"type\":\"join\",\"room\":\"" + ROOM + "\",\"since\":7000}");
            assertThat(resumed.path("recovered").asBoolean()).isFalse();
            assertThat(resumed.path("first").asLong()).isEqualTo(first);

            // 2 000 behind: its next message is below the start, though the engine's tail cache may hold it.
            slow.resume();
            slow.awaitClosed(4000);
        }
    }
}
