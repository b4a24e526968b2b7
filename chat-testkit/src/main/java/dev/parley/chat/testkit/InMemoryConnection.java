package dev.parley.chat.testkit;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import java.util.ArrayDeque;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The server side of an in-JVM connection: frames for a paused client wait here, counted as
 * queued bytes, and the most ever queued is remembered so a test can check the engine's budget.
 */
final class InMemoryConnection implements Connection {
    private final String id;
    private final Handshake handshake;
    private final RecordingClient client;
    private final Object lock = new Object();
    private final Object inboundLock = new Object();
    private final ArrayDeque<OutboundFrame> pending = new ArrayDeque<>();
    private ConnectionHandler handler;
    private long queuedBytes;
    private long maxQueuedBytes;
    private boolean paused;
    private boolean drainRequested;
    private boolean closed;
    private volatile @Nullable Predicate<String> failingSends;

    InMemoryConnection(String id, Handshake handshake, RecordingClient client) {
        this.id = id;
        this.handshake = handshake;
        this.client = client;
    }

    void open(ConnectionHandler theHandler) {
        this.handler = theHandler;
        client.attach(this);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Handshake handshake() {
        return handshake;
    }

    @Override
    public boolean send(OutboundFrame frame) {
        Predicate<String> failing = failingSends;
        if (failing != null && failing.test(frame.text())) {
            throw new IllegalStateException("planted transport failure");
        }
        synchronized (lock) {
            if (closed) {
                return false;
            }
            if (paused || !pending.isEmpty()) {
                pending.addLast(frame);
                queuedBytes += frame.sizeBytes();
                maxQueuedBytes = Math.max(maxQueuedBytes, queuedBytes);
                return true;
            }
            client.deliver(frame.text());
            return true;
        }
    }

    @Override
    public long queuedBytes() {
        synchronized (lock) {
            return queuedBytes;
        }
    }

    @Override
    public void requestDrainNotice() {
        boolean now;
        synchronized (lock) {
            if (closed) {
                return;
            }
            now = queuedBytes == 0;
            drainRequested = !now;
        }
        if (now) {
            handler.onDrained();
        }
    }

    @Override
    public void close(int code, String reason) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            // Frames queued before the close still reach the client, as over a socket.
            while (!pending.isEmpty()) {
                client.deliver(pending.removeFirst().text());
            }
            queuedBytes = 0;
            closed = true;
        }
        client.closed(code, reason);
        handler.onClosed(code, reason);
    }

    /** The client closed or vanished: the server sees it as closed with this code. */
    void closeFromClient(int code, String reason) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            pending.clear();
            queuedBytes = 0;
            closed = true;
        }
        client.closed(code, reason);
        handler.onClosed(code, reason);
    }

    void fromClient(String text) {
        synchronized (inboundLock) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
            }
            handler.onText(text);
        }
    }

    void binaryFromClient() {
        synchronized (inboundLock) {
            handler.onBinary();
        }
    }

    void pause() {
        synchronized (lock) {
            paused = true;
        }
    }

    void resume() {
        boolean notify;
        synchronized (lock) {
            paused = false;
            while (!pending.isEmpty()) {
                client.deliver(pending.removeFirst().text());
            }
            queuedBytes = 0;
            notify = drainRequested && !closed;
            drainRequested = false;
        }
        if (notify) {
            handler.onDrained();
        }
    }

    void failSendsMatching(Predicate<String> frames) {
        failingSends = frames;
    }

    long maxQueuedBytes() {
        synchronized (lock) {
            return maxQueuedBytes;
        }
    }
}
