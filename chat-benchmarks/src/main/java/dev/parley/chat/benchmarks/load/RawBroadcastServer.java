package dev.parley.chat.benchmarks.load;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * The baseline of the fan-out load test: a bare Java-WebSocket server that relays every text it
 * receives to every open connection with {@link WebSocketServer#broadcast(String)}, the sender
 * included. No protocol, no store, no order or backpressure guarantees: what a naive chat server
 * does, and the ceiling of Java-WebSocket's own send path (one frame buffer built per connection,
 * one write per queued frame; PITFALLS.md). Parley's fan-out is reported as a ratio of it.
 *
 * <p>Runs inside {@link FanOutLoad} by default; as a process of its own (to separate its CPU from
 * the client's):
 *
 * <pre>
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.RawBroadcastServer [PORT]
 * </pre>
 *
 * <p>It listens on 127.0.0.1 only (port 0 by default) and prints {@code listening on
 * ws://127.0.0.1:PORT/ws} once bound; any path is accepted. It stops on SIGTERM or SIGINT.
 */
public final class RawBroadcastServer extends WebSocketServer {
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    /** A server on 127.0.0.1:{@code port} (0: any free port), settings as Parley's transport uses. */
    public RawBroadcastServer(int port) {
        super(new InetSocketAddress("127.0.0.1", port));
        // Same socket options as WebSocketTransport's defaults, so only the send path differs.
        setTcpNoDelay(true);
        setReuseAddr(true);
        setDaemon(true);
    }

    /** Starts and waits until bound; returns the bound port. */
    public int startAndWait() throws InterruptedException {
        start();
        try {
            started.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("raw broadcast server did not start: " + e, e);
        }
        return getPort();
    }

    /**
     * Stops the server. Java-WebSocket's {@code stop} can race its own selector thread and throw
     * {@code ClosedSelectorException} while it queues close frames (seen with 1000 connections
     * whose clients were closing at the same time); a baseline's shutdown is not measured, so that
     * is ignored.
     */
    static void stopQuietly(RawBroadcastServer server) {
        try {
            server.stop(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // see above
        }
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        broadcast(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        broadcast(message);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {}

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {}

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            started.completeExceptionally(ex); // a bind failure comes here, after start() returned
        }
    }

    @Override
    public void onStart() {
        started.complete(null);
    }

    /** Runs the server until SIGTERM or SIGINT. Argument: the port (default 0, any free one). */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        RawBroadcastServer server = new RawBroadcastServer(port);
        int bound = server.startAndWait();
        System.out.println("listening on ws://127.0.0.1:" + bound + "/ws");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopQuietly(server);
            stopped.countDown();
        }, "raw-shutdown"));
        stopped.await();
    }
}
