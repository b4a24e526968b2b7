package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.examples.terminal.ChatTerminal;
import org.awaitility.core.ConditionTimeoutException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal client driven through a dumb JLine terminal on piped streams, against the packaged
 * server: every slash command, sending and receiving with another user, a direct room, and a
 * server restart that the client comes back from in one line.
 */
@Timeout(180)
class ChatTerminalIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    private final Screen screen = new Screen();
    private PipedOutputStream keyboard;

    @Test
    void everyCommand_sendAndReceive_directRoom_andAResumeAfterARestart_overAPipedDumbTerminal() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // fixed, so that the restarted server is where the client reconnects
        }
        String[] flags = {"--ws-port", String.valueOf(port), "--http-port", "-1", "--data", data.toString()};
        URI url = URI.create("ws://127.0.0.1:" + port + "/ws");
        ServerProcess server = ServerProcess.start(flags);
        keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard, 64 * 1024);
        Terminal terminal = TerminalBuilder.builder().system(false).streams(in, screen).type(Terminal.TYPE_DUMB)
                .dumb(true).encoding(StandardCharsets.UTF_8).build();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread runner = new Thread(() -> exit.complete(new ChatTerminal(terminal, url, "alice", null).run()), "chat-terminal");
        runner.setDaemon(true);
        runner.start();
        JdkWebSocketClient bob = null;
        try {
            screen.shows("-- connected as alice");

            type("/help");
            screen.shows("/reply <seq> <text>");
            type("/frobnicate");
            screen.shows("! unknown command /frobnicate");
            type("/users");
            screen.shows("! join a room first");

            type("/create lobby the front door");
            screen.shows("-- created #lobby");
            type("/create lobby again");
            screen.shows("! ROOM_EXISTS");
            type("/rooms");
            screen.shows("#lobby  0 members, last #0  the front door");

            type("/join lobby");
            screen.shows("-- joined #lobby: alice (online)");
            bob = peer(server, "bob");
            bob.request("{\"type\":\"join\",\"room\":\"lobby\"}");
            screen.shows("[lobby] * bob joined");

            type("hello bob");
            screen.shows("[lobby] #1 alice: hello bob");
            JsonNode hello = bob.await(f -> f.path("type").asText().equals("message") && f.path("body").asText().equals("hello bob"), "hello bob");
            assertThat(hello.path("user").asText()).isEqualTo("alice");
            bob.request("{\"type\":\"publish\",\"room\":\"lobby\",\"body\":\"hi alice\"}");
            screen.shows("[lobby] #2 bob: hi alice");

            type("/reply 2 welcome");
            screen.shows("[lobby] #3 alice (reply to #2): welcome");
            type("/edit 1 hello, bob");
            screen.shows("[lobby] #4 alice edited #1: hello, bob");
            type("/react #2 👍");
            screen.shows("[lobby] #5 alice reacted 👍 to #2");
            type("/delete 3");
            screen.shows("[lobby] #6 alice deleted #3");
            type("/edit 2 not mine");
            screen.shows("! not sent to #lobby: FORBIDDEN");

            type("/users");
            screen.shows("-- #lobby: ");
            assertThat(screen.lineWith("-- #lobby: ")).contains("alice (online)", "bob (online)");
            type("/away");
            screen.shows("-- you are away");
            bob.await(f -> f.path("type").asText().equals("presence") && f.path("user").asText().equals("alice")
                    && f.path("status").asText().equals("away"), "alice away");
            type("/dnd");
            screen.shows("-- you are dnd");
            type("/online");
            screen.shows("-- you are online");
            type("/history 2");
            screen.shows("-- the latest 2 of #lobby (more before)");

            type("/dm bob");
            screen.shows("-- joined #dm:alice:bob");
            type("psst");
            screen.shows("[dm:alice:bob] #1 alice: psst");
            type("/switch nowhere");
            screen.shows("! not in #nowhere");
            type("/switch lobby");
            screen.shows("-- now in #lobby");
            type("/leave");
            screen.shows("-- left #lobby");
            type("still here");
            screen.shows("[dm:alice:bob] #2 alice: still here"); // the direct room is current again

            bob.close();
            bob = null;
            server.terminate();
            server = ServerProcess.start(flags);
            screen.shows("-- reconnected after the connection was lost (1001");
            assertThat(screen.lineWith("-- reconnected")).contains("resuming #dm:alice:bob");
            bob = peer(server, "bob");
            bob.request("{\"type\":\"join\",\"room\":\"dm:alice:bob\"}");
            bob.request("{\"type\":\"publish\",\"room\":\"dm:alice:bob\",\"body\":\"welcome back\"}");
            screen.shows("[dm:alice:bob] #3 bob: welcome back");

            type("/quit");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            screen.shows("-- bye");
        } finally {
            if (bob != null) {
                bob.close();
            }
            keyboard.close();
            server.close();
        }
    }

    private static JdkWebSocketClient peer(ServerProcess server, String user) {
        JdkWebSocketClient client = server.connect();
        client.request("{\"type\":\"hello\",\"v\":1,\"user\":\"" + user + "\"}");
        return client;
    }

    private void type(String line) throws IOException {
        keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /** What the terminal has shown, as text. */
    private static final class Screen extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        void shows(String expected) {
            try {
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> text().contains(expected));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the terminal never showed \"" + expected + "\"; it shows:\n" + text(), e);
            }
        }

        String lineWith(String part) {
            for (String line : text().split("[\r\n]")) {
                if (line.contains(part)) {
                    return line;
                }
            }
            throw new AssertionError("no line with " + part + " in:\n" + text());
        }
    }
}
