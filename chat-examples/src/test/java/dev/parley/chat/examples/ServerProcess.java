package dev.parley.chat.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged example server ({@code target/parley-server.jar}) as a child process, started the
 * way a user starts it, so tests see exactly what a user would.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (ws://\\S+)");
    private static final Pattern TCP = Pattern.compile("listening on tcp://(\\S+):(\\d+)");

    private final Process process;
    private final URI uri;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private int tcpPort = -1;

    private ServerProcess(Process process, URI uri) {
        this.process = process;
        this.uri = uri;
    }

    static ServerProcess start(String... flags) throws IOException, InterruptedException {
        Path jar = Path.of("target", "parley-server.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package the example server first: " + jar.toAbsolutePath());
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        command.addAll(List.of(flags));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "server-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int tcpPort = -1;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher tcp = TCP.matcher(line);
                if (tcp.find()) {
                    tcpPort = Integer.parseInt(tcp.group(2));
                }
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    ServerProcess server = new ServerProcess(process, URI.create(m.group(1)));
                    server.tcpPort = tcpPort;
                    server.lines.addAll(lines);
                    return server;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue());
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the server printed no 'listening on' line within 30 s");
    }

    /** The port of {@code listening on tcp://HOST:PORT} (with {@code --tcp-port}), else -1. */
    int tcpPort() {
        return tcpPort;
    }

    URI uri() {
        return uri;
    }

    JdkWebSocketClient connect() {
        return JdkWebSocketClient.connect(uri);
    }

    /** SIGTERM, then the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the server did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
