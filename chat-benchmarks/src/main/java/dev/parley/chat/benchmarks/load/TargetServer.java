package dev.parley.chat.benchmarks.load;

import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server the load runs against: started in this JVM, started as a child process, or one that
 * already runs elsewhere on this machine. Always on 127.0.0.1.
 */
abstract class TargetServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ws://([^:/]+):(\\d+)(/\\S*)");

    /** Where the WebSocket endpoint listens. */
    abstract InetSocketAddress address();

    /** The request path of the WebSocket endpoint. */
    abstract String path();

    /**
     * The CPU time the server process has used so far, in nanoseconds, or -1 when it is this JVM
     * (the caller then subtracts the client's threads from the process's time).
     */
    abstract long cpuNanos();

    /** One word for the table: {@code in-process}, {@code process} or {@code external}. */
    abstract String where();

    /** The server's process id: this JVM's when in-process, 0 when unknown. */
    abstract long pid();

    @Override
    public abstract void close();

    /**
     * Parley in this JVM: {@link ChatServer} with the in-memory store and the WebSocket transport
     * on 127.0.0.1, any free port. Publish limits are raised so the single publisher is never
     * rate limited; {@code maxOutboundBytes} and everything else keep their defaults.
     */
    static TargetServer inProcessParley() {
        return inProcessParley(MessageStore.inMemory(), () -> { });
    }

    /** As {@link #inProcessParley()} on {@code store}; {@code afterClose} runs once the server is closed. */
    static TargetServer inProcessParley(MessageStore store, Runnable afterClose) {
        ChatServer server = ChatServer.builder()
                .store(store)
                .authenticator(Authenticator.trustingUserNames())
                .publishPerSecond(1_000_000)
                .publishBurst(1_000_000)
                .build();
        WebSocketTransport ws = WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .daemonThreads(true)
                .build();
        server.start(ws);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", ws.port());
        return new Fixed(address, ws.path(), () -> -1, "in-process", ProcessHandle.current().pid(), () -> {
            server.close();
            afterClose.run();
        });
    }

    /** The raw broadcast baseline in this JVM. */
    static TargetServer inProcessRaw() throws InterruptedException {
        RawBroadcastServer server = new RawBroadcastServer(0);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.startAndWait());
        return new Fixed(address, "/ws", () -> -1, "in-process", ProcessHandle.current().pid(),
                () -> RawBroadcastServer.stopQuietly(server));
    }

    /**
     * Starts {@code command} as a child process and waits for its {@code listening on ws://…} line.
     * Its stderr goes to {@code log}; it is stopped with SIGTERM (then SIGKILL after 10 s). Its CPU
     * time is read from {@code /proc/PID/stat} ({@link ProcessStats#cpuNanos}).
     */
    static TargetServer spawn(List<String> command, File log, Duration startTimeout) throws IOException {
        return spawn(command, log, startTimeout, () -> { });
    }

    /** As {@link #spawn(List, File, Duration)}; {@code afterStop} runs once the child has exited (or was killed). */
    static TargetServer spawn(List<String> command, File log, Duration startTimeout, Runnable afterStop)
            throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Matcher found = awaitListening(process, out, startTimeout);
        // Keep reading stdout so the child never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discarded
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, "load-child-stdout");
        drain.setDaemon(true);
        drain.start();
        InetSocketAddress address = loopback(found.group(1), Integer.parseInt(found.group(2)));
        String path = found.group(3);
        long pid = process.pid();
        return new Fixed(address, path, () -> ProcessStats.cpuNanos(pid), "process", pid, () -> {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } finally {
                afterStop.run();
            }
        });
    }

    /** A server that runs already: {@code ws://127.0.0.1:PORT/PATH}, and its pid if known (0: unknown). */
    static TargetServer external(URI url, long pid) {
        if (!"ws".equals(url.getScheme()) || url.getPort() < 0) {
            throw new IllegalArgumentException("url was " + url + " but must be ws://127.0.0.1:PORT/PATH");
        }
        InetSocketAddress address = loopback(url.getHost(), url.getPort());
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (pid > 0 && ProcessHandle.of(pid).isEmpty()) {
            throw new IllegalArgumentException("no process " + pid);
        }
        return new Fixed(address, path, () -> pid > 0 ? ProcessStats.cpuNanos(pid) : -2, "external", pid, () -> {
            // not ours to stop
        });
    }

    /** A target whose address, path and label are fixed when it is made; CPU time and close are delegated. */
    private static final class Fixed extends TargetServer {
        private final InetSocketAddress address;
        private final String path;
        private final LongSupplier cpuNanos;
        private final String where;
        private final long pid;
        private final Runnable close;

        Fixed(InetSocketAddress address, String path, LongSupplier cpuNanos, String where, long pid, Runnable close) {
            this.address = address;
            this.path = path;
            this.cpuNanos = cpuNanos;
            this.where = where;
            this.pid = pid;
            this.close = close;
        }

        @Override
        long pid() {
            return pid;
        }

        @Override
        InetSocketAddress address() {
            return address;
        }

        @Override
        String path() {
            return path;
        }

        @Override
        long cpuNanos() {
            return cpuNanos.getAsLong();
        }

        @Override
        String where() {
            return where;
        }

        @Override
        public void close() {
            close.run();
        }
    }

    /** The load generator only ever targets this machine's loopback interface. */
    private static InetSocketAddress loopback(String host, int port) {
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("host was " + host + " but the load generator targets 127.0.0.1 only");
        }
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static Matcher awaitListening(Process process, BufferedReader out, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // readLine blocks; the child prints its line within a second or two, or dies.
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the server process exited (" + exitCode(process) + ") before listening");
            }
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return m;
            }
        }
        process.destroyForcibly();
        throw new IOException("the server process did not print its address within " + timeout);
    }

    private static String exitCode(Process process) {
        try {
            return "exit " + process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
