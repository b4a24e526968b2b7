package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.ChatServer;
import dev.parley.chat.Message;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client JVM killed (SIGKILL) mid-publish and started again on the same file outbox: every
 * message is stored exactly once, in order, across the kills.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientOutboxCrashIT {
    private static final int TOTAL = 600;

    @TempDir
    Path dir;

    @Test
    void clientKilledMidPublish_andRestartedOnItsOutbox_storesEveryMessageOnce() throws Exception {
        WebSocketTransport transport = WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0)).daemonThreads(true).build();
        try (ChatServer server = ChatServer.builder().publishPerSecond(100_000).publishBurst(100_000).build()) {
            server.start(transport);
            String uri = "ws://127.0.0.1:" + transport.port() + "/ws";
            Path outbox = dir.resolve("outbox.jsonl");

            // Killed twice while publishing, then left to finish.
            assertThat(runChild(uri, outbox, 150)).as("the first child was killed mid-publish").isFalse();
            assertThat(runChild(uri, outbox, 350)).as("the second child was killed mid-publish").isFalse();
            assertThat(runChild(uri, outbox, -1)).as("the third child finished").isTrue();

            List<String> bodies = server.room("outbox").history(Long.MAX_VALUE, 10_000).stream()
                    .map(Message::body).collect(Collectors.toList());
            List<String> expected = LongStream.rangeClosed(1, TOTAL).mapToObj(i -> "m-" + i)
                    .collect(Collectors.toList());
            assertThat(bodies.size()).as("messages stored").isEqualTo(TOTAL);
            assertThat(bodies).as("every message stored once, in order").isEqualTo(expected);
        }
    }

    /**
     * Runs a child until it printed {@code acked I} for some I at least {@code killAfterAck}
     * (then kills it and returns false), or until it is done (true) when {@code killAfterAck} is -1.
     */
    private boolean runChild(String uri, Path outbox, int killAfterAck) throws Exception {
        Process child = new ProcessBuilder(javaBinary(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), OutboxChild.class.getName(), uri, outbox.toString(),
                Integer.toString(TOTAL))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<String> tail = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                tail.add(line);
                if (line.equals("done")) {
                    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    return true;
                }
                if (killAfterAck >= 0 && line.startsWith("acked ") && Long.parseLong(line.substring(6)) >= killAfterAck) {
                    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close
                    child.waitFor(60, TimeUnit.SECONDS);
                    return false;
                }
            }
        } finally {
            child.destroyForcibly();
        }
        throw new AssertionError("the child ended without finishing; its last lines: "
                + tail.subList(Math.max(0, tail.size() - 5), tail.size()));
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
