package dev.parley.chat.cluster.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} child of the test JVM on a free loopback port, with its own temporary
 * directory, {@code appendonly yes}, {@code appendfsync always} and {@code noeviction}. It can be
 * killed with SIGKILL and started again on the same directory and port. Published in this module's
 * test-jar for other modules' integration tests.
 *
 * <pre>{@code
 * static RedisServerFixture redis;
 * @BeforeAll static void start() { redis = RedisServerFixture.start(); } // skips without redis-server
 * @AfterAll static void stop() { if (redis != null) redis.close(); }
 * }</pre>
 */
public final class RedisServerFixture implements AutoCloseable {
    private static final long START_DEADLINE_MS = 15_000;
    private final Path binary;
    private final Path directory;
    private final int port;
    private final List<String> extraArgs;
    private Process process;

    private RedisServerFixture(Path binary, Path directory, int port, List<String> extraArgs) {
        this.binary = binary;
        this.directory = directory;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** The {@code redis-server} on PATH or in /usr/bin, if any. */
    public static Optional<Path> binary() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "redis-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/redis-server"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts a server, or skips the calling test (a JUnit assumption) when no {@code redis-server}
     * exists. {@code extraArgs} are appended to the command line and override the defaults (say
     * {@code "--maxmemory-policy", "allkeys-lru"}).
     */
    public static RedisServerFixture start(String... extraArgs) {
        Optional<Path> binary = binary();
        assumeTrue(binary.isPresent(),
                "no redis-server on PATH or in /usr/bin: the Redis tests are skipped (apt-get install redis-server)");
        try {
            Path dir = Files.createTempDirectory("parley-redis-");
            RedisServerFixture f = new RedisServerFixture(binary.get(), dir, freePort(), List.of(extraArgs));
            f.launch();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** The port, the same across restarts. */
    public int port() {
        return port;
    }

    /** Kills the server with SIGKILL and waits until it is gone. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("redis-server did not die within 10 s of SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            process = null;
        }
    }

    /** Starts the server again on the same directory and port (it replays its append-only file). */
    public void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the server and deletes its directory. */
    @Override
    public void close() {
        kill();
        try (var files = Files.walk(directory)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(Arrays.asList(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", directory.toString(), "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--daemonize", "no"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile()))
                .start();
        long deadline = System.currentTimeMillis() + START_DEADLINE_MS;
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see "
                        + directory.resolve("redis.log") + ":\n" + Files.readString(directory.resolve("redis.log")));
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING in time");
            }
            try {
                Thread.sleep(20); // polling a condition with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
