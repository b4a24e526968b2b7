package dev.parley.chat.transport.websocket;

import dev.parley.chat.client.ClientConnection;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection over the JDK's WebSocket: the JDK listener on one side, the client's
 * {@link ClientConnection} on the other.
 *
 * <p>Inbound: fragments of a text message are joined into one frame; one message is requested at
 * a time, after the previous was handed over. Outbound: the JDK allows one send in flight, so
 * frames queue here and go out one after the other; a close goes after the frames queued before
 * it. The owner's listener is called under {@link #lock}, so never concurrently and never after
 * its {@code onClosed}.
 */
final class ClientWebSocketConnection implements ClientConnection, WebSocket.Listener {
    private static final Logger log = LoggerFactory.getLogger(ClientWebSocketConnection.class);

    private final ClientConnection.Listener owner;
    private final int maxFrameChars;
    private final Duration closeTimeout;
    private final Object lock = new Object();
    private final StringBuilder partial = new StringBuilder();
    /** Frames waiting for the send in flight; a {@link Close} marks where the close goes. */
    private final ArrayDeque<Object> outbound = new ArrayDeque<>();
    private @Nullable WebSocket socket;
    private boolean sending;
    private boolean closed;

    ClientWebSocketConnection(ClientConnection.Listener owner, int maxFrameChars, Duration closeTimeout) {
        this.owner = owner;
        this.maxFrameChars = maxFrameChars;
        this.closeTimeout = closeTimeout;
    }

    /** The handshake failed: the owner hears nothing (the connect future carries the failure). */
    void handshakeFailed() {
        synchronized (lock) {
            closed = true;
        }
    }

    // ---- ClientConnection --------------------------------------------------------------

    @Override
    public void send(String text) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            outbound.addLast(text);
        }
        pump();
    }

    @Override
    public void close(int code, String reason) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            outbound.addLast(new Close(code, reason));
            // The owner learns at once; the close handshake finishes in the background.
            owner.onClosed(code, reason);
        }
        pump();
    }

    private void pump() {
        Object next;
        WebSocket ws;
        synchronized (lock) {
            ws = socket;
            if (sending || ws == null || outbound.isEmpty()) {
                return;
            }
            next = outbound.pollFirst();
            sending = true;
        }
        if (next instanceof Close) {
            Close close = (Close) next;
            try {
                ws.sendClose(close.code, close.reason).whenComplete((w, e) -> abortLater(ws));
            } catch (IllegalArgumentException e) {
                // A code the JDK may not send (1006, say): just drop the socket.
                ws.abort();
            }
            return;
        }
        ws.sendText((String) next, true).whenComplete((w, failure) -> {
            synchronized (lock) {
                sending = false;
            }
            if (failure != null) {
                lost(ws, "send failed: " + failure);
                return;
            }
            pump();
        });
    }

    /** Drops the socket if the server has not answered the close in time. */
    private void abortLater(WebSocket ws) {
        CompletableFuture.delayedExecutor(closeTimeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!ws.isInputClosed()) {
                ws.abort();
            }
        });
    }

    private void lost(WebSocket ws, String reason) {
        ws.abort();
        closeFromPeer(1006, reason);
    }

    private void closeFromPeer(int code, String reason) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            outbound.clear();
            owner.onClosed(code, reason);
        }
    }

    // ---- WebSocket.Listener --------------------------------------------------------------

    @Override
    public void onOpen(WebSocket ws) {
        synchronized (lock) {
            socket = ws;
        }
        ws.request(1);
        pump();
    }

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        String frame = null;
        boolean tooLarge = false;
        synchronized (lock) {
            if (partial.length() + data.length() > maxFrameChars) {
                tooLarge = true;
            } else {
                partial.append(data);
                if (last) {
                    frame = partial.toString();
                    partial.setLength(0);
                    if (partial.capacity() > 64 * 1024) {
                        // Give back the memory of an unusually large frame.
                        partial.trimToSize();
                    }
                }
            }
        }
        if (tooLarge) {
            log.warn("a server frame is over {} characters; closing", maxFrameChars);
            ws.sendClose(1009, "frame too large").whenComplete((w, e) -> abortLater(ws));
            closeFromPeer(1009, "server frame too large");
            return null;
        }
        if (frame != null) {
            synchronized (lock) {
                if (!closed) {
                    owner.onText(frame);
                }
            }
        }
        ws.request(1);
        return null;
    }

    @Override
    public @Nullable CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        // The protocol has no binary server frames; ignore, as an unknown frame would be.
        ws.request(1);
        return null;
    }

    @Override
    public @Nullable CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closeFromPeer(statusCode, reason);
        // Returning completes the close handshake: the JDK answers with its own close.
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        log.debug("websocket failed", error);
        closeFromPeer(1006, String.valueOf(error));
    }

    /** Where a requested close goes among the queued frames. */
    private static final class Close {
        final int code;
        final String reason;

        Close(int code, String reason) {
            this.code = code;
            this.reason = reason;
        }
    }
}
