package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROTOCOL §7: a close the server starts reaches the client with its code, also while the client
 * is still sending. Without a lingering close the server's kernel answers the unread input with
 * RST, and the client's write fails before it reads the close frame (1006). Each case runs 50
 * times against the packaged server, since the failure it guards against depends on timing.
 */
@Timeout(300)
class ServerCloseCodesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOM = "firehose";

    @TempDir
    static Path data;

    private static ServerProcess server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ServerProcess.start("--ws-port", "0", "--http-port", "-1", "--store", "memory",
                "--retain-messages", "100",
                "--publish-rate", "100000", "--publish-burst", "100000");
    }

    @AfterAll
    static void stopServer() throws Exception {
        assertThat(server.terminate()).isZero();
        server.close();
    }

    @RepeatedTest(50)
    void aClientWritingA10MegabyteFrame_receivesClose1009() {
        try (JdkWebSocketClient big = server.connect()) {
            big.request("{\"type\":\"hello\",\"v\":1,\"user\":\"big\"}");
            try {
                big.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(10 << 20) + "\"}");
            } catch (CompletionException e) {
                // the send may fail once the server has closed; the close code is what counts
            }
            assertThat(big.awaitClosed()).isEqualTo(1009);
        }
    }

    @RepeatedTest(50)
    void aClientFloodingErrors_receivesClose1008_afterMoreThan100() {
        try (JdkWebSocketClient flooder = server.connect()) {
            flooder.request("{\"type\":\"hello\",\"v\":1,\"user\":\"flooder\"}");
            int sent = 0;
            try {
                // Far past the limit, without waiting: the client is still sending when it is closed.
                for (; sent < 400; sent++) {
                    flooder.send("{\"type\":\"no-such-type\"}");
                }
            } catch (CompletionException e) {
                // the send fails once the server has closed the connection
            }
            assertThat(flooder.awaitClosed()).isEqualTo(1008);
            long errors = flooder.rawFrames().stream().filter(f -> f.contains("\"type\":\"error\"")).count();
            assertThat(errors).as("errors before the close (PROTOCOL §9: more than 100)").isGreaterThan(100);
        }
    }

    @RepeatedTest(50)
    void aSlowReaderClosedForRetention_receivesClose4000() throws Exception {
        try (RawWebSocket slow = new RawWebSocket(server.uri(), 4096);
                JdkWebSocketClient publisher = server.connect()) {
            slow.sendText("{\"type\":\"hello\",\"v\":1,\"user\":\"slow\"}");
            slow.sendText("{\"type\":\"join\",\"room\":\"" + ROOM + "\",\"ref\":1}");
            assertThat(JSON.readTree(slow.readText()).get("type").asText()).isEqualTo("welcome");
            assertThat(JSON.readTree(slow.readText()).get("type").asText()).isEqualTo("joined");
            publisher.request("{\"type\":\"hello\",\"v\":1,\"user\":\"publisher\"}");
            publisher.request("{\"type\":\"join\",\"room\":\"" + ROOM + "\"}");

            // The slow reader reads nothing while the room moves far past what it retains, and past
            // what the server's kernel buffers for it (a loopback send buffer grows to 4 MiB).
            String body = "x".repeat(4000);
            // In batches smaller than the retention, each awaited with its pushes: the publisher, a
            // member too, must never itself fall behind what the room retains.
            int batch = 50;
            int sent = 0;
            for (int round = 0; round < 40; round++) {
                for (int i = 0; i < batch; i++) {
                    publisher.send("{\"type\":\"publish\",\"room\":\"" + ROOM + "\",\"body\":\"" + body + "\"}");
                }
                sent += batch;
                int expected = sent;
                publisher.awaitAll(f -> "published".equals(f.path("type").asText()), expected, Duration.ofSeconds(60));
                publisher.awaitAll(f -> "message".equals(f.path("type").asText()), expected, Duration.ofSeconds(60));
            }

            assertThat(slow.readCloseCode()).isEqualTo(4000);
        }
    }
}
