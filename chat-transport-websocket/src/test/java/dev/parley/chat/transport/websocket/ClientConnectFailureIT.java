package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.client.Backoff;
import dev.parley.chat.client.ParleyClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client pointed at a port nobody listens on fails its connect, and says so in the log. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientConnectFailureIT {

    @Test
    void connect_toAClosedPort_failsAfterMaxConnectAttempts_withTheCause_andWarnsOnEveryAttemptAfterTheFirst()
            throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        // slf4j-simple writes to whatever System.err is at the time of each line.
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Throwable failure;
        long elapsedNanos;
        try (ParleyClient client = ParleyClient.builder(
                        WebSocketClientConnector.to(URI.create("ws://127.0.0.1:" + closedPort + "/ws")))
                .user("alice")
                .backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 2.0, 0.5))
                .maxConnectAttempts(3)
                .connectTimeout(Duration.ofSeconds(5))
                .build()) {
            long started = System.nanoTime();
            try {
                client.connect().get(45, TimeUnit.SECONDS);
                failure = null;
            } catch (ExecutionException e) {
                failure = e.getCause();
            }
            elapsedNanos = System.nanoTime() - started;
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        stderr.print(log);

        assertThat(failure).isInstanceOf(ChatException.class)
                .hasMessageContaining("could not connect: 3 attempts failed");
        assertThat(((ChatException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(failure.getCause()).isInstanceOf(ConnectException.class);
        // Bound: 3 attempts × connectTimeout plus the backoff; a refused port fails much sooner.
        assertThat(Duration.ofNanos(elapsedNanos)).isLessThan(Duration.ofSeconds(16));
        List<String> warnings = log.lines().filter(l -> l.contains("WARN")).toList();
        assertThat(warnings).as("WARN lines in:%n%s", log).hasSize(2);
        assertThat(warnings.get(0)).contains("connection attempt 2 in a row failed").contains("ConnectException");
        assertThat(warnings.get(1)).contains("connection attempt 3 in a row failed").contains("ConnectException");
        assertThat(log.lines().filter(l -> l.contains("INFO") && l.contains("connection attempt failed")))
                .hasSize(1);
    }
}
