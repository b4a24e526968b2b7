package dev.parley.chat.testkit;

import dev.parley.chat.client.ClientConnection;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import java.util.function.Consumer;

/**
 * One in-JVM connection between a {@code ParleyClient} and the engine, made by {@link
 * InMemoryClientConnector}: frames pass straight through, in order, with nothing queued (so
 * this pipe never exercises the engine's slow-reader path; {@link RecordingClient} does).
 *
 * <p><b>Thread safety.</b> Safe from any thread. Frames to the client are handed to its
 * listener one at a time, as are frames to the engine's handler.
 *
 * <p><b>Lifecycle.</b> Open until the client closes it, the engine closes it, or a test {@link
 * #drop() drops} it; both sides then hear of the close exactly once.
 */
public final class InMemoryClientConnection implements ClientConnection {
    private final String id;
    private final Handshake handshake;
    private final ClientConnection.Listener listener;
    private final Consumer<InMemoryClientConnection> onGone;
    private final ServerSide serverSide = new ServerSide();
    /** Guards delivery to the client and the closed flag. */
    private final Object outboundLock = new Object();
    /** Serializes the engine handler's inbound calls. */
    private final Object inboundLock = new Object();
    private volatile ConnectionHandler handler;
    private boolean closed;

    InMemoryClientConnection(String id, Handshake handshake, ClientConnection.Listener listener,
            Consumer<InMemoryClientConnection> onGone) {
        this.id = id;
        this.handshake = handshake;
        this.listener = listener;
        this.onGone = onGone;
    }

    void open(ConnectionHandler theHandler) {
        this.handler = theHandler;
    }

    Connection serverSide() {
        return serverSide;
    }

    /** The connection's id, as the engine's logs show it. */
    public String id() {
        return id;
    }

    /** Whether either side has closed the connection. */
    public boolean isClosed() {
        synchronized (outboundLock) {
            return closed;
        }
    }

    @Override
    public void send(String text) {
        synchronized (inboundLock) {
            if (isClosed()) {
                return;
            }
            handler.onText(text);
        }
    }

    @Override
    public void close(int code, String reason) {
        closeBoth(code, reason);
    }

    /**
     * Cuts the connection as a network failure would: both sides see close code 1006.
     *
     * @return false if it was closed already
     */
    public boolean drop() {
        return closeBoth(1006, "connection lost (simulated)");
    }

    private boolean closeBoth(int code, String reason) {
        synchronized (outboundLock) {
            if (closed) {
                return false;
            }
            closed = true;
            // Under the lock, so the client hears of the close after the last frame, never before.
            listener.onClosed(code, reason);
        }
        onGone.accept(this);
        // Not under outboundLock: the engine may be sending on another thread while it holds
        // inboundLock for a frame of ours (lock order inbound → outbound, never the reverse).
        synchronized (inboundLock) {
            handler.onClosed(code, reason);
        }
        return true;
    }

    @Override
    public String toString() {
        return "InMemoryClientConnection[" + id + "]";
    }

    /** The engine's view of this connection. */
    private final class ServerSide implements Connection {
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
            synchronized (outboundLock) {
                if (closed) {
                    return false;
                }
                listener.onText(frame.text());
                return true;
            }
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public void requestDrainNotice() {
            if (!isClosed()) {
                handler.onDrained();
            }
        }

        @Override
        public void close(int code, String reason) {
            closeBoth(code, reason);
        }
    }
}
